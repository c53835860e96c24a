// `vengtoo-agent fmt` run as a real process on temporary files: printing, --write, --list,
// --diff, --fail exit codes, syntax errors with their location, folders, standard input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

function fmt(args: string[], stdin?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'fmt', ...args], {
    cwd: repo,
    input: stdin,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const MESSY = 'package app\nallow if {input.user=="admin"}\n\ndeny contains msg if {msg:="no"}\n';
const CLEAN = 'package app\n\nallow if input.user == "admin"\n\ndeny contains msg if msg := "no"\n';
const BROKEN = 'package broken\n\nallow if {\n\tinput.x ==\n}\n';

function workspace(): { dir: string; messy: string; clean: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vengtoo-fmt-'));
  mkdirSync(join(dir, 'nested'));
  const messy = join(dir, 'messy.rego');
  const clean = join(dir, 'nested', 'clean.rego');
  writeFileSync(messy, MESSY);
  writeFileSync(clean, CLEAN);
  writeFileSync(join(dir, 'nested', 'notes.txt'), 'not rego {');
  return { dir, messy, clean, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('fmt FILE prints the formatted policy and leaves the file alone', (t) => {
  const w = workspace();
  t.after(w.done);
  const r = fmt([w.messy]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, CLEAN);
  assert.equal(readFileSync(w.messy, 'utf8'), MESSY);
});

test('fmt --write rewrites only the files that change', (t) => {
  const w = workspace();
  t.after(w.done);
  const before = readFileSync(w.clean);
  const r = fmt(['--write', w.dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(readFileSync(w.messy, 'utf8'), CLEAN);
  assert.deepEqual(readFileSync(w.clean), before);
  assert.equal(readFileSync(join(w.dir, 'nested', 'notes.txt'), 'utf8'), 'not rego {', 'only .rego files are touched');
  // Formatting again changes nothing.
  const again = fmt(['-l', w.dir]);
  assert.equal(again.code, 0);
  assert.equal(again.stdout, '');
});

test('fmt --list names the files whose formatting differs; --fail makes that exit 1', (t) => {
  const w = workspace();
  t.after(w.done);
  const r = fmt(['--list', w.dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${w.messy}\n`);
  const failing = fmt(['-l', '--fail', w.dir]);
  assert.equal(failing.code, 1);
  assert.equal(failing.stdout, `${w.messy}\n`);
  const ok = fmt(['--fail', '-l', w.clean]);
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, '');
});

test('fmt --diff prints a unified diff of the changes (the hunks diff -u prints)', (t) => {
  const w = workspace();
  t.after(w.done);
  const r = fmt(['--diff', w.dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      `--- ${w.messy}`,
      `+++ ${w.messy} (formatted)`,
      '@@ -1,4 +1,5 @@',
      ' package app',
      '-allow if {input.user=="admin"}',
      ' ',
      '-deny contains msg if {msg:="no"}',
      '+allow if input.user == "admin"',
      '+',
      '+deny contains msg if msg := "no"',
      '',
    ].join('\n'),
  );
  assert.equal(fmt(['-d', '--fail', w.messy]).code, 1);
  assert.equal(readFileSync(w.messy, 'utf8'), MESSY);
});

test('a syntax error is reported as file:line:col: rego_parse_error and exits 2', (t) => {
  const w = workspace();
  t.after(w.done);
  const bad = join(w.dir, 'broken.rego');
  writeFileSync(bad, BROKEN);
  const r = fmt(['--write', w.dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:1: rego_parse_error: unexpected \\} token`, 'm'));
  // The other files are still formatted, the broken one is left as it was.
  assert.equal(readFileSync(w.messy, 'utf8'), CLEAN);
  assert.equal(readFileSync(bad, 'utf8'), BROKEN);
  // A parse error wins over --fail's 1.
  assert.equal(fmt(['--fail', '-l', bad]).code, 2);
});

test('standard input, missing files, bad flags and --help', () => {
  const r = fmt([], MESSY);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, CLEAN);
  assert.equal(fmt(['-'], MESSY).stdout, CLEAN);
  const listed = fmt(['-l', '--fail'], MESSY);
  assert.equal(listed.code, 1);
  assert.equal(listed.stdout, '<stdin>\n');
  const stdinError = fmt([], BROKEN);
  assert.equal(stdinError.code, 2);
  assert.match(stdinError.stderr, /^<stdin>:5:1: rego_parse_error: /m);

  const missing = fmt(['/nonexistent/policy.rego']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\/nonexistent\/policy\.rego: no such file or directory/);
  const badFlag = fmt(['--frobnicate']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /unknown flag --frobnicate/);
  assert.equal(fmt(['--write']).code, 2, '--write needs files');

  const help = fmt(['--help']);
  assert.equal(help.code, 0);
  for (const flag of ['--write', '--diff', '--list', '--fail']) assert.ok(help.stdout.includes(flag), flag);
});
