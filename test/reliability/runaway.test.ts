// Runaway policies cannot freeze the agent: nested comprehensions over large data, calls through
// functions that iterate, 100,000-deep comparisons and builtins. The evaluation budget
// (eval_timeout, default 100ms; eval_max_steps, default 1,000,000) or the stack limit stops each,
// the answer is a deny with reason "policy evaluation error", the stop is counted in
// vengtoo_agent_evaluation_errors_total{code}, and other requests are served right after.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricValue, post, scrape, startAgent, type AgentProcess } from './lib/agent.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'runaway');
const DEPTH = 100_000;
let dir: string;
let agent: AgentProcess;

const ask = (a: AgentProcess, id: string) =>
  post(a.url + '/access/v1/evaluation', { subject: { type: 'user', id }, resource: { type: 'doc', id: 'd' }, action: { name: 'read' } });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vengtoo-runaway-'));
  copyFileSync(join(FIXTURE, 'policy.rego'), join(dir, 'policy.rego'));
  const deep = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
  writeFileSync(join(dir, 'data.json'), `{"xs":[${Array.from({ length: 2000 }, (_, i) => i).join(',')}],"deep":${deep},"deep2":${deep}}`);
  agent = await startAgent(['--policy', dir, '--no-watch']);
});

after(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const RUNAWAY: [string, string][] = [
  ['nested', 'eval_budget_error'],
  ['set', 'eval_budget_error'],
  ['functions', 'eval_budget_error'],
  ['deep', 'eval_internal_error'],
  ['walk', 'eval_internal_error'],
  ['range', 'eval_budget_error'],
  ['template', 'eval_budget_error'],
];

for (const [id, code] of RUNAWAY) {
  it(`runaway "${id}": denied as an evaluation error (${code}), counted, others served right after`, async (t) => {
    const before = metricValue(await scrape(agent), 'vengtoo_agent_evaluation_errors_total', { code });
    const t0 = performance.now();
    const runaway = ask(agent, id).then((r) => ({ r, ms: performance.now() - t0 }));
    // Normal requests sent while the runaway evaluation runs.
    await new Promise((r) => setTimeout(r, 5));
    const normal = await Promise.all(Array.from({ length: 20 }, () => ask(agent, 'normal').then((r) => ({ r, ms: performance.now() - t0 }))));
    const { r, ms } = await runaway;
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { decision: false, allowed: false, reason: 'policy evaluation error', context: { reason: 'policy evaluation error' } });
    assert.ok(ms < 2000, `the runaway answer took ${ms.toFixed(0)} ms`);
    for (const n of normal) {
      assert.equal(n.r.status, 200);
      assert.equal(n.r.json().allowed, true);
    }
    const slowest = Math.max(...normal.map((n) => n.ms));
    t.diagnostic(`runaway answered (deny) in ${ms.toFixed(0)} ms; 20 normal requests sent meanwhile all answered within ${slowest.toFixed(0)} ms`);
    assert.ok(slowest < ms + 1000, `normal requests answered within ${slowest.toFixed(0)} ms (runaway ${ms.toFixed(0)} ms)`);
    const after = metricValue(await scrape(agent), 'vengtoo_agent_evaluation_errors_total', { code });
    assert.equal(after - before, 1);
    await agent.waitForLine((l) => l.msg === 'policy evaluation error' && String(l.error).includes(code), 5000);
  });
}

it('a batch of 50 runaway items shares one time budget: answered within a few budgets, every item denied', async (t) => {
  const before = metricValue(await scrape(agent), 'vengtoo_agent_evaluation_errors_total', { code: 'eval_budget_error' });
  const item = { subject: { type: 'user', id: 'nested' } };
  const t0 = performance.now();
  const r = await post(agent.url + '/access/v1/evaluations', {
    resource: { type: 'doc', id: 'd' },
    action: { name: 'read' },
    evaluations: [...Array.from({ length: 50 }, () => item), { subject: { type: 'user', id: 'normal' } }],
  });
  const ms = performance.now() - t0;
  t.diagnostic(`batch of 51 answered in ${ms.toFixed(0)} ms`);
  assert.equal(r.status, 200);
  const items = r.json().evaluations as { decision: boolean; context?: { reason?: string } }[];
  assert.equal(items.length, 51);
  for (const it of items) assert.deepEqual(it, { decision: false, context: { reason: 'policy evaluation error' } });
  assert.ok(ms < 1000, `the batch took ${ms.toFixed(0)} ms (50 × 100 ms budgets would be 5 s)`);
  const after = metricValue(await scrape(agent), 'vengtoo_agent_evaluation_errors_total', { code: 'eval_budget_error' });
  assert.equal(after - before, 51);
  await agent.waitForLine((l) => l.msg === 'batch exceeded the evaluation time budget; the remaining items are denied', 5000);
});

it('the step budget alone (eval_timeout 0) stops a runaway too', async (t) => {
  const a = await startAgent(['--policy', dir, '--no-watch', '--eval-timeout', '0', '--eval-max-steps', '200000']);
  try {
    for (const id of ['nested', 'range', 'template']) {
      const t0 = performance.now();
      const r = await ask(a, id);
      const ms = performance.now() - t0;
      t.diagnostic(`${id}: stopped by 200,000 steps after ${ms.toFixed(0)} ms`);
      assert.equal(r.json().allowed, false);
      assert.equal(r.json().reason, 'policy evaluation error');
      assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
      await a.waitForLine((l) => l.msg === 'policy evaluation error' && l.request_id === r.headers['x-request-id'] && String(l.error).includes('budget of 200000 steps'), 5000);
      assert.equal((await ask(a, 'normal')).json().allowed, true);
    }
  } finally {
    await a.stop();
  }
});

it('the time budget alone (eval_max_steps 0) stops one huge builtin call (numbers.range(1, 10^9))', async (t) => {
  const a = await startAgent(['--policy', dir, '--no-watch', '--eval-timeout', '100ms', '--eval-max-steps', '0']);
  try {
    const t0 = performance.now();
    const r = await ask(a, 'range');
    const ms = performance.now() - t0;
    t.diagnostic(`stopped by the 100 ms time budget after ${ms.toFixed(0)} ms`);
    assert.deepEqual(r.json(), { decision: false, allowed: false, reason: 'policy evaluation error', context: { reason: 'policy evaluation error' } });
    assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
    await a.waitForLine((l) => l.msg === 'policy evaluation error' && String(l.error).includes('time budget of 100 ms'), 5000);
    assert.equal((await ask(a, 'normal')).json().allowed, true);
  } finally {
    await a.stop();
  }
});

it('a stream of runaway requests: normal requests in between wait at most a few budgets', async (t) => {
  const t0 = performance.now();
  const runaways = Array.from({ length: 10 }, () => ask(agent, 'set'));
  const normals: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    const r = await ask(agent, 'normal');
    assert.equal(r.json().allowed, true);
    normals.push(performance.now() - t);
  }
  for (const r of await Promise.all(runaways)) assert.equal(r.json().allowed, false);
  const total = performance.now() - t0;
  t.diagnostic(`10 runaways in ${total.toFixed(0)} ms; normal requests in between waited at most ${Math.max(...normals).toFixed(0)} ms`);
  // 10 runaways × ~100 ms each are served one after the other; a normal request waits behind
  // those already queued, never longer than all of them.
  assert.ok(Math.max(...normals) < total + 50, `normal ${Math.max(...normals).toFixed(0)} ms, total ${total.toFixed(0)} ms`);
  assert.ok(total < 10 * 400, `10 runaways took ${total.toFixed(0)} ms`);
});
