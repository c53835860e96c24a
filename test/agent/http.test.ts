// End to end over HTTP against the real agent process, with the test policy in fixtures/authz
// (plain comparisons) and decision logging on.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { http, metricValue, post, startAgent, type AgentProcess } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'authz');

let agent: AgentProcess;
let base: string;

const alice = { subject: { type: 'user', id: 'alice' }, resource: { type: 'doc', id: 'd1' }, action: { name: 'read' } };
const bob = { subject: { type: 'user', id: 'bob' }, resource: { type: 'doc', id: 'd1' }, action: { name: 'read' } };

before(async () => {
  agent = await startAgent(['--policy', FIXTURE, '--decision-log']);
  base = agent.url;
});

after(async () => {
  const code = await agent.stop();
  assert.equal(code, 0, 'graceful shutdown exits 0');
});

describe('POST /access/v1/evaluation', () => {
  it('answers an allow with decision, allowed, reason, access_path and the context', async () => {
    const r = await post(base + '/access/v1/evaluation', alice);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.deepEqual(r.json(), {
      decision: true,
      allowed: true,
      reason: 'owner',
      access_path: 'owner',
      context: { reason: 'owner', access_path: 'owner', ticket: 42 },
    });
  });

  it('answers a deny with 200 and decision false', async () => {
    const r = await post(base + '/access/v1/evaluation', bob);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { decision: false, allowed: false, reason: 'not the owner', context: { reason: 'not the owner' } });
  });

  it('accepts `decision` in the policy result for `allowed`', async () => {
    const r = await post(base + '/access/v1/evaluation', { ...alice, subject: { type: 'user', id: 'carol' } });
    assert.deepEqual(r.json(), { decision: true, allowed: true, context: {} });
  });

  it('falls back to the allow rule when the decision rule is undefined', async () => {
    const r = await post(base + '/access/v1/evaluation', { ...alice, subject: { type: 'user', id: 'fallback' } });
    assert.deepEqual(r.json(), { decision: true, allowed: true, context: {} });
  });

  it('denies with "no policy decision" when both rules are undefined', async () => {
    const req = { ...alice, subject: { type: 'user', id: 'fallback' }, action: { name: 'write' } };
    const r = await post(base + '/access/v1/evaluation', req);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), {
      decision: false,
      allowed: false,
      reason: 'no policy decision',
      context: { reason: 'no policy decision' },
    });
  });

  it('denies with "policy evaluation error" on an evaluation error, logs it and counts it', async () => {
    const before = metricValue(await (await http(base + '/metrics')).body, 'vengtoo_agent_evaluation_errors_total');
    const r = await post(base + '/access/v1/evaluation', { ...alice, subject: { type: 'user', id: 'boom' } });
    assert.equal(r.status, 200);
    assert.equal(r.json().decision, false);
    assert.equal(r.json().reason, 'policy evaluation error');
    const line = await agent.waitForLine((l) => l.msg === 'policy evaluation error');
    assert.match(String(line.error), /eval_conflict_error/);
    assert.equal(line.level, 'ERROR');
    const after = metricValue((await http(base + '/metrics')).body, 'vengtoo_agent_evaluation_errors_total');
    assert.equal(after, before + 1);
  });

  it('accepts the aliases: resource.name → id, attributes → properties (properties win)', async () => {
    const req = {
      subject: { type: 'user', name: 'alice', attributes: { team: 'a' } },
      resource: { type: 'doc', name: 'd9', attributes: { sql: 'x', level: 1 }, properties: { level: 2 } },
      action: { name: 'read' },
    };
    const r = await post(base + '/access/v1/evaluation', req);
    assert.equal(r.status, 200);
    assert.equal(r.json().decision, true, 'subject.name was used as the id');
    const line = await agent.waitForLine((l) => l.msg === 'decision' && l.resource_id === 'd9');
    assert.equal(line.subject_id, 'alice');
  });

  it('prefers id over name', async () => {
    const r = await post(base + '/access/v1/evaluation', { ...alice, subject: { type: 'user', id: 'bob', name: 'alice' } });
    assert.equal(r.json().decision, false);
  });

  it('ignores unknown fields', async () => {
    const r = await post(base + '/access/v1/evaluation', { ...alice, extra: { x: 1 }, subject: { ...alice.subject, foo: [1] } });
    assert.equal(r.status, 200);
    assert.equal(r.json().decision, true);
  });

  it('accepts a query string on the path', async () => {
    const r = await post(base + '/access/v1/evaluation?trace=1', alice);
    assert.equal(r.status, 200);
  });

  const bad: [string, unknown, RegExp][] = [
    ['malformed JSON', '{"subject": ', /malformed JSON/],
    ['an empty body', '', /empty/],
    ['a non-object body', '[1,2]', /must be a JSON object/],
    ['a missing subject', { resource: alice.resource, action: alice.action }, /subject is required/],
    ['a string subject', { ...alice, subject: 'alice' }, /subject must be an object/],
    ['a missing subject.type', { ...alice, subject: { id: 'alice' } }, /subject\.type is required/],
    ['a numeric subject.id', { ...alice, subject: { type: 'user', id: 7 } }, /subject\.id must be a string/],
    ['a missing resource.id', { ...alice, resource: { type: 'doc' } }, /resource\.id is required/],
    ['a missing action', { subject: alice.subject, resource: alice.resource }, /action is required/],
    ['a numeric action.name', { ...alice, action: { name: 3 } }, /action\.name must be a string/],
    ['a non-object properties', { ...alice, resource: { type: 'doc', id: 'x', properties: 'p' } }, /resource\.properties must be an object/],
    ['a non-object context', { ...alice, context: [] }, /context must be an object/],
  ];
  for (const [what, body, msg] of bad) {
    it(`answers 400 naming the problem for ${what}`, async () => {
      const r = await post(base + '/access/v1/evaluation', body);
      assert.equal(r.status, 400);
      assert.match(r.json().error, msg);
    });
  }

  it('answers 400 for a wrong or missing content type, and accepts a charset', async () => {
    const body = JSON.stringify(alice);
    const text = await http(base + '/access/v1/evaluation', { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    assert.equal(text.status, 400);
    assert.match(text.json().error, /content type must be application\/json/);
    const none = await http(base + '/access/v1/evaluation', { method: 'POST', body });
    assert.equal(none.status, 400);
    const charset = await http(base + '/access/v1/evaluation', {
      method: 'POST',
      headers: { 'Content-Type': 'Application/JSON; charset=utf-8' },
      body,
    });
    assert.equal(charset.status, 200);
  });

  it('answers 413 for a body over the limit (default 1 MiB), by content-length or by stream', async () => {
    const big = JSON.stringify({ ...alice, context: { pad: 'x'.repeat(1024 * 1024) } });
    const r = await post(base + '/access/v1/evaluation', big);
    assert.equal(r.status, 413);
    assert.match(r.json().error, /exceeds 1048576 bytes/);
    // chunked upload without content-length: the answer arrives, no reset
    const chunked = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request(base + '/access/v1/evaluation', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
          agent: false,
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        for (let i = 0; i < 20; i++) req.write('x'.repeat(64 * 1024));
        req.end();
      }, reject);
    });
    assert.equal(chunked, 413);
    // a declared length far beyond the limit is refused without reading the body
    const declared = await new Promise<{ status: number; connection?: string }>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request(base + '/access/v1/evaluation', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(100 * 1024 * 1024) },
          agent: false,
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
          req.destroy();
        });
        req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
        req.flushHeaders();
      }, reject);
    });
    assert.deepEqual(declared, { status: 413, connection: 'close' });
    // a body just under the limit is fine
    const ok = await post(base + '/access/v1/evaluation', { ...alice, context: { pad: 'x'.repeat(1000 * 1000) } });
    assert.equal(ok.status, 200);
  });

  it('answers 400 for JSON nested deeper than 64 levels, without crashing on very deep input', async () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const r = await post(base + '/access/v1/evaluation', `{"subject":{"type":"u","id":"alice"},"resource":{"type":"d","id":"1"},"action":{"name":"r"},"context":{"x":${deep(70)}}}`);
    assert.equal(r.status, 400);
    assert.match(r.json().error, /deeper than 64/);
    const huge = await post(base + '/access/v1/evaluation', deep(200_000));
    assert.equal(huge.status, 400);
    // depth 64 in total is accepted: {context:{x: 61 arrays}} = 1 + 1 + 61 + ... levels
    const ok = await post(base + '/access/v1/evaluation', `{"subject":{"type":"u","id":"alice"},"resource":{"type":"d","id":"1"},"action":{"name":"r"},"context":{"x":${deep(62)}}}`);
    assert.equal(ok.status, 200);
    // brackets inside strings do not count
    const str = await post(base + '/access/v1/evaluation', { ...alice, context: { s: '['.repeat(500) + '"\\' } });
    assert.equal(str.status, 200);
  });

  it('answers 405 with Allow for other methods', async () => {
    const r = await http(base + '/access/v1/evaluation', { method: 'GET' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'POST');
    assert.ok(r.json().error);
  });
});

