// `npm run fuzz`: the hostile-request fuzzer at full size against the real agent process.
//
//   FUZZ_RUNS=100000 FUZZ_SEED=<n> FUZZ_OUT=.tmp/reliability/fuzz.json npm run fuzz
//
// 1. FUZZ_RUNS generated requests (default 100,000; test/reliability/lib/fuzz.ts), each judged
//    against the contract and the engine evaluated in this process (lib/oracle.ts);
// 2. 200 pipelines of 25 generated requests each;
// 3. malformed HTTP framing;
// 4. 500 slowloris connections held while the agent serves 2,000 normal requests, then left
//    dripping until the agent's request timeout (30 s, checked every 30 s) closes them with a
//    JSON 408.
// The agent must stay up, memory bounded. Exit code 1 on any wrong answer.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EXAMPLE_REQUEST, ROOT, http, post, startAgent } from '../../test/reliability/lib/agent.js';
import { fuzz } from '../../test/reliability/lib/fuzz.js';
import { malformedHttp, pipelined, rssSampler, slowloris } from '../../test/reliability/lib/hostile.js';
import { Oracle } from '../../test/reliability/lib/oracle.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000_000);
const OUT = process.env.FUZZ_OUT ?? join(ROOT, '.tmp', 'reliability', 'fuzz.json');
const POLICY = join(ROOT, 'test', 'reliability', 'fixtures', 'fuzz');
const log = (s: string) => console.log(`[fuzz ${new Date().toISOString().slice(11, 19)}] ${s}`);

async function main(): Promise<number> {
  const oracle = await Oracle.load(POLICY);
  const agent = await startAgent(['--policy', POLICY]);
  const rss = rssSampler(agent.proc.pid!);
  log(`agent at ${agent.url}, ${RUNS} requests, seed ${SEED}`);
  const problems: string[] = [];
  try {
    const t0 = Date.now();
    const stats = await fuzz(agent.url, oracle, {
      runs: RUNS,
      seed: SEED,
      onProgress: (s) => {
        if (s.sent % 10_000 === 0) log(`${s.sent} sent, ${s.compared} compared with the engine, ${s.allowsSeen} allows, ${s.mismatches} mismatches, ${s.wrongAllows} wrong allows`);
      },
    });
    const fuzzSeconds = (Date.now() - t0) / 1000;
    if (stats.mismatches + stats.wrongAllows + stats.badErrors + stats.transportErrors > 0) problems.push(...stats.failures);

    const pipes = await pipelined(agent.url, oracle, 200, 25, SEED + 1);
    if (pipes.mismatches > 0 || pipes.answered !== pipes.requests) problems.push(...pipes.failures);
    log(`pipelining: ${pipes.requests} requests in ${pipes.pipelines} pipelines, ${pipes.answered} answered, ${pipes.mismatches} wrong`);

    const framing = await malformedHttp(agent.url);
    for (const f of framing) if (!f.ok) problems.push(`malformed HTTP "${f.name}": ${f.statuses.join(',')} ${f.raw}`);
    log(`malformed HTTP: ${framing.filter((f) => f.ok).length}/${framing.length} answered with a JSON 4xx`);

    const slow = slowloris(agent.url, 500, 1000);
    await new Promise((r) => setTimeout(r, 2000));
    const t1 = performance.now();
    let normalOk = 0;
    for (let i = 0; i < 2000; i++) if ((await post(agent.url + '/access/v1/evaluation', EXAMPLE_REQUEST)).status === 200) normalOk++;
    const normalMs = (performance.now() - t1) / 2000;
    log(`slowloris: 500 slow connections open; 2000 normal requests, ${normalOk} answered 200, ${normalMs.toFixed(2)} ms each on average; waiting for the request timeout`);
    await new Promise((r) => setTimeout(r, 65_000));
    const s = slow.stop();
    const timeouts408 = s.answers.filter((a) => a.startsWith('HTTP/1.1 408') && a.includes('"error"')).length;
    log(`slowloris after 67 s: ${s.closedByServer} of 500 closed by the agent, ${timeouts408} with a JSON 408`);
    if (normalOk !== 2000) problems.push(`only ${normalOk} of 2000 normal requests answered during slowloris`);
    if (s.closedByServer !== 500) problems.push(`${500 - s.closedByServer} slowloris connections still open after 67 s`);

    const health = (await http(agent.url + '/healthz')).status;
    const m = rss.stop();
    const alive = agent.proc.exitCode === null && agent.proc.signalCode === null;
    if (!alive || health !== 200) problems.push('the agent is down');
    const summary = {
      date: new Date().toISOString(),
      seed: SEED,
      requests: stats.sent,
      seconds: Math.round(fuzzSeconds),
      kinds: stats.kinds,
      statuses: stats.statuses,
      compared_with_engine: stats.compared,
      allows_seen: stats.allowsSeen,
      mismatches: stats.mismatches,
      wrong_allows: stats.wrongAllows,
      error_bodies_not_json: stats.badErrors,
      transport_errors: stats.transportErrors,
      pipelined: { requests: pipes.requests, answered: pipes.answered, wrong: pipes.mismatches },
      malformed_http: framing.map((f) => ({ name: f.name, statuses: f.statuses, ok: f.ok })),
      slowloris: { connections: 500, normal_requests_ok: normalOk, normal_ms_avg: Math.round(normalMs * 100) / 100, closed_by_agent: s.closedByServer, json_408: timeouts408 },
      crashes: alive ? 0 : 1,
      rss_mb: m,
      problems: problems.slice(0, 20),
    };
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(summary, null, 2) + '\n');
    console.log(JSON.stringify(summary, null, 2));
    log(problems.length === 0 ? 'no problems' : `${problems.length} problems`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await agent.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
