// Soak: `npm run soak`. The real agent (local mode, the starter policy) under 70 % of its measured
// peak throughput for 10 minutes (after a 1-minute warm-up at the same rate), with a policy reload
// every 30 s. Reports RSS at start and end, event-loop lag p99 (from the agent's own
// vengtoo_agent_event_loop_lag_seconds), errors.
// Targets: RSS growth < 10 %, 0 errors, lag p99 < 5 ms; exit code 1 when one is missed.
//
//   SOAK_SECONDS=600 SOAK_WARMUP_SECONDS=60 SOAK_FRACTION=0.7 SOAK_RELOAD_SECONDS=30 SOAK_CONNECTIONS=16 SOAK_OUT=.tmp/reliability/soak.json
//
// Peak: wrk -t1 -c16 for 10 s (installed with apt-get when missing and possible; else the Node
// generator in closed loop). Load: the open-loop Node generator (test/reliability/lib/load.ts).
// Every answer must be the exact expected decision; anything else is an error. The agent is the
// built one (dist/, as shipped): `npm run soak` builds it first.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import {
  EXAMPLE_ANSWER,
  EXAMPLE_REQUEST,
  ROOT,
  copyExamples,
  ensureWrk,
  errorLines,
  mb,
  metricValue,
  rssBytes,
  scrape,
  sleep,
  startAgent,
  wrkPost,
} from '../../test/reliability/lib/agent.js';
import { runLoad } from '../../test/reliability/lib/load.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
/**
 * The soak rate runs this long before the measured SECONDS start (errors still count): the first
 * tens of seconds after the peak measurement show the load generator's and the agent's JIT and
 * heap settling, not the steady state a soak is about.
 */
const WARMUP_S = Number(process.env.SOAK_WARMUP_SECONDS ?? 60);
const FRACTION = Number(process.env.SOAK_FRACTION ?? 0.7);
const RELOAD_S = Number(process.env.SOAK_RELOAD_SECONDS ?? 30);
const SCRAPE_S = 10;
/**
 * Keep-alive connections of the load, as many as the peak measurement uses. More connections make
 * bigger batches per event-loop turn: 64 connections at the same rate show about twice the lag.
 */
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 16);
const OUT = process.env.SOAK_OUT ?? join(ROOT, '.tmp', 'reliability', 'soak.json');
const PATH = '/access/v1/evaluation';

