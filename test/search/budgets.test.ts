// Search budgets on the real agent: search_max_candidates and search_timeout answer a clear error
// (400 / 503) instead of a long request, or a shorter page when the client pages; decisions keep
// being served while a search runs; a candidate whose evaluation fails is left out (fail closed).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, metricValue, post, startAgent, type AgentProcess, type RawResponse } from '../agent/helpers.js';

const dirs: string[] = [];

/** A policy folder: policy.rego and `docs` documents doc-0000... with properties {n: i}. */
function policyDir(policy: string, docs: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'vengtoo-search-budget-'));
  dirs.push(dir);
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < docs; i++) resources[name(i)] = { n: i };
  writeFileSync(join(dir, 'policy.rego'), policy);
  writeFileSync(
    join(dir, 'data.json'),
    JSON.stringify({ vengtoo: { entities: { subjects: { user: { alice: {} } }, resources: { document: resources } } } }),
  );
  return dir;
}

const name = (i: number) => 'doc-' + String(i).padStart(4, '0');
const search = (agent: AgentProcess, body: unknown): Promise<RawResponse> => post(`${agent.url}/access/v1/search/resource`, body);
const body = { subject: { type: 'user', id: 'alice' }, action: { name: 'view' }, resource: { type: 'document' } };

interface Page {
  page: { next_token: string; count: number };
  results: { id: string }[];
}