describe('X-Request-ID', () => {
  it('echoes the request id', async () => {
    const r = await post(base + '/access/v1/evaluation', alice, { 'x-request-id': 'req-123 abc' });
    assert.equal(r.headers['x-request-id'], 'req-123 abc');
    const mixed = await post(base + '/access/v1/evaluation', alice, { 'X-Request-ID': 'Mixed-Case-1' });
    assert.equal(mixed.headers['x-request-id'], 'Mixed-Case-1');
  });
  it('generates distinct ids when absent, also on errors and other endpoints', async () => {
    const a = await post(base + '/access/v1/evaluation', alice);
    const b = await post(base + '/access/v1/evaluation', '{');
    const c = await http(base + '/healthz');
    const ids = [a, b, c].map((r) => r.headers['x-request-id']);
    for (const id of ids) assert.ok(typeof id === 'string' && id.length > 0);
    assert.equal(new Set(ids).size, 3);
    const e = await http(base + '/nope', { headers: { 'x-request-id': 'echo-404' } });
    assert.equal(e.headers['x-request-id'], 'echo-404');
  });
});

describe('POST /access/v1/evaluations', () => {
  const url = () => base + '/access/v1/evaluations';

  it('execute_all (the default) answers every item in order, batch items kept minimal', async () => {
    const r = await post(url(), {
      subject: alice.subject,
      action: alice.action,
      resource: alice.resource,
      evaluations: [{}, { subject: bob.subject }, { subject: { type: 'user', id: 'carol' } }, { subject: { type: 'user', id: 'fallback' } }],
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), {
      evaluations: [
        { decision: true, context: { reason: 'owner', access_path: 'owner', ticket: 42 } },
        { decision: false, context: { reason: 'not the owner' } },
        { decision: true },
        { decision: true },
      ],
    });
    assert.equal(r.body.includes('"allowed"'), false, 'batch items carry no legacy mirror fields');
  });

  it('replaces whole entities from the item (no deep merge of defaults)', async () => {
    // The default subject has an id; the item's subject has none → the item is invalid, not merged.
    const r = await post(url(), {
      subject: { type: 'user', id: 'alice' },
      action: alice.action,
      resource: alice.resource,
      evaluations: [{ subject: { type: 'user' } }, { resource: { type: 'doc', id: 'other' } }],
    });
    const items = r.json().evaluations;
    assert.equal(items[0].decision, false);
    assert.match(items[0].context.error.message, /subject\.id is required/);
    assert.equal(items[0].context.error.status, 400);
    assert.equal(items[1].decision, true);
  });

  it('uses the top-level context unless the item has its own', async () => {
    const r = await post(url(), {
      subject: alice.subject,
      action: alice.action,
      resource: alice.resource,
      context: 'not an object',
      evaluations: [{ context: { ok: true } }, {}],
    });
    const items = r.json().evaluations;
    assert.equal(items[0].decision, true);
    assert.equal(items[1].decision, false);
    assert.match(items[1].context.error.message, /context must be an object/);
  });

  it('reports an invalid item as decision:false with an error, keeping length and order (AuthZEN c-3-4-1)', async () => {
    const r = await post(url(), {
      subject: alice.subject,
      action: alice.action,
      evaluations: [{ resource: alice.resource }, {}, { resource: alice.resource }],
    });
    assert.equal(r.status, 200);
    const items = r.json().evaluations;
    assert.equal(items.length, 3);
    assert.deepEqual(
      items.map((i: { decision: boolean }) => i.decision),
      [true, false, true],
    );
    assert.match(items[1].context.error.message, /resource is required/);
  });

  it('deny_on_first_deny stops after the first deny', async () => {
    const r = await post(url(), {
      resource: alice.resource,
      action: alice.action,
      options: { evaluations_semantic: 'deny_on_first_deny' },
      evaluations: [{ subject: alice.subject }, { subject: bob.subject }, { subject: alice.subject }],
    });
    assert.deepEqual(
      r.json().evaluations.map((i: { decision: boolean }) => i.decision),
      [true, false],
    );
  });

  it('deny_on_first_deny counts an invalid item as a deny', async () => {
    const r = await post(url(), {
      resource: alice.resource,
      action: alice.action,
      options: { evaluations_semantic: 'deny_on_first_deny' },
      evaluations: [{ subject: alice.subject }, { subject: 5 }, { subject: alice.subject }],
    });
    assert.equal(r.json().evaluations.length, 2);
  });

  it('permit_on_first_permit stops after the first permit', async () => {
    const r = await post(url(), {
      resource: alice.resource,
      action: alice.action,
      options: { evaluations_semantic: 'permit_on_first_permit' },
      evaluations: [{ subject: bob.subject }, { subject: alice.subject }, { subject: bob.subject }],
    });
    assert.deepEqual(
      r.json().evaluations.map((i: { decision: boolean }) => i.decision),
      [false, true],
    );
  });

  it('with no evaluations key, or an empty array, answers like a single evaluation', async () => {
    for (const body of [alice, { ...alice, evaluations: [] }]) {
      const r = await post(url(), body);
      assert.equal(r.status, 200);
      assert.equal(r.json().decision, true);
      assert.equal(r.json().evaluations, undefined);
    }
    const bad = await post(url(), { subject: alice.subject });
    assert.equal(bad.status, 400);
  });

  it('answers 400 for whole-payload errors', async () => {
    assert.equal((await post(url(), { evaluations: {} })).status, 400);
    const sem = await post(url(), { ...alice, options: { evaluations_semantic: 'first_wins' }, evaluations: [{}] });
    assert.equal(sem.status, 400);
    assert.match(sem.json().error, /evaluations_semantic/);
    assert.equal((await post(url(), '{')).status, 400);
  });

  it('logs one decision line per evaluated item', async () => {
    await post(url(), {
      resource: { type: 'doc', id: 'batch-log' },
      action: alice.action,
      evaluations: [{ subject: alice.subject }, { subject: bob.subject }],
    });
    await agent.waitForLine((l) => l.msg === 'decision' && l.resource_id === 'batch-log' && l.subject_id === 'bob');
    assert.equal(agent.lines.filter((l) => l.msg === 'decision' && l.resource_id === 'batch-log').length, 2);
  });
});

