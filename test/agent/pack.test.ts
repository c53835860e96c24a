// Packaging: `npm pack` makes a tarball whose `vengtoo-agent` bin works when installed elsewhere.
// The tarball is installed into a temporary folder with `npm install --offline` (dependencies come
// from the npm cache that `npm ci` filled), then started on the example policy it ships.
// Without a usable cache, the test falls back to unpacking the tarball and linking the checkout's
// dependencies, and says so: that still proves the file list, the bin and the built code.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT, post } from './helpers.js';

function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** dist/ is current when every src/**.ts has a newer dist/**.js. */
function distIsFresh(): boolean {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  for (const src of walk(join(ROOT, 'src')).filter((f) => f.endsWith('.ts'))) {
    const out = join(ROOT, 'dist', relative(join(ROOT, 'src'), src)).replace(/\.ts$/, '.js');
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) return false;
  }
  return true;
}

it('npm pack → install elsewhere → the vengtoo-agent bin serves the example policy', { timeout: 300_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'vengtoo-pack-'));
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    // `npm pack` runs `prepare` (the build); skip that when dist/ is already current (as after `npm ci`).
    const fresh = distIsFresh();
    t.diagnostic(fresh ? 'dist/ is current: packing without rebuilding' : 'dist/ is stale: npm pack runs the build');
    const packed = await run('npm', ['pack', '--pack-destination', work, ...(fresh ? ['--ignore-scripts'] : [])], ROOT);
    assert.equal(packed.code, 0, packed.stderr);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'a tarball was written');

    // What the package holds: the built code with its shebang, the examples, the README; no sources or tests.
    const list = await run('tar', ['tzf', join(work, tarball)], work);
    const files = list.stdout.split('\n').filter(Boolean);
    for (const f of ['package/dist/cli/main.js', 'package/dist/rego/index.js', 'package/examples/policy.rego', 'package/examples/data.json', 'package/README.md', 'package/package.json']) {
      assert.ok(files.includes(f), `${f} is packed`);
    }
    assert.equal(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/')).length, 0);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}\n');
    const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, tarball)], app);
    if (install.code !== 0) {
      t.diagnostic(`npm install --offline failed (no cached dependencies?): ${install.stderr.split('\n').slice(0, 3).join(' | ')}`);
      t.diagnostic('fallback: unpacking the tarball and linking the checkout\'s dependencies');
      const target = join(app, 'node_modules', 'vengtoo-agent');
      mkdirSync(target, { recursive: true });
      assert.equal((await run('tar', ['xzf', join(work, tarball), '-C', target, '--strip-components=1'], app)).code, 0);
      for (const dep of Object.keys(pkg.dependencies)) symlinkSync(join(ROOT, 'node_modules', dep), join(app, 'node_modules', dep));
      mkdirSync(join(app, 'node_modules', '.bin'));
      symlinkSync(join(target, 'dist', 'cli', 'main.js'), join(app, 'node_modules', '.bin', 'vengtoo-agent'));
      await run('chmod', ['+x', join(target, 'dist', 'cli', 'main.js')], app);
    } else {
      t.diagnostic('installed with npm install --offline');
    }
    const bin = join(app, 'node_modules', '.bin', 'vengtoo-agent');
    assert.ok(existsSync(bin), 'the bin is linked');
    assert.match(readFileSync(bin, 'utf8').split('\n')[0], /^#!\/usr\/bin\/env node/);

    const version = await run(bin, ['version'], app);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, new RegExp(`^vengtoo-agent ${pkg.version.replaceAll('.', '\\.')} `));

    // Start it on the example policy shipped in the package, from an unrelated working directory.
    const policy = join(app, 'node_modules', 'vengtoo-agent', 'examples', 'policy.rego');
    const proc = spawn(bin, ['--policy', policy, '--listen', '127.0.0.1:0'], { cwd: app, env: { ...process.env, HOME: work }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
    let out = '';
    proc.stdout.setEncoding('utf8');
    const addr = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 30_000);
      proc.stdout.on('data', (c: string) => {
        out += c;
        const m = /"addr":"([^"]+)"[^\n]*"msg":"listening"/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    try {
      const r = await post(`http://${addr}/access/v1/evaluation`, {
        subject: { type: 'agent', id: 'ai-assistant' },
        resource: { type: 'mcp_tool', name: 'database__execute', attributes: { sql: 'DROP TABLE users' } },
        action: { name: 'invoke' },
      });
      assert.equal(r.status, 200);
      assert.equal(r.json().allowed, false);
      assert.equal(r.json().reason, 'BLOCKED: DROP operations are not permitted for AI agents');
    } finally {
      proc.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
