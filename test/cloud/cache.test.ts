import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { BundleCache, BundleSync, cacheSourceId, type BundleSyncOptions } from '../../src/cloud/index.js';
import { trusted, testKey } from '../bundle/helpers.js';
import { FakeAgent, keys, makeBundle } from './fixtures.js';
import { deadUrl, metric, TestCloud, testLogger } from './helpers.js';

describe('bundle disk cache', () => {
  let cloud: TestCloud;
  let root: string;
  before(async () => {
    cloud = await new TestCloud().start();
    root = await mkdtemp(join(tmpdir(), 'vengtoo-cache-'));
  });
  after(async () => {
    await cloud.close();
    await rm(root, { recursive: true, force: true });
  });

  let n = 0;
  const newDir = (): string => join(root, `c${++n}`);

  function syncWith(dir: string, url: string, agent: FakeAgent, over: Partial<BundleSyncOptions> = {}, registry = new Registry(), logs: { level: string; obj: unknown; msg?: string }[] = []) {
    const cache = new BundleCache({ dir, registry, logger: testLogger(logs), sourceId: cacheSourceId('source') });
    return new BundleSync({
      url,
      apiKey: 'k',
      version: '0.0.1',
      pollIntervalMs: 60_000,
      timeoutMs: 1_000,
      verify: { keys, required: true },
      cache,
      onBundle: agent.onBundle,
      registry,
      logger: testLogger(logs),
      ...over,
    });
  }

  it('writes the bundle and its metadata atomically, leaving no temp files', async () => {
    const dir = newDir();
    const cache = new BundleCache({ dir });
    const a = await makeBundle('a');
    assert.equal(await cache.save(a, { etag: '"e1"', revision: 'a', fetchedAt: 1000 }), true);
    const b = await makeBundle('b');
    assert.equal(await cache.save(b, { etag: '"e2"', revision: 'b', fetchedAt: 2000 }), true);
    const names = (await readdir(dir)).sort();
    assert.equal(names.length, 2, names.join(','));
    assert.ok(names.includes('current.json'));
    assert.ok(names.every((x) => !x.startsWith('.tmp-')));
    const meta = JSON.parse(await readFile(join(dir, 'current.json'), 'utf8'));
    assert.equal(meta.etag, '"e2"');
    assert.equal(meta.revision, 'b');
    assert.equal(meta.fetched_at, 2000);
    const loaded = await cache.load();
    assert.deepEqual(Buffer.from(loaded!.bytes), Buffer.from(b));
    assert.equal(loaded!.meta.etag, '"e2"');
  });

  it('warm restart: serves the cached bundle at once with the cloud down, then reports degraded', async () => {
    const dir = newDir();
    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('cached-rev'));
    const first = new FakeAgent();
    const s1 = syncWith(dir, `${cloud.url}/v1/agent/bundle`, first);
    assert.equal((await s1.syncNow()).outcome, 'updated');

    const second = new FakeAgent();
    const registry = new Registry();
    const s2 = syncWith(dir, `${await deadUrl()}/v1/agent/bundle`, second, { backoffBaseMs: 10_000 }, registry);
    await s2.start(); // resolves once the cache is loaded; the first sync runs in the background
    try {
      assert.deepEqual(second.active, { revision: 'cached-rev', source: 'cache' });
      assert.equal(s2.state().hasPolicy, true);
      assert.equal(s2.state().source, 'cache');
      assert.equal(s2.state().tenantId, 'tenant-42');
      await new Promise<void>((r) => {
        const t = setInterval(() => s2.state().consecutiveFailures > 0 && (clearInterval(t), r()), 5);
      });
      assert.equal(s2.state().degraded, true);
      assert.deepEqual(second.active, { revision: 'cached-rev', source: 'cache' });
      assert.equal(await metric(registry, 'vengtoo_agent_degraded'), 1);
      assert.equal(await metric(registry, 'vengtoo_agent_bundle_info', { revision: 'cached-rev', source: 'cache' }), 1);
    } finally {
      await s2.stop();
    }
  });

  it('warm restart with the cloud up: the cached ETag makes the first sync a 304', async () => {
    const dir = newDir();
    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('same'));
    await syncWith(dir, `${cloud.url}/v1/agent/bundle`, new FakeAgent()).syncNow();
    const agent = new FakeAgent();
    const s = syncWith(dir, `${cloud.url}/v1/agent/bundle`, agent);
    assert.equal(await s.loadFromCache(), true);
    const r = await s.syncNow();
    assert.equal(r.outcome, 'not_modified');
    assert.equal(agent.offered.length, 1);
    assert.equal(agent.offered[0].source, 'cache');
  });

  it('ignores a corrupt cache with a warning', async () => {
    const dir = newDir();
    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('c'));
    await syncWith(dir, `${cloud.url}/v1/agent/bundle`, new FakeAgent()).syncNow();
    const file = (await readdir(dir)).find((x) => x.startsWith('bundle-'))!;
    const bytes = await readFile(join(dir, file));
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(join(dir, file), bytes);

    const logs: { level: string; obj: unknown; msg?: string }[] = [];
    const registry = new Registry();
    const agent = new FakeAgent();
    const s = syncWith(dir, `${await deadUrl()}/v1/agent/bundle`, agent, {}, registry, logs);
    assert.equal(await s.loadFromCache(), false);
    assert.equal(agent.active, undefined);
    assert.ok(logs.some((l) => l.level === 'warn' && /corrupt/.test(l.msg ?? '')), JSON.stringify(logs));
    assert.equal(await metric(registry, 'vengtoo_agent_bundle_cache_errors_total', { op: 'read' }), 1);

    await writeFile(join(dir, 'current.json'), '{"version":1,"sha');
    assert.equal(await new BundleCache({ dir, logger: testLogger([]) }).load(), undefined);
  });

  it('a crash in the middle of a save leaves the previous bundle loadable', async () => {
    const dir = newDir();
    const cache = new BundleCache({ dir });
    const old = await makeBundle('old');
    await cache.save(old, { revision: 'old' });
    // Crash after the temp file was partly written, and after a new bundle file landed but before
    // current.json was replaced:
    await writeFile(join(dir, `.tmp-999-abcdef`), (await makeBundle('new')).subarray(0, 100));
    await writeFile(join(dir, `bundle-${'0'.repeat(64)}.tar.gz`), await makeBundle('new'));
    const loaded = await new BundleCache({ dir }).load();
    assert.deepEqual(Buffer.from(loaded!.bytes), Buffer.from(old));
    assert.equal(loaded!.meta.revision, 'old');
    // The next save cleans up the debris.
    await cache.save(await makeBundle('newer'), { revision: 'newer' });
    assert.equal((await readdir(dir)).length, 2);
  });

  it('keeps serving when the cache directory cannot be written', async () => {
    const file = join(root, 'not-a-dir');
    await writeFile(file, 'x');
    const dir = join(file, 'cache');
    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('rw'));
    const registry = new Registry();
    const logs: { level: string; obj: unknown; msg?: string }[] = [];
    const agent = new FakeAgent();
    const s = syncWith(dir, `${cloud.url}/v1/agent/bundle`, agent, {}, registry, logs);
    assert.equal((await s.syncNow()).outcome, 'updated');
    assert.equal(agent.active?.revision, 'rw');
    // Serving, but a restart would not find this bundle: degraded until a later sync writes it.
    assert.equal(s.state().cacheStale, true);
    assert.equal(s.state().degraded, true);
    assert.equal(await metric(registry, 'vengtoo_agent_bundle_cache_errors_total', { op: 'write' }), 1);
    assert.ok(logs.some((l) => l.level === 'warn' && /cannot write the bundle cache/.test(l.msg ?? '')));
  });

  it('verifies the cached bundle again: a key no longer trusted, or another source, is ignored', async () => {
    const dir = newDir();
    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('v'));
    await syncWith(dir, `${cloud.url}/v1/agent/bundle`, new FakeAgent()).syncNow();
    const agent = new FakeAgent();
    const s = syncWith(dir, `${cloud.url}/v1/agent/bundle`, agent, { verify: { keys: trusted('cloud-1', testKey('ES256')), required: true } });
    assert.equal(await s.loadFromCache(), false);
    const other = new BundleCache({ dir, sourceId: cacheSourceId('another source') });
    assert.equal(await other.load(), undefined);
  });
});
