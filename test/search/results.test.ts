// The results list of a search is assembled from slices of one precomputed text (search.ts,
// resultList): whatever subset of candidates is allowed, and however it is paged, the JSON must be
// exactly the allowed candidates in order — checked here against a plain filter, on ids with
// quotes, backslashes and non-ASCII characters.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { makeSearchSource } from '../../src/agent/search.js';
import { compile } from '../../src/rego/index.js';
import type { PlainObject } from '../../src/rego/value.js';
import { AgentMetrics } from '../../src/server/metrics.js';
import { SearchHandler } from '../../src/server/search.js';
import type { AgentState, Decide } from '../../src/server/types.js';

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
    assert.deepEqual(JSON.parse(whole!.body).results, expected, name);

    const paged: unknown[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < N; pages++) {
      const r = await h.handle('resource', request({ limit: 37, ...(token ? { token } : {}) }), 'x', () => false);
      const body = JSON.parse(r!.body) as { results: unknown[]; page: { next_token: string } };
      paged.push(...body.results);
      token = body.page.next_token;
      if (token === '') break;
    }
    assert.deepEqual(paged, expected, `${name}, in pages of 37`);
  }
});
