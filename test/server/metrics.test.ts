import { it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentMetrics, ROUTES } from '../../src/server/metrics.js';
import { BearerAuth } from '../../src/server/auth.js';
import { metricValue } from '../agent/helpers.js';

it('renders hot-path tallies through prom-client', async () => {
  const m = new AgentMetrics({ defaultMetrics: false });
  m.recordDecision(true, 'role', 0.00002);
  m.recordDecision(true, 'role', 0.0003);
  m.recordDecision(false, undefined, 2);
  m.recordRequest(0, 200);
  m.recordRequest(0, 200);
  m.recordRequest(ROUTES.indexOf('other'), 404);
  const t = await m.render();
  assert.equal(metricValue(t, 'vengtoo_agent_decisions_total', { allowed: 'true', access_path: 'role' }), 2);
  assert.equal(metricValue(t, 'vengtoo_agent_decisions_total', { allowed: 'false', access_path: '' }), 1);
  assert.equal(metricValue(t, 'vengtoo_agent_decision_duration_seconds_bucket', { le: '0.000025' }), 1);
  assert.equal(metricValue(t, 'vengtoo_agent_decision_duration_seconds_bucket', { le: '0.0005' }), 2);
  assert.equal(metricValue(t, 'vengtoo_agent_decision_duration_seconds_bucket', { le: '+Inf' }), 3);
  assert.equal(metricValue(t, 'vengtoo_agent_decision_duration_seconds_count'), 3);
  assert.ok(Math.abs(metricValue(t, 'vengtoo_agent_decision_duration_seconds_sum') - 2.00032) < 1e-9);
  assert.equal(metricValue(t, 'vengtoo_agent_http_requests_total', { route: '/access/v1/evaluation', status: '200' }), 2);
  assert.equal(metricValue(t, 'vengtoo_agent_http_requests_total', { route: 'other', status: '404' }), 1);
  assert.match(t, /# TYPE vengtoo_agent_decision_duration_seconds histogram/);
  // rendering twice does not double count
  assert.equal(metricValue(await m.render(), 'vengtoo_agent_decisions_total', { allowed: 'true', access_path: 'role' }), 2);
});

it('caps distinct access_path label values', async () => {
  const m = new AgentMetrics({ defaultMetrics: false });
  for (let i = 0; i < 200; i++) m.recordDecision(true, `path-${i}`, 0.00001);
  const t = await m.render();
  assert.equal(metricValue(t, 'vengtoo_agent_decisions_total', { allowed: 'true', access_path: 'other' }), 200 - 64);
  assert.ok((t.match(/vengtoo_agent_decisions_total\{/g) ?? []).length <= 65);
});

it('bearer auth compares the whole token', () => {
  const a = new BearerAuth('s3cret');
  assert.equal(a.check('Bearer s3cret'), 'ok');
  assert.equal(a.check('bearer s3cret'), 'ok');
  assert.equal(a.check('Bearer s3cre'), 'invalid');
  assert.equal(a.check('Bearer s3cret2'), 'invalid');
  assert.equal(a.check(undefined), 'missing');
  assert.equal(a.check('Basic abc'), 'missing');
  assert.equal(a.check('Bearer '), 'missing');
});