describe('decision log', () => {
  it('writes one line per decision with exactly the documented keys, in order', async () => {
    await post(base + '/access/v1/evaluation', { ...alice, resource: { type: 'doc', id: 'log-check' } });
    const line = await agent.waitForLine((l) => l.msg === 'decision' && l.resource_id === 'log-check');
    assert.deepEqual(Object.keys(line), [
      'time',
      'level',
      'msg',
      'subject_id',
      'resource_id',
      'action',
      'decision',
      'reason',
      'access_path',
      'ms',
    ]);
    assert.equal(line.level, 'INFO');
    assert.equal(line.subject_id, 'alice');
    assert.equal(line.action, 'read');
    assert.equal(line.decision, true);
    assert.equal(line.reason, 'owner');
    assert.equal(line.access_path, 'owner');
    assert.equal(typeof line.ms, 'number');
    assert.ok((line.ms as number) >= 0 && (line.ms as number) < 1000);
    assert.ok(!Number.isNaN(Date.parse(String(line.time))));
  });
});

describe('operations endpoints', () => {
  it('GET /.well-known/authzen-configuration describes the PDP', async () => {
    const r = await http(base + '/.well-known/authzen-configuration');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const meta = r.json() as Record<string, string>;
    assert.equal(meta.policy_decision_point, base);
    assert.equal(meta.access_evaluation_endpoint, base + '/access/v1/evaluation');
    assert.equal(meta.access_evaluations_endpoint, base + '/access/v1/evaluations');
    // any further endpoint advertised (search) lives under the same base; no nulls or placeholders
    for (const [k, v] of Object.entries(meta)) {
      assert.match(k, /^(policy_decision_point|[a-z_]+_endpoint)$/, k);
      assert.ok(typeof v === 'string' && v.startsWith(base), k);
    }
  });

  it('GET /healthz reports status, mode, revision and last load', async () => {
    const r = await http(base + '/healthz');
    assert.equal(r.status, 200);
    const h = r.json();
    assert.equal(h.status, 'ok');
    assert.equal(h.mode, 'local');
    assert.equal(h.degraded, false);
    assert.equal(h.policy_loaded, true);
    assert.match(h.bundle_revision, /^[0-9a-f]{12}$/);
    assert.ok(!Number.isNaN(Date.parse(h.last_sync)));
    assert.equal(typeof h.last_sync_age_seconds, 'number');
  });

  it('GET /readyz is 200 once a policy is loaded', async () => {
    const r = await http(base + '/readyz');
    assert.equal(r.status, 200);
  });

  it('HEAD works on the GET endpoints; POST is 405', async () => {
    assert.equal((await http(base + '/healthz', { method: 'HEAD' })).status, 200);
    const r = await http(base + '/healthz', { method: 'POST', body: '{}' });
    assert.equal(r.status, 405);
    assert.match(String(r.headers.allow), /GET/);
  });

  it('unknown paths are 404 JSON', async () => {
    const r = await http(base + '/access/v1/evaluationz', { method: 'POST', body: '{}' });
    assert.equal(r.status, 404);
    assert.ok(r.json().error);
  });

  it('GET /metrics: counters move with requests', async () => {
    const m0 = (await http(base + '/metrics')).body;
    await post(base + '/access/v1/evaluation', alice);
    await post(base + '/access/v1/evaluation', bob);
    await post(base + '/access/v1/evaluation', '{');
    const r = await http(base + '/metrics');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    const m1 = r.body;
    const v = (t: string, n: string, l: Record<string, string> = {}) => metricValue(t, n, l);
    assert.equal(
      v(m1, 'vengtoo_agent_decisions_total', { allowed: 'true', access_path: 'owner' }),
      v(m0, 'vengtoo_agent_decisions_total', { allowed: 'true', access_path: 'owner' }) + 1,
    );
    assert.equal(
      v(m1, 'vengtoo_agent_decisions_total', { allowed: 'false', access_path: '' }),
      v(m0, 'vengtoo_agent_decisions_total', { allowed: 'false', access_path: '' }) + 1,
    );
    assert.equal(
      v(m1, 'vengtoo_agent_decision_duration_seconds_count'),
      v(m0, 'vengtoo_agent_decision_duration_seconds_count') + 2,
    );
    assert.ok(v(m1, 'vengtoo_agent_decision_duration_seconds_sum') > 0);
    assert.equal(
      v(m1, 'vengtoo_agent_http_requests_total', { route: '/access/v1/evaluation', status: '400' }),
      v(m0, 'vengtoo_agent_http_requests_total', { route: '/access/v1/evaluation', status: '400' }) + 1,
    );
    assert.ok(v(m1, 'vengtoo_agent_http_requests_total', { route: '/metrics', status: '200' }) >= 1);
    assert.equal(v(m1, 'vengtoo_agent_degraded'), 0);
    assert.ok(v(m1, 'vengtoo_agent_bundle_last_sync_timestamp_seconds') > 1.7e9);
    assert.equal(v(m1, 'vengtoo_agent_policy_reloads_total', { result: 'success' }), 1);
    assert.match(m1, /^process_cpu_user_seconds_total /m, 'process metrics');
    assert.match(m1, /^nodejs_heap_size_total_bytes /m);
  });
});
