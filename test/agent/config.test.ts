// Configuration end to end: precedence flag > env > YAML > default, observed through the running
// agent, and invalid configuration stopping start-up with exit code 2 and the key named.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { post, runAgent, startAgent } from './helpers.js';

let dir: string;

// One policy folder with four candidate decision rules; which one answers shows which
// decision_path won. YAML sits in the working directory as ./vengtoo-agent.yaml.
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vengtoo-config-'));
  const pol = join(dir, 'policies');
  mkdirSync(pol);
  for (const [pkg, reason] of [
    ['vengtoo.authz', 'default'],
    ['from_yaml', 'yaml'],
    ['from_env', 'env'],
    ['from_flag', 'flag'],
  ]) {
    writeFileSync(join(pol, `${reason}.rego`), `package ${pkg}\n\ndecision := {"allowed": true, "reason": "${reason}"}\n`);
  }
  mkdirSync(join(dir, 'withyaml'));
  // Relative paths in the YAML file resolve against the file's folder.
  writeFileSync(
    join(dir, 'withyaml', 'vengtoo-agent.yaml'),
    ['policy: ../policies', 'decision_path: from_yaml/decision', 'decision_log: true', 'listen_addr: "127.0.0.1:0"', 'poll_interval: 1m30s', ''].join('\n'),
  );
  mkdirSync(join(dir, 'empty'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

const req = { subject: { type: 'user', id: 'u' }, resource: { type: 'doc', id: 'precedence' }, action: { name: 'read' } };
const deep = (n: number) => `{"subject":{"type":"u","id":"u"},"resource":{"type":"d","id":"1"},"action":{"name":"r"},"context":{"x":${'['.repeat(n - 2)}${']'.repeat(n - 2)}}}`;

// One agent shows every level at once, each through a different key:
//   max_depth      YAML 10, env 20, flag 30  → 30 (flag beats env and YAML)
//   decision_log   YAML true, env false      → off (env beats YAML)
//   decision_path  YAML only                 → from_yaml (YAML beats the default)
//   max_body_bytes nowhere                   → 1 MiB (the default)
it('flag > env > YAML > default', async () => {
  const yamlDir = join(dir, 'withyaml');
  writeFileSync(join(yamlDir, 'vengtoo-agent.yaml'), 'max_depth: 10\n', { flag: 'a' });
  const a = await startAgent(['--max-depth', '30', '--log-level', 'debug'], {
    cwd: yamlDir,
    env: { VENGTOO_MAX_DEPTH: '20', VENGTOO_DECISION_LOG: 'false' },
  });
  try {
    const eff = await a.waitForLine((l) => l.msg === 'effective configuration');
    const origins = eff.origins as Record<string, string>;
    const config = eff.config as Record<string, unknown>;
    assert.deepEqual(
      [origins.max_depth, origins.decision_log, origins.decision_path, origins.max_body_bytes, origins.poll_interval],
      ['flag', 'env', 'file', 'default', 'file'],
    );
    assert.equal(config.poll_interval, 90_000, 'Go duration 1m30s');
    assert.equal(config.policy, join(dir, 'policies'), 'relative path resolved against the YAML file');

    // behaviour matches: decision_path from YAML
    const r = await post(a.url + '/access/v1/evaluation', req);
    assert.equal(r.json().reason, 'yaml');
    // max_depth from the flag: 30 accepted, 31 rejected
    assert.equal((await post(a.url + '/access/v1/evaluation', deep(30))).status, 200);
    assert.equal((await post(a.url + '/access/v1/evaluation', deep(31))).status, 400);
    // max_body_bytes default 1 MiB
    const big = JSON.stringify({ ...req, context: { pad: 'x'.repeat(1024 * 1024) } });
    assert.equal((await post(a.url + '/access/v1/evaluation', big)).status, 413);
    // decision_log off from env, although YAML turned it on
    await a.waitForLine((l) => l.msg === 'listening');
    assert.equal(a.lines.filter((l) => l.msg === 'decision').length, 0);
  } finally {
    assert.equal(await a.stop(), 0);
  }
});

async function failsWith(args: string[], opts: { env?: Record<string, string>; cwd?: string }, pattern: RegExp): Promise<void> {
  const a = runAgent(args, opts);
  const code = await a.exited;
  assert.equal(code, 2, `exit code 2 for ${pattern}; stderr: ${a.stderr()}`);
  assert.match(a.stderr(), pattern);
}

// (Every other invalid value is covered in-process by test/config/load.test.ts.)
it('invalid configuration stops start-up with exit code 2 and names the key', async () => {
  const bad = join(dir, 'bad');
  mkdirSync(bad, { recursive: true });
  writeFileSync(join(bad, 'unknown.yaml'), 'pol_interval: 30s\n');
  const policy = ['--policy', join(dir, 'policies')];
  await Promise.all([
    failsWith(policy, { env: { VENGTOO_POLL_INTERVAL: 'soon' } }, /poll_interval \(from VENGTOO_POLL_INTERVAL\): invalid duration "soon"/),
    failsWith(['--config', join(bad, 'unknown.yaml'), ...policy], {}, /pol_interval.*unknown key \(did you mean poll_interval\?\)/),
    failsWith([], { cwd: join(dir, 'empty'), env: { VENGTOO_API_KEY: 'k', VENGTOO_BUNDLE_SIGNATURE_REQUIRED: 'true' } }, /bundle_signature_required is set but trusted_keys_path/),
  ]);
});
