// The starter policy (examples/policy.rego + data.json) through the real agent: the product
// description's two curl requests must get exactly its answers.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, post, startAgent, type AgentProcess } from './helpers.js';

let agent: AgentProcess;
const evaluate = async (body: unknown) => (await post(agent.url + '/access/v1/evaluation', body)).json();
const pick = ({ allowed, reason, access_path }: Record<string, unknown>) =>
  Object.fromEntries(Object.entries({ allowed, reason, access_path }).filter(([, v]) => v !== undefined));

before(async () => {
  agent = await startAgent(['--policy', join(ROOT, 'examples', 'policy.rego'), '--no-watch']);
});
after(async () => assert.equal(await agent.stop(), 0));

it('allowed request from the product description', async () => {
  const r = await evaluate({
    subject: { type: 'agent', id: 'ai-assistant' },
    resource: { type: 'mcp_tool', name: 'database__query' },
    action: { name: 'invoke' },
  });
  assert.deepEqual(pick(r), { allowed: true, reason: 'Access granted via role', access_path: 'role' });
  assert.equal(r.decision, true);
  assert.deepEqual(r.context, { reason: 'Access granted via role', access_path: 'role' });
});

it('denied request from the product description: an AI agent tries to drop a table', async () => {
  const r = await evaluate({
    subject: { type: 'agent', id: 'ai-assistant' },
    resource: { type: 'mcp_tool', name: 'database__execute', attributes: { sql: 'DROP TABLE users' } },
    action: { name: 'invoke' },
  });
  assert.deepEqual(pick(r), { allowed: false, reason: 'BLOCKED: DROP operations are not permitted for AI agents' });
  assert.equal(r.decision, false);
});

it('the rest of the starter policy behaves as its comments say', async () => {
  const ask = (subject: object, resource: object, action = 'invoke') => evaluate({ subject, resource, action: { name: action } });
  const agentA = { type: 'agent', id: 'ai-assistant' };
  // other SQL through the same tool is fine
  assert.equal((await ask(agentA, { type: 'mcp_tool', id: 'database__execute', properties: { sql: 'SELECT 1' } })).allowed, true);
  // the guard is case-insensitive and applies to any tool
  assert.equal((await ask(agentA, { type: 'mcp_tool', id: 'search__web', properties: { sql: 'drop   database prod' } })).allowed, false);
  // glob patterns: search__* is granted, files__* is not
  assert.equal((await ask(agentA, { type: 'mcp_tool', id: 'search__web' })).allowed, true);
  assert.deepEqual(pick(await ask(agentA, { type: 'mcp_tool', id: 'files__delete' })), { allowed: false, reason: 'No role grants this action' });
  // users: the guard is for agents only; admin may do anything, reader only reads documents
  const alice = { type: 'user', id: 'alice' };
  assert.equal((await ask(alice, { type: 'mcp_tool', id: 'database__execute', properties: { sql: 'DROP TABLE t' } })).allowed, true);
  const bob = { type: 'user', id: 'bob' };
  assert.equal((await ask(bob, { type: 'document', id: 'q3-report' }, 'read')).allowed, true);
  assert.equal((await ask(bob, { type: 'document', id: 'q3-report' }, 'delete')).allowed, false);
  // unknown principals are denied
  assert.equal((await ask({ type: 'agent', id: 'stranger' }, { type: 'mcp_tool', id: 'search__web' })).allowed, false);
});