const log = (s: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${s}`);

async function main(): Promise<number> {
  const policy = copyExamples();
  const tmp = mkdtempSync(join(tmpdir(), 'vengtoo-soak-'));
  const agent = await startAgent(['--policy', policy.dir], { built: true });
  const pid = agent.proc.pid!;
  log(`agent pid ${pid} at ${agent.url}; node ${process.version}; ${cpus().length} CPUs; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  try {
    // Warm-up (JIT), then the peak.
    const warm = await runLoad({ url: agent.url, path: PATH, body: EXAMPLE_REQUEST, rate: 0, connections: 16, durationMs: 5000, check: (s, b) => s === 200 && b === EXAMPLE_ANSWER }).done;
    if (warm.mismatches > 0) throw new Error(`warm-up answers wrong: ${warm.samples.join(' | ')}`);
    let peak: number;
    let peakTool: string;
    if (ensureWrk(log)) {
      const w = wrkPost(agent.url + PATH, EXAMPLE_REQUEST, 10, 16, join(tmp, 'post.lua'));
      if (w.errors > 0) throw new Error(`wrk saw ${w.errors} errors during the peak measurement`);
      peak = w.rps;
      peakTool = 'wrk -t1 -c16, 10 s';
    } else {
      const p = await runLoad({ url: agent.url, path: PATH, body: EXAMPLE_REQUEST, rate: 0, connections: 16, durationMs: 10_000 }).done;
      peak = p.rps;
      peakTool = 'Node generator, closed loop, 16 connections, 10 s';
    }
    const rate = Math.round(peak * FRACTION);
    log(`peak ${peak.toFixed(0)} req/s (${peakTool}); soak at ${rate} req/s (${FRACTION * 100} %) for ${SECONDS} s, reload every ${RELOAD_S} s`);

    const samples: { t: number; rssMB: number; lagP99Ms: number; lagMaxMs: number; answered: number; load1: number }[] = [];
    const reloadsBefore = agent.lines.filter((l) => l.msg === 'policy reloaded').length;
    const errorsBefore = errorLines(agent).length;
    let reloadsWritten = 0;
    const original = readFileSync(join(policy.dir, 'policy.rego'), 'utf8');
    const t0 = Date.now();
    const load = runLoad({
      url: agent.url,
      path: PATH,
      body: EXAMPLE_REQUEST,
      rate,
      connections: CONNECTIONS,
      durationMs: (WARMUP_S + SECONDS) * 1000,
      check: (s, b) => s === 200 && b === EXAMPLE_ANSWER,
    });
    const reloader = setInterval(() => {
      reloadsWritten++;
      writeFileSync(join(policy.dir, 'policy.rego'), original + `\n# soak reload ${reloadsWritten}\n`);
    }, RELOAD_S * 1000);
    let rssStart = 0;
    const sampler = (async () => {
      await sleep(t0 + WARMUP_S * 1000 - Date.now());
      await scrape(agent); // resets the lag window
      rssStart = rssBytes(pid);
      const m0 = Date.now();
      log(`warm-up of ${WARMUP_S} s done; measuring for ${SECONDS} s`);
      for (let t = SCRAPE_S; t <= SECONDS; t += SCRAPE_S) {
        await sleep(m0 + t * 1000 - Date.now());
        const text = await scrape(agent);
        const s = {
          t,
          rssMB: mb(rssBytes(pid)),
          lagP99Ms: metricValue(text, 'vengtoo_agent_event_loop_lag_seconds', { quantile: '0.99' }) * 1000,
          lagMaxMs: metricValue(text, 'vengtoo_agent_event_loop_lag_seconds', { quantile: '1' }) * 1000,
          answered: load.progress().answered,
          load1: Math.round(loadavg()[0] * 100) / 100,
        };
        samples.push(s);
        if (t % 60 === 0) log(`t=${t}s rss ${s.rssMB} MB, lag p99 ${s.lagP99Ms.toFixed(2)} ms (max ${s.lagMaxMs.toFixed(1)} ms), answered ${s.answered}, errors ${load.progress().errors}, load ${s.load1}`);
      }
    })();
    const result = await load.done;
    clearInterval(reloader);
    await sampler;
    const rssEnd = rssBytes(pid);
    const reloads = agent.lines.filter((l) => l.msg === 'policy reloaded').length - reloadsBefore;
    const agentErrors = errorLines(agent).slice(errorsBefore);
    const alive = agent.proc.exitCode === null && agent.proc.signalCode === null;
    const lagP99s = samples.map((s) => s.lagP99Ms).sort((a, b) => a - b);
    const errors = result.mismatches + result.lostInFlight + result.timeouts + result.connectErrors + agentErrors.length + (alive ? 0 : 1);
    // RSS follows the heap's sawtooth (±15 % between collections), so single readings at the start
    // and the end compare arbitrary points of it: growth compares the highest reading of the first
    // minute with the highest of the last one (the point values are reported as well).
    const band = (from: number, to: number) => Math.max(...samples.filter((x) => x.t > from && x.t <= to).map((x) => x.rssMB));
    const rssFirstMinute = band(0, 60);
    const rssLastMinute = band(SECONDS - 60, SECONDS);
    const growth = (rssLastMinute - rssFirstMinute) / rssFirstMinute;
    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      seconds: SECONDS,
      peak_rps: Math.round(peak),
      peak_tool: peakTool,
      connections: CONNECTIONS,
      target_rps: rate,
      achieved_rps: Math.round(result.rps),
      requests_sent: result.sent,
      requests_answered: result.answered,
      late_sends: result.late,
      statuses: result.statuses,
      errors,
      error_detail: { mismatches: result.mismatches, lost_in_flight: result.lostInFlight, timeouts: result.timeouts, connect_errors: result.connectErrors, agent_error_logs: agentErrors.length, crashed: !alive },
      samples_of_wrong_answers: result.samples,
      reloads_written: reloadsWritten,
      reloads_applied: reloads,
      warmup_seconds: WARMUP_S,
      rss_start_mb: mb(rssStart),
      rss_end_mb: mb(rssEnd),
      rss_first_minute_max_mb: rssFirstMinute,
      rss_last_minute_max_mb: rssLastMinute,
      rss_min_mb: Math.min(...samples.map((s) => s.rssMB)),
      rss_max_mb: Math.max(...samples.map((s) => s.rssMB)),
      rss_growth_pct: Math.round(growth * 1000) / 10,
      lag_p99_ms_median_window: Math.round(lagP99s[Math.floor(lagP99s.length / 2)] * 100) / 100,
      lag_p99_ms_worst_window: Math.round(lagP99s[lagP99s.length - 1] * 100) / 100,
      lag_max_ms: Math.round(Math.max(...samples.map((s) => s.lagMaxMs)) * 10) / 10,
      client_latency_ms: result.latencyMs,
      load_average_end: loadavg().map((l) => Math.round(l * 100) / 100),
      // Other processes on the machine compete with the agent for the CPUs (1-minute load average).
      load1_median: [...samples.map((s) => s.load1)].sort((a, b) => a - b)[Math.floor(samples.length / 2)],
      load1_max: Math.max(...samples.map((s) => s.load1)),
      samples,
    };
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify(summary, null, 2) + '\n');
    const { samples: _s, ...brief } = summary;
    console.log(JSON.stringify(brief, null, 2));
    log(`written to ${OUT}`);
    const failed: string[] = [];
    if (!(growth < 0.1)) failed.push(`RSS grew ${summary.rss_growth_pct} % (target < 10 %)`);
    if (errors > 0) failed.push(`${errors} errors (target 0)`);
    if (!(summary.lag_p99_ms_worst_window < 5)) failed.push(`event-loop lag p99 ${summary.lag_p99_ms_worst_window} ms in the worst window (target < 5 ms)`);
    if (reloads < reloadsWritten - 1) failed.push(`only ${reloads} of ${reloadsWritten} reloads applied`);
    if (result.rps < rate * 0.95) failed.push(`achieved ${Math.round(result.rps)} req/s of the ${rate} targeted`);
    for (const f of failed) log(`MISSED: ${f}`);
    if (failed.length === 0) log('all targets met');
    return failed.length === 0 ? 0 : 1;
  } finally {
    await agent.stop();
    policy.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
