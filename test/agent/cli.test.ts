// The command line: help, version, usage errors.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runAgent } from './helpers.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

async function run(args: string[], env: Record<string, string> = {}) {
  const a = runAgent(args, { env });
  const code = await a.exited;
  await new Promise((r) => setImmediate(r));
  return { code, stdout: a.lines.map((l) => (l.raw !== undefined ? String(l.raw) : JSON.stringify(l))).join('\n'), stderr: a.stderr() };
}

it('--help prints usage and exits 0', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--policy PATH/);
  assert.match(r.stdout, /--listen ADDR/);
  assert.match(r.stdout, /--decision-log/);
});

it('version prints the package version', async () => {
  const r = await run(['version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, new RegExp(`^vengtoo-agent ${pkg.version.replaceAll('.', '\\.')} `));
});

// (The flag parser's other errors are covered in-process by test/cli/args.test.ts.)
it('a usage error exits 2 with a message', async () => {
  const r = await run(['--polcy', 'x.rego']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown flag --polcy/);
});
