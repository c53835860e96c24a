// Client secret: /access/v1/* needs `Authorization: Bearer <client_secret>`; operations endpoints don't.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { http, post, startAgent, type AgentProcess } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'authz');
const SECRET = 'correct horse battery staple';
const alice = { subject: { type: 'user', id: 'alice' }, resource: { type: 'doc', id: 'd1' }, action: { name: 'read' } };
let agent: AgentProcess;

before(async () => {
  agent = await startAgent(['--policy', FIXTURE], { env: { VENGTOO_CLIENT_SECRET: SECRET } });
});

after(async () => {
  assert.equal(await agent.stop('SIGINT'), 0, 'SIGINT also shuts down gracefully with exit code 0');
});

it('answers 401 with WWW-Authenticate when the bearer token is missing', async () => {
  for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer ' }] as Record<string, string>[]) {
    const r = await post(agent.url + '/access/v1/evaluation', alice, headers);
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="vengtoo-agent"');
    assert.match(r.json().error, /missing bearer token/);
  }
});

it('answers 401 for a wrong token, of any length', async () => {
  for (const token of ['wrong', SECRET + 'x', SECRET.slice(0, -1), SECRET.toUpperCase()]) {
    const r = await post(agent.url + '/access/v1/evaluation', alice, { authorization: `Bearer ${token}` });
    assert.equal(r.status, 401);
    assert.match(String(r.headers['www-authenticate']), /^Bearer realm="vengtoo-agent", error="invalid_token"$/);
  }
});

it('accepts the right token (scheme is case-insensitive) on both decision endpoints', async () => {
  const ok = await post(agent.url + '/access/v1/evaluation', alice, { authorization: `Bearer ${SECRET}` });
  assert.equal(ok.status, 200);
  assert.equal(ok.json().decision, true);
  const lower = await post(agent.url + '/access/v1/evaluation', alice, { authorization: `bearer ${SECRET}` });
  assert.equal(lower.status, 200);
  const batch = await post(agent.url + '/access/v1/evaluations', { ...alice, evaluations: [{}] });
  assert.equal(batch.status, 401);
  const batchOk = await post(agent.url + '/access/v1/evaluations', { ...alice, evaluations: [{}] }, { authorization: `Bearer ${SECRET}` });
  assert.equal(batchOk.status, 200);
});

it('checks the token before looking at the body', async () => {
  const r = await http(agent.url + '/access/v1/evaluation', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
  assert.equal(r.status, 401);
});

it('leaves health, readiness, metrics and metadata open', async () => {
  for (const p of ['/healthz', '/readyz', '/metrics', '/.well-known/authzen-configuration']) {
    assert.equal((await http(agent.url + p)).status, 200, p);
  }
});