/** Follows next_token to the end. */
async function allPages(agent: AgentProcess, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const r = await search(agent, { ...body, page: token === undefined ? { limit } : { limit, token } });
    assert.equal(r.status, 200, r.body);
    const p = r.json() as Page;
    pages.push(p);
    assert.ok(pages.length < 100, 'pagination ends');
    token = p.page.next_token;
  } while (token !== '');
  return pages;
}

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('search_max_candidates', () => {
  const DOCS = 3000;
  // Every third document; n = 300 makes the policy fail (conflicting values) and is left out.
  const POLICY = `package vengtoo.authz

default allow := false

allow if {
	input.resource.properties.n % 3 == 0
	not broken
}

broken if clash == "x"

clash := "a" if input.resource.properties.n == 300

clash := "b" if input.resource.properties.n == 300
`;
  const expected = Array.from({ length: DOCS }, (_, i) => i).filter((i) => i % 3 === 0 && i !== 300).map(name);
  let agent: AgentProcess;

  before(async () => {
    agent = await startAgent(['--policy', policyDir(POLICY, DOCS), '--search-max-candidates', '1000']);
  });
  after(async () => {
    assert.equal(await agent.stop(), 0);
  });

  it('without page.limit, a search over more candidates answers 400 at once', async () => {
    const t0 = performance.now();
    const r = await search(agent, body);
    assert.equal(r.status, 400);
    assert.equal(
      r.json().error,
      'search would examine 3000 candidates, more than search_max_candidates (1000); page through the results with page.limit',
    );
    assert.ok(performance.now() - t0 < 1000);
  });

  it('a search over fewer candidates is answered', async () => {
    const r = await post(`${agent.url}/access/v1/search/subject`, { subject: { type: 'user' }, action: { name: 'view' }, resource: { type: 'document', id: 'doc-0003' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json().results, [{ type: 'user', id: 'alice' }]);
  });

  it('with page.limit, each page examines at most the budget and says where to go on', async () => {
    const pages = await allPages(agent, 5000);
    // 1000 candidates per page: doc-0000..0999 (without doc-0300), 1000..1999, 2000..2999.
    assert.deepEqual(pages.map((p) => p.page.count), [333, 333, 333]);
    assert.deepEqual(pages.map((p) => p.results.at(-1)?.id), ['doc-0999', 'doc-1998', 'doc-2997']);
    assert.deepEqual(pages.flatMap((p) => p.results.map((r) => r.id)), expected);
  });

  it('a candidate whose evaluation fails is left out, logged and counted', async () => {
    const r = await search(agent, { ...body, page: { limit: 200 } });
    const ids = (r.json() as Page).results.map((x) => x.id);
    assert.ok(ids.includes('doc-0297') && ids.includes('doc-0303') && !ids.includes('doc-0300'));
    const line = await agent.waitForLine((l) => l.msg === 'policy evaluation error during search (those candidates are left out)');
    assert.equal(line.candidates_failed, 1);
    assert.match(String(line.error), /conflict|multiple|outputs/i);
    const metrics = (await http(agent.url + '/metrics')).body;
    assert.ok(metricValue(metrics, 'vengtoo_agent_evaluation_errors_total', { code: 'eval_conflict_error' }) >= 1, metrics.split('\n').filter((l) => l.includes('evaluation_errors')).join('\n'));
  });
});

describe('search_timeout', () => {
  const DOCS = 2000; // several seconds in all, far over the 1 s timeout even on a fast machine
  // About 3 ms per candidate on the development VM: even documents are allowed.
  const POLICY = `package vengtoo.authz

default allow := false

allow if {
	count([x | some x in numbers.range(1, 30000); x % 7 == 0]) > 0
	input.resource.properties.n % 2 == 0
}
`;
  const expected = Array.from({ length: DOCS }, (_, i) => i).filter((i) => i % 2 === 0).map(name);
  let agent: AgentProcess;

  before(async () => {
    agent = await startAgent(['--policy', policyDir(POLICY, DOCS), '--search-timeout', '1s']);
  });
  after(async () => {
    assert.equal(await agent.stop(), 0);
  });

  it('without page.limit, a search that runs out of time answers 503 soon after the timeout', async () => {
    const t0 = performance.now();
    const r = await search(agent, body);
    const ms = performance.now() - t0;
    assert.equal(r.status, 503, r.body);
    assert.match(r.json().error, /^search did not finish within search_timeout \(1000 ms\): \d+ of 2000 candidates examined; page through the results with page\.limit$/);
    assert.ok(ms >= 1000 && ms < 3000, `${ms} ms`);
  });

  it('with page.limit, pages end at the timeout and together give every result once', async () => {
    const pages = await allPages(agent, 100_000);
    assert.ok(pages.length > 1, `${pages.length} pages`);
    assert.ok(pages.every((p) => p.page.count === p.results.length));
    assert.deepEqual(pages.flatMap((p) => p.results.map((r) => r.id)), expected);
  });

  it('a search stops when its client goes away', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
    const pid = agent.proc.pid!;
    const cpuMs = () => {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 1/100 s
    };
    const busy = async (abortAfter: number | undefined): Promise<number> => {
      const ac = new AbortController();
      const done = fetch(`${agent.url}/access/v1/search/resource`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: ac.signal,
      }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 150));
      if (abortAfter !== undefined) ac.abort();
      await new Promise((r) => setTimeout(r, 50));
      const c0 = cpuMs();
      await new Promise((r) => setTimeout(r, 600));
      const used = cpuMs() - c0;
      await done;
      return used;
    };
    const running = await busy(undefined); // the search goes on for the whole window
    const stopped = await busy(150);
    assert.ok(running >= 100, `a running search uses the CPU (${running} ms in 600 ms)`);
    assert.ok(stopped < running / 3, `an abandoned search stops (${stopped} ms vs ${running} ms)`);
  });

  it('decisions are served while a search runs', async () => {
    let searchDone = 0;
    const running = search(agent, body).then((r) => {
      searchDone = performance.now();
      return r;
    });
    await new Promise((r) => setTimeout(r, 30));
    const decided = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const t0 = performance.now();
        const r = await post(agent.url + '/access/v1/evaluation', { ...body, resource: { type: 'document', id: 'doc-0002', properties: { n: 2 } } });
        assert.equal(r.json().decision, true);
        return performance.now() - t0;
      }),
    );
    const finished = performance.now();
    assert.equal((await running).status, 503);
    assert.ok(searchDone > finished, 'the decisions were answered before the search ended');
    // Without yielding they would all wait for the whole second of the search.
    assert.ok(Math.max(...decided) < 500, `decision latencies during the search: ${decided.map((d) => d.toFixed(1)).join(', ')} ms`);
  });
});
