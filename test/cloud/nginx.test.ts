// OPA-style static bundle hosting: a real nginx (Debian package) serves the bundle file with its
// own ETags and 304s; the agent syncs from it via bundle_url. test/cloud/nginx.sh installs nginx
// when it is missing (needs root and Debian's package registry); the test is skipped, saying why,
// only when that is impossible.

import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { BundleSync } from '../../src/cloud/index.js';
import { FakeAgent, keys, makeBundle } from './fixtures.js';
import { deadUrl, testLogger, waitFor } from './helpers.js';

function findNginx(): { bin?: string; why?: string } {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'nginx.sh');
  try {
    const out = execFileSync('bash', [script], { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const bin = out.trim().split('\n').pop();
    return bin ? { bin } : { why: 'nginx.sh printed no path' };
  } catch (e) {
    return { why: `nginx could not be installed: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}` };
  }
}

const nginx = findNginx();

describe('bundle_url served by nginx (static OPA bundle hosting)', { skip: nginx.why ? `SKIPPED: ${nginx.why}` : false }, () => {
  let dir: string;
  let proc: ChildProcess;
  let base: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vengtoo-nginx-'));
    const port = new URL(await deadUrl()).port;
    await writeFile(
      join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'master_process off;',
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log warn;`,
        'events { worker_connections 64; }',
        'http {',
        '  access_log off;',
        `  client_body_temp_path ${dir}/tmp;`,
        `  proxy_temp_path ${dir}/tmp;`,
        `  fastcgi_temp_path ${dir}/tmp;`,
        `  uwsgi_temp_path ${dir}/tmp;`,
        `  scgi_temp_path ${dir}/tmp;`,
        '  types { application/gzip gz; }',
        `  server { listen 127.0.0.1:${port}; root ${dir}/www; etag on; }`,
        '}',
      ].join('\n'),
    );
    await mkdir(join(dir, 'www', 'bundles'), { recursive: true });
    await mkdir(join(dir, 'tmp'), { recursive: true });
    await writeFile(join(dir, 'www', 'bundles', 'bundle.tar.gz'), await makeBundle('static-1'));
    proc = spawn(nginx.bin!, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    base = `http://127.0.0.1:${port}`;
    await waitFor(async () => {
      try {
        return (await fetch(`${base}/bundles/bundle.tar.gz`, { method: 'HEAD' })).ok;
      } catch {
        return false;
      }
    }, 10_000, 'nginx to start');
  });

  after(async () => {
    proc?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('downloads, gets 304 with nginx ETags, and picks up a replaced file', async () => {
    const agent = new FakeAgent();
    const sync = new BundleSync({
      url: `${base}/bundles/bundle.tar.gz`,
      version: '1.0.0',
      pollIntervalMs: 60_000,
      verify: { keys, required: true },
      onBundle: agent.onBundle,
      registry: new Registry(),
      logger: testLogger([]),
    });
    assert.equal((await sync.syncNow()).outcome, 'updated');
    assert.equal(agent.active?.revision, 'static-1');
    const etag = sync.state().etag;
    assert.match(etag ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/, 'nginx ETag');

    const r = await sync.syncNow();
    assert.equal(r.outcome, 'not_modified');
    assert.equal(r.status, 304);

    // Replace the file atomically, as a deploy would; nginx's ETag (mtime-size) changes.
    await new Promise((res) => setTimeout(res, 1100));
    const tmp = join(dir, 'www', 'bundles', '.next');
    await writeFile(tmp, await makeBundle('static-2'));
    await rename(tmp, join(dir, 'www', 'bundles', 'bundle.tar.gz'));
    assert.equal((await sync.syncNow()).outcome, 'updated');
    assert.equal(agent.active?.revision, 'static-2');
    assert.notEqual(sync.state().etag, etag);

    // A missing file is a failure that keeps the policy.
    await rm(join(dir, 'www', 'bundles', 'bundle.tar.gz'));
    const gone = await sync.syncNow();
    assert.equal(gone.outcome, 'failed');
    assert.equal(gone.status, 404);
    assert.equal(agent.active?.revision, 'static-2');
  });
});
