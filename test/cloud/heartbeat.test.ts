import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { Heartbeat, type HeartbeatOptions } from '../../src/cloud/index.js';
import { deadUrl, metric, TestCloud, testLogger, waitFor } from './helpers.js';

describe('heartbeat', () => {
  let cloud: TestCloud;
  before(async () => {
    cloud = await new TestCloud().start();
  });
  after(async () => cloud.close());

  function hb(over: Partial<HeartbeatOptions> = {}) {
    const registry = new Registry();
    const h = new Heartbeat({
      url: `${cloud.url}/v1/agent/heartbeat`,
      apiKey: 'vk_hb',
      version: '2.0.0',
      intervalMs: 30,
      agent: { name: 'agent-7', region: 'eu-west-1', domain: 'payments', hosting: 'self', mode: 'cloud' },
      startedAt: Date.now() - 5_000,
      status: () => ({ tenantId: 'tenant-42', bundleRevision: 'r9', lastSyncAt: Date.UTC(2026, 0, 2, 3, 4, 5), degraded: true }),
      decisions: () => ({ total: 10, allowed: 7, denied: 3, errors: 0 }),
      registry,
      logger: testLogger([]),
      ...over,
    });
    return { h, registry };
  }

  it('posts the agent status with the protocol headers', async () => {
    cloud.heartbeats = [];
    cloud.requests = [];
    cloud.heartbeatStatus = 204;
    const { h, registry } = hb();
    assert.equal(await h.beat(), true);
    assert.equal(cloud.heartbeats.length, 1);
    const p = cloud.heartbeats[0] as Record<string, unknown>;
    assert.equal(p.agent_name, 'agent-7');
    assert.equal(p.agent_region, 'eu-west-1');
    assert.equal(p.agent_domain, 'payments');
    assert.equal(p.agent_hosting, 'self');
    assert.equal(p.version, '2.0.0');
    assert.equal(p.tenant_id, 'tenant-42');
    assert.equal(p.mode, 'cloud');
    assert.equal(p.bundle_revision, 'r9');
    assert.equal(p.last_sync_time, '2026-01-02T03:04:05.000Z');
    assert.equal(p.degraded, true);
    assert.ok((p.uptime_seconds as number) >= 5);
    assert.deepEqual(p.decisions, { total: 10, allowed: 7, denied: 3, errors: 0 });
    const req = cloud.requests.find((r) => r.path === '/v1/agent/heartbeat')!;
    assert.equal(req.headers.authorization, 'Bearer vk_hb');
    assert.equal(req.headers['user-agent'], 'vengtoo-agent/2.0.0');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(await metric(registry, 'vengtoo_agent_heartbeats_total'), 1);
  });

  it('counts failures and never throws', async () => {
    cloud.heartbeatStatus = 500;
    const { h, registry } = hb();
    assert.equal(await h.beat(), false);
    assert.equal(await metric(registry, 'vengtoo_agent_heartbeat_failures_total', { reason: 'http' }), 1);
    const dead = hb({ url: `${await deadUrl()}/v1/agent/heartbeat` });
    assert.equal(await dead.h.beat(), false);
    assert.equal(await metric(dead.registry, 'vengtoo_agent_heartbeat_failures_total', { reason: 'network' }), 1);
    cloud.heartbeatStatus = 200;
  });

  it('beats every interval until stopped', async () => {
    cloud.heartbeats = [];
    cloud.heartbeatStatus = 200;
    const { h } = hb({ intervalMs: 20 });
    h.start();
    await waitFor(() => cloud.heartbeats.length >= 3, 3000, 'three beats');
    h.stop();
    const n = cloud.heartbeats.length;
    await new Promise((r) => setTimeout(r, 80));
    assert.ok(cloud.heartbeats.length <= n + 1);
  });
});
