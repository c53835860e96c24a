// Hostile requests against the real agent process (a slice of `npm run fuzz`, which sends 100,000+):
// generated requests of every kind — malformed and truncated JSON, wrong types, huge strings,
// 100,000-deep nesting, bodies over the limit, __proto__/constructor keys, invalid UTF-8, numbers
// beyond 2^53, batches — plus pipelined requests, malformed HTTP framing and slowloris
// connections. Every answer must be what the contract says: a 200 decision equal to the engine's
// own answer evaluated in this process, or a 4xx with a JSON error body. No wrong allows; the
// process stays up with bounded memory.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXAMPLE_REQUEST, http, post, startAgent, type AgentProcess } from './lib/agent.js';
import { fuzz } from './lib/fuzz.js';
import { malformedHttp, pipelined, rssSampler, slowloris } from './lib/hostile.js';
import { Oracle } from './lib/oracle.js';

const POLICY = join(import.meta.dirname, 'fixtures', 'fuzz');
const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 5000);
const SEED = Number(process.env.RELIABILITY_FUZZ_SEED ?? 20_261_126);

let agent: AgentProcess;
let oracle: Oracle;
let rss: ReturnType<typeof rssSampler>;

before(async () => {
  oracle = await Oracle.load(POLICY);
  agent = await startAgent(['--policy', POLICY]);
  rss = rssSampler(agent.proc.pid!);
});

after(async () => {
  await agent?.stop();
});

it(`${RUNS} generated hostile and valid requests: each answered as the contract and the engine say`, { timeout: 120_000 }, async () => {
  const stats = await fuzz(agent.url, oracle, { runs: RUNS, seed: SEED });
  const detail = `seed ${SEED}\n${stats.failures.join('\n\n')}`;
  assert.equal(stats.sent, RUNS);
  assert.equal(stats.transportErrors, 0, detail);
  assert.equal(stats.badErrors, 0, detail);
  assert.equal(stats.wrongAllows, 0, detail);
  assert.equal(stats.mismatches, 0, detail);
  // the generator reaches what it is meant to reach
  assert.ok(stats.compared > RUNS * 0.3, `compared ${stats.compared}`);
  assert.ok(stats.allowsSeen > RUNS * 0.05, `allows ${stats.allowsSeen}`);
  for (const s of ['200', '400', '404', '405', '413']) assert.ok((stats.statuses[s] ?? 0) > 0, `status ${s} seen`);
});

it('pipelined requests: answered in order, each as if sent alone', { timeout: 60_000 }, async () => {
  const r = await pipelined(agent.url, oracle, 20, 25, SEED + 1);
  assert.ok(r.requests >= 400);
  assert.equal(r.answered, r.requests, r.failures.join('\n'));
  assert.equal(r.mismatches, 0, r.failures.join('\n'));
});

it('malformed HTTP framing: a 4xx with a JSON error body, the connection closed', async () => {
  for (const r of await malformedHttp(agent.url)) assert.ok(r.ok, `${r.name}: ${r.statuses.join(',')} ${JSON.stringify(r.raw)}`);
});

it('slowloris connections do not keep other clients from being served', { timeout: 30_000 }, async () => {
  const slow = slowloris(agent.url, 200, 100);
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) {
    const r = await post(agent.url + '/access/v1/evaluation', EXAMPLE_REQUEST);
    assert.equal(r.status, 200);
  }
  const ms = (performance.now() - t0) / 200;
  const s = slow.stop();
  assert.ok(ms < 50, `a request took ${ms.toFixed(1)} ms on average with 200 slow connections open`);
  assert.ok(s.open > 0, 'the slow connections were still open (held, not refused)');
});

it('the agent is still up, answers health checks, and its memory stayed bounded', async () => {
  const m = rss.stop();
  assert.equal(agent.proc.exitCode, null);
  assert.equal((await http(agent.url + '/healthz')).status, 200);
  assert.ok(m.maxMB < 600, `RSS peaked at ${m.maxMB} MB (start ${m.startMB} MB)`);
  assert.equal(
    agent.lines.filter((l) => l.level === 'FATAL' || (l.msg as string | undefined)?.includes('internal error')).length,
    0,
    'no internal errors logged',
  );
});
