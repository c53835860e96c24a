import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { BundleSync, systemClock, type BundleSyncOptions, type Clock } from '../../src/cloud/index.js';
import { FakeAgent, keys, makeBundle, otherKey, policy } from './fixtures.js';
import { deadUrl, metric, TestCloud, testLogger, waitFor } from './helpers.js';

function makeSync(cloud: TestCloud, agent: FakeAgent, over: Partial<BundleSyncOptions> = {}) {
  const registry = new Registry();
  const sync = new BundleSync({
    url: `${cloud.url}/v1/agent/bundle`,
    apiKey: 'vk_test_123',
    version: '1.2.3',
    pollIntervalMs: 60_000,
    timeoutMs: 2_000,
    verify: { keys, required: true },
    onBundle: agent.onBundle,
    logger: testLogger([]),
    registry,
    ...over,
  });
  return { sync, registry };
}

describe('bundle sync against a real HTTP control plane', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await new TestCloud().start();
  });
  after(async () => cloud.close());

  it('first sync, 304, new revision, with the protocol headers', async () => {
    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('r1'));
    cloud.requests = [];
    const agent = new FakeAgent();
    const { sync, registry } = makeSync(cloud, agent);
    assert.equal(sync.state().hasPolicy, false);

    const r1 = await sync.syncNow();
    assert.equal(r1.outcome, 'updated');
    assert.deepEqual(agent.active, { revision: 'r1', source: 'cloud' });
    const s1 = sync.state();
    assert.equal(s1.revision, 'r1');
    assert.equal(s1.etag, cloud.etag);
    assert.equal(s1.tenantId, 'tenant-42');
    assert.equal(s1.degraded, false);
    assert.ok(s1.lastSuccessAt! > 0);
    const h = cloud.requests[0].headers;
    assert.equal(h.authorization, 'Bearer vk_test_123');
    assert.equal(h['user-agent'], 'vengtoo-agent/1.2.3');
    assert.equal(h['if-none-match'], undefined);

    const r2 = await sync.syncNow();
    assert.equal(r2.outcome, 'not_modified');
    assert.equal(cloud.requests[1].headers['if-none-match'], cloud.etag);
    assert.equal(agent.offered.length, 1);

    cloud.setBundle(await makeBundle('r2'));
    const r3 = await sync.syncNow();
    assert.equal(r3.outcome, 'updated');
    assert.equal(agent.active?.revision, 'r2');
    assert.equal(sync.state().revision, 'r2');

    assert.equal(await metric(registry, 'vengtoo_agent_bundle_syncs_total', { result: 'updated' }), 2);
    assert.equal(await metric(registry, 'vengtoo_agent_bundle_syncs_total', { result: 'not_modified' }), 1);
    assert.equal(await metric(registry, 'vengtoo_agent_bundle_info', { revision: 'r2', source: 'cloud' }), 1);
    assert.equal(await metric(registry, 'vengtoo_agent_bundle_info', { revision: 'r1' }), 0);
    assert.equal(await metric(registry, 'vengtoo_agent_degraded'), 0);
    const ts = await metric(registry, 'vengtoo_agent_bundle_last_sync_timestamp_seconds');
    assert.ok(Math.abs(ts - Date.now() / 1000) < 5, String(ts));
  });

  it('keeps the last good policy through every kind of failure, counts them, and recovers', async () => {
    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('good'));
    const agent = new FakeAgent();
    const { sync, registry } = makeSync(cloud, agent, { timeoutMs: 300 });
    assert.equal((await sync.syncNow()).outcome, 'updated');

    const faults: { name: string; reason: string; setup: () => Promise<void> }[] = [
      { name: 'bad signature', reason: 'signature', setup: async () => cloud.setBundle(await makeBundle('evil', { key: otherKey })) },
      { name: 'unsigned when required', reason: 'signature', setup: async () => cloud.setBundle(await makeBundle('unsigned', { key: null })) },
      { name: 'corrupt gzip', reason: 'bundle', setup: async () => { cloud.setBundle(await makeBundle('corrupt')); cloud.bundleMode = 'corrupt'; } },
      { name: 'truncated body', reason: 'network', setup: async () => { cloud.setBundle(await makeBundle('trunc')); cloud.bundleMode = 'truncate'; } },
      { name: '500', reason: 'http', setup: async () => { cloud.bundleMode = 'status'; cloud.bundleStatus = 500; } },
      { name: 'timeout', reason: 'timeout', setup: async () => { cloud.bundleMode = 'hang'; } },
      { name: 'connection reset', reason: 'network', setup: async () => { cloud.bundleMode = 'reset'; } },
      { name: 'policy that does not compile', reason: 'rejected', setup: async () => cloud.setBundle(await makeBundle('broken', { source: policy('broken', 'BROKEN') })) },
    ];
    let n = 0;
    for (const f of faults) {
      cloud.bundleMode = 'ok';
      await f.setup();
      const r = await sync.syncNow();
      n++;
      assert.equal(r.outcome, 'failed', f.name);
      assert.equal(r.reason, f.reason, `${f.name}: ${r.error}`);
      assert.deepEqual(agent.active, { revision: 'good', source: 'cloud' }, f.name);
      const s = sync.state();
      assert.equal(s.revision, 'good', f.name);
      assert.equal(s.consecutiveFailures, n, f.name);
      assert.equal(s.degraded, true, f.name);
      assert.ok(s.lastError, f.name);
      assert.equal(await metric(registry, 'vengtoo_agent_degraded'), 1, f.name);
    }
    assert.equal(await metric(registry, 'vengtoo_agent_bundle_syncs_total', { result: 'failed' }), faults.length);
    assert.equal(await metric(registry, 'vengtoo_agent_bundle_sync_failures_total', { reason: 'signature' }), 2);
    assert.equal(await metric(registry, 'vengtoo_agent_bundle_sync_failures_total', { reason: 'timeout' }), 1);
    assert.equal(await metric(registry, 'vengtoo_agent_bundle_sync_consecutive_failures'), faults.length);

    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('better'));
    assert.equal((await sync.syncNow()).outcome, 'updated');
    assert.equal(agent.active?.revision, 'better');
    assert.equal(sync.state().degraded, false);
    assert.equal(sync.state().consecutiveFailures, 0);
    assert.equal(await metric(registry, 'vengtoo_agent_degraded'), 0);
  });

  it('refuses a bundle over the size limit without reading it all', async () => {
    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('big', { source: policy('big', '# ' + 'x'.repeat(200_000) + '\n') }));
    const agent = new FakeAgent();
    const { sync } = makeSync(cloud, agent, { limits: { maxBytes: 1024 } });
    const r = await sync.syncNow();
    assert.equal(r.reason, 'too_large');
    assert.equal(agent.active, undefined);
  });

  it('polls in the background, backs off on failure and picks up new revisions', async () => {
    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('p1'));
    const agent = new FakeAgent();
    const { sync } = makeSync(cloud, agent, { pollIntervalMs: 40, backoffBaseMs: 20, backoffMaxMs: 200 });
    await sync.start();
    try {
      await waitFor(() => agent.active?.revision === 'p1', 3000, 'first sync');
      cloud.setBundle(await makeBundle('p2'));
      await waitFor(() => agent.active?.revision === 'p2', 3000, 'new revision');
      cloud.bundleMode = 'status';
      cloud.bundleStatus = 503;
      const before = cloud.requests.length;
      await waitFor(() => sync.state().consecutiveFailures >= 3, 3000, 'failures');
      assert.equal(agent.active?.revision, 'p2');
      assert.equal(sync.state().degraded, true);
      // Backoff grows: within 300 ms far fewer than 300/40 polls happen once delays reach the cap.
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(cloud.requests.length - before < 15, `${cloud.requests.length - before} requests`);
      cloud.bundleMode = 'ok';
      await waitFor(() => !sync.state().degraded, 3000, 'recovery');
      assert.equal(agent.active?.revision, 'p2');
    } finally {
      await sync.stop();
    }
    const n = cloud.requests.length;
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(cloud.requests.length, n, 'no polling after stop()');
  });

  it('honours Retry-After on 429/503', async () => {
    cloud.bundleMode = 'status';
    cloud.bundleStatus = 503;
    const agent = new FakeAgent();
    const { sync } = makeSync(cloud, agent);
    const r = await sync.syncNow();
    assert.equal(r.status, 503);
    assert.equal(r.reason, 'http');
    assert.equal(r.retryAfterMs, 7000);
    cloud.bundleMode = 'ok';
  });

  it('is degraded when the policy is older than the maximum age, and clears on the next good sync', async () => {
    cloud.bundleMode = 'ok';
    cloud.setBundle(await makeBundle('aged'));
    let now = Date.now();
    const clock: Clock = { ...systemClock, now: () => now };
    const agent = new FakeAgent();
    const { sync, registry } = makeSync(cloud, agent, { clock, maxPolicyAgeMs: 60_000 });
    await sync.syncNow();
    assert.equal(sync.state().degraded, false);
    now += 61_000;
    assert.equal(sync.state().degraded, true);
    assert.equal(sync.state().policyAgeMs, 61_000);
    assert.equal(await metric(registry, 'vengtoo_agent_degraded'), 1);
    assert.equal((await sync.syncNow()).outcome, 'not_modified');
    assert.equal(sync.state().degraded, false);
    assert.equal(await metric(registry, 'vengtoo_agent_degraded'), 0);
  });

  it('counts a control plane that is down as a network failure', async () => {
    const agent = new FakeAgent();
    const url = await deadUrl();
    const { sync } = makeSync(cloud, agent, { url: `${url}/v1/agent/bundle` });
    const r = await sync.syncNow();
    assert.equal(r.outcome, 'failed');
    assert.equal(r.reason, 'network');
    assert.equal(sync.state().hasPolicy, false);
  });
});
