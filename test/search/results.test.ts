// What a search finds, against plain references: the results list is assembled from byte ranges
// of one precomputed list (search.ts, resultList), so whatever subset of candidates is allowed, and
// however it is paged, the JSON must be exactly the allowed candidates in order (ids with quotes,
// backslashes and non-ASCII characters); and a search shares the rules that do not depend on the
// searched part of the input (Policy.session), so it must find what fresh evaluations find.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { makeDecider } from '../../src/agent/decider.js';
import { makeSearchSource } from '../../src/agent/search.js';
import { compile } from '../../src/rego/index.js';
import type { PlainObject } from '../../src/rego/value.js';
import { AgentMetrics } from '../../src/server/metrics.js';
import { SearchHandler } from '../../src/server/search.js';
import type { AgentState, Decide } from '../../src/server/types.js';
import { ROOT } from '../agent/helpers.js';

const N = 2000;
const ids = Array.from({ length: N }, (_, i) => `r-${String(i).padStart(4, '0')}` + ['', '"q"', '\\b', 'é', '😀', ' '][i % 6]);

function handlerFor(allowed: (id: string) => boolean): SearchHandler {
  const resources: PlainObject = {};
  for (const id of ids) resources[id] = {};
  const policy = compile([{ file: 'e.rego', source: 'package vengtoo.authz\n' }], {
    data: { vengtoo: { entities: { subjects: { user: { u: {} } }, resources: { doc: resources } } } },
  });
  const decide: Decide = (input) => ({ allowed: allowed(input.resource.id), extra: '' });
  const state: AgentState = { mode: 'local', decide, search: makeSearchSource(policy, decide, 'r'), revision: 'r', lastSync: 0, degraded: false, startedAt: 0 };
  return new SearchHandler({ state, logger: pino({ level: 'silent' }), metrics: new AgentMetrics({ defaultMetrics: false }), maxCandidates: 1e6, timeoutMs: 10_000 });
}

const request = (page?: object): Record<string, unknown> => ({ subject: { type: 'user', id: 'u' }, action: { name: 'read' }, resource: { type: 'doc' }, ...(page ? { page } : {}) });

it('the results are exactly the allowed candidates, for runs of every length, in one response and in pages', async () => {
  let seed = 42;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // code-unit order equals code-point order for these ids
  const subsets: [string, (id: string) => boolean][] = [
    ['all', () => true],
    ['none', () => false],
    ['every other', (id) => Number(id.slice(2, 6)) % 2 === 0],
    ['only the last', (id) => id === sorted[N - 1]],
    ['only the first', (id) => id === sorted[0]],
  ];
  // Random runs: long stretches in and out.
  const random = new Set<string>();
  let inside = false;
  for (const id of sorted) {
    if (rand() < 0.1) inside = !inside;
    if (inside) random.add(id);
  }
  subsets.push(['random runs', (id) => random.has(id)]);

  for (const [name, allowed] of subsets) {
    const h = handlerFor(allowed);
    const expected = sorted.filter(allowed).map((id) => ({ type: 'doc', id }));
    const whole = await h.handle('resource', request(), 'x', () => false);
    assert.equal(whole?.status, 200, name);
    assert.deepEqual(JSON.parse(String(whole!.body)).results, expected, name);

    const paged: unknown[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < N; pages++) {
      const r = await h.handle('resource', request({ limit: 37, ...(token ? { token } : {}) }), 'x', () => false);
      const body = JSON.parse(String(r!.body)) as { results: unknown[]; page: { next_token: string } };
      paged.push(...body.results);
      token = body.page.next_token;
      if (token === '') break;
    }
    assert.deepEqual(paged, expected, `${name}, in pages of 37`);
  }
});

it('the starter policy: searches that share subject-side rules find what fresh evaluations find', async () => {
  const data = JSON.parse(readFileSync(join(ROOT, 'examples', 'data.json'), 'utf8')) as PlainObject;
  const principals = data.principals as Record<string, PlainObject>;
  const documents: PlainObject = {};
  const tools: PlainObject = {};
  const families = ['search__web_', 'calendar__read_', 'database__query_', 'email__send_'];
  for (let i = 0; i < 400; i++) {
    documents[`doc-${i}`] = { owner: `user-${i % 7}` };
    // Some tools carry SQL, a few of it a DROP that the guard blocks for agents.
    tools[families[i % 4] + i] = i % 5 === 0 ? { sql: i % 10 === 0 ? 'DROP TABLE t' : 'SELECT 1' } : {};
  }
  data.vengtoo = { entities: { subjects: { agent: principals.agent, user: principals.user }, resources: { document: documents, mcp_tool: tools }, actions: { '*': ['read', 'invoke', 'write'] } } };
  const policy = compile([{ file: 'policy.rego', source: readFileSync(join(ROOT, 'examples', 'policy.rego'), 'utf8') }], { data: data as never });
  const { decide, session } = makeDecider(policy, 'vengtoo/authz/decision');
  const handler = (withSession: boolean): SearchHandler => {
    const search = makeSearchSource(policy, decide, 'r', withSession ? session : undefined);
    const state: AgentState = { mode: 'local', decide, search, revision: 'r', lastSync: 0, degraded: false, startedAt: 0 };
    return new SearchHandler({ state, logger: pino({ level: 'silent' }), metrics: new AgentMetrics({ defaultMetrics: false }), maxCandidates: 1e6, timeoutMs: 10_000 });
  };
  const shared = handler(true);
  const fresh = handler(false);
  let nonEmpty = 0;
  const check = async (kind: 'subject' | 'resource' | 'action', body: Record<string, unknown>): Promise<void> => {
    const a = await shared.handle(kind, structuredClone(body), 'x', () => false);
    const b = await fresh.handle(kind, structuredClone(body), 'x', () => false);
    assert.equal(a?.status, 200);
    assert.equal(String(a?.body), String(b?.body), `${kind} ${JSON.stringify(body)}`);
    if (JSON.parse(String(a!.body)).results.length > 0) nonEmpty++;
  };
  const subjects = [...Object.keys(principals.agent).map((id) => ({ type: 'agent', id })), ...Object.keys(principals.user).map((id) => ({ type: 'user', id }))];
  for (const subject of subjects) {
    for (const action of ['read', 'invoke', 'write']) {
      for (const type of ['document', 'mcp_tool']) await check('resource', { subject, action: { name: action }, resource: { type } });
      await check('action', { subject, resource: { type: 'mcp_tool', id: 'database__query_10' } });
    }
  }
  for (const action of ['read', 'invoke']) {
    for (const resource of [{ type: 'document', id: 'doc-3' }, { type: 'mcp_tool', id: 'database__query_10' }, { type: 'mcp_tool', id: 'search__web_4' }]) {
      for (const type of ['agent', 'user']) await check('subject', { subject: { type }, action: { name: action }, resource });
    }
  }
  assert.ok(nonEmpty >= 10, `${nonEmpty} searches found something`);
});
