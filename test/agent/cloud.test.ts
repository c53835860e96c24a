// Cloud mode end to end: the real agent process against the test control plane from
// test/cloud/helpers.ts — bundle sync and hot swap, heartbeat, audit forwarding, degraded on
// failures while serving, and a warm restart from the disk cache with the cloud down.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle } from '../../src/bundle/index.js';
import { TestCloud } from '../cloud/helpers.js';
import { http, metricValue, post, startAgent, waitFor, type AgentProcess } from './helpers.js';

let cloud: TestCloud;
let dir: string;
let env: Record<string, string>;

const bundle = (revision: string) =>
  writeBundle({
    modules: [{ file: 'vengtoo/authz.rego', source: `package vengtoo.authz\n\ndecision := {"allowed": input.subject.id == "alice", "reason": "${revision}"}\n` }],
    manifest: { revision, roots: ['vengtoo'], metadata: { tenant_id: 'tenant-42' } },
  });
const ask = (a: AgentProcess, id = 'alice') =>
  post(a.url + '/access/v1/evaluation', { subject: { type: 'user', id }, resource: { type: 'doc', id: 'd1' }, action: { name: 'read' } });

before(async () => {
  cloud = await new TestCloud().start();
  dir = mkdtempSync(join(tmpdir(), 'vengtoo-cloudmode-'));
  env = {
    HOME: dir,
    VENGTOO_API_KEY: 'test-key',
    VENGTOO_CLOUD_URL: cloud.url,
    VENGTOO_CACHE_DIR: join(dir, 'cache'),
    VENGTOO_POLL_INTERVAL: '200ms',
    VENGTOO_HEARTBEAT_INTERVAL: '200ms',
    VENGTOO_AUDIT_BATCH_INTERVAL: '100ms',
    VENGTOO_AGENT_NAME: 'agent-under-test',
  };
});

after(async () => {
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
});

it('syncs, serves, swaps, reports heartbeats and decisions, degrades without losing the policy', async () => {
  cloud.setBundle(await bundle('r1'));
  const a = await startAgent([], { env });
  try {
    await waitFor(async () => ((await http(a.url + '/readyz')).status === 200 ? true : undefined));
    const r = await ask(a);
    assert.deepEqual(r.json(), { decision: true, allowed: true, reason: 'r1', context: { reason: 'r1' } });
    const h = (await http(a.url + '/healthz')).json();
    assert.equal(h.mode, 'cloud');
    assert.equal(h.bundle_revision, 'r1');
    assert.equal(h.degraded, false);
    assert.equal(h.status, 'ok');
    assert.ok(cloud.requests.some((q) => q.path === '/v1/agent/bundle' && q.headers.authorization === 'Bearer test-key'));

    // heartbeat and audit
    await waitFor(async () => (cloud.heartbeats.some((b) => (b as { bundle_revision?: string }).bundle_revision === 'r1') ? true : undefined));
    const beat = cloud.heartbeats.at(-1) as Record<string, any>;
    assert.equal(beat.agent_name, 'agent-under-test');
    assert.equal(beat.tenant_id, 'tenant-42');
    assert.equal(beat.mode, 'cloud');
    await waitFor(async () => (cloud.events.length > 0 ? true : undefined));
    const ev = cloud.events[0];
    assert.deepEqual([ev.subject, ev.resource, ev.action, ev.decision, ev.reason, ev.bundle_revision], [
      { type: 'user', id: 'alice' },
      { type: 'doc', id: 'd1' },
      { name: 'read' },
      true,
      'r1',
      'r1',
    ]);
    assert.equal(typeof ev.decision_id, 'string');

    // a new bundle is swapped in
    cloud.setBundle(await bundle('r2'));
    await waitFor(async () => ((await ask(a)).json().reason === 'r2' ? true : undefined));

    // the cloud fails: degraded, still serving r2
    cloud.bundleMode = 'status';
    cloud.bundleStatus = 500;
    await waitFor(async () => ((await http(a.url + '/healthz')).json().degraded === true ? true : undefined));
    assert.equal((await http(a.url + '/healthz')).json().status, 'degraded');
    assert.equal((await ask(a)).json().reason, 'r2');
    assert.equal(metricValue((await http(a.url + '/metrics')).body, 'vengtoo_agent_degraded'), 1);
  } finally {
    assert.equal(await a.stop(), 0);
  }

  // warm restart with the cloud unreachable: the cached r2 serves at once
  cloud.bundleMode = 'reset';
  const b = await startAgent([], { env });
  try {
    assert.equal((await http(b.url + '/readyz')).status, 200, 'ready before any successful sync');
    assert.equal((await ask(b)).json().reason, 'r2');
  } finally {
    assert.equal(await b.stop(), 0);
  }
});
