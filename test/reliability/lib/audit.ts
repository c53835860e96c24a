// Audit forwarding under an outage, shared by test/reliability/audit.test.ts (scaled down) and
// scripts/reliability/audit-outage.ts (1,000 decisions/s, 60 s outage). The real agent in cloud
// mode; its audit endpoint is a separate control plane on 127.0.0.1 that is taken down (the port
// refuses connections) and brought back. Every request carries its own resource id, so each
// decision can be traced to the event that reports it; the endpoint dedupes by decision_id.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle } from '../../../src/bundle/index.js';
import { metricSum, scrape, startAgent } from './agent.js';
import { FaultCloud } from './cloud.js';
import { runLoad } from './load.js';

export interface OutageOptions {
  rate: number;
  /** Seconds of load before the outage, during it, and after it. */
  beforeS: number;
  outageS: number;
  afterS: number;
  bufferSize: number;
  batchSize?: number;
  batchInterval?: string;
  retryAttempts?: number;
  /** How long to wait for the backlog to arrive after the load ends. */
  drainTimeoutMs?: number;
}

export interface OutageResult {
  decisions: number;
  /** Requests whose decision reached the endpoint (at least once). */
  arrived: number;
  /** Decisions whose event never arrived. */
  lost: number;
  /** Events received more than once (same decision_id), removed by the endpoint's dedupe. */
  duplicates: number;
  /** Requests reported under more than one decision_id (must be 0). */
  doubleReported: number;
  /** vengtoo_agent_audit_events_dropped_total (all reasons) at the end. */
  droppedMetric: number;
  sentMetric: number;
  /** Peak of vengtoo_agent_audit_buffer_events seen during the outage. */
  bufferPeak: number;
  /** ms from the endpoint's return until every surviving event had arrived. */
  recoveryMs: number;
  achievedRps: number;
  loadErrors: number;
}

export async function auditOutage(o: OutageOptions): Promise<OutageResult> {
  const home = mkdtempSync(join(tmpdir(), 'vengtoo-audit-'));
  const control = await new FaultCloud().start();
  const sink = await new FaultCloud().start();
  control.setBundle(
    await writeBundle({
      modules: [{ file: 'vengtoo/authz.rego', source: 'package vengtoo.authz\n\ndecision := {"allowed": input.subject.id == "alice", "reason": "audit run"}\n' }],
      manifest: { revision: 'audit-1', roots: ['vengtoo'] },
    }),
  );
  const agent = await startAgent([], {
    env: {
      HOME: home,
      VENGTOO_API_KEY: 'audit-key',
      VENGTOO_CLOUD_URL: control.url,
      VENGTOO_CACHE_DIR: join(home, 'cache'),
      VENGTOO_POLL_INTERVAL: '5s',
      VENGTOO_HEARTBEAT_INTERVAL: '5s',
      VENGTOO_AUDIT_ENDPOINT: sink.url + '/v1/agent/decisions',
      VENGTOO_AUDIT_BUFFER_SIZE: String(o.bufferSize),
      VENGTOO_AUDIT_BATCH_SIZE: String(o.batchSize ?? 100),
      VENGTOO_AUDIT_BATCH_INTERVAL: o.batchInterval ?? '1s',
      VENGTOO_AUDIT_RETRY_ATTEMPTS: String(o.retryAttempts ?? 5),
    },
  });
  try {
    for (let i = 0; i < 200 && (await fetch(agent.url + '/readyz')).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
    const answered = new Set<number>();
    const load = runLoad({
      url: agent.url,
      path: '/access/v1/evaluation',
      body: (seq) => `{"subject":{"type":"user","id":"alice"},"resource":{"type":"doc","id":"req-${seq}"},"action":{"name":"read"}}`,
      rate: o.rate,
      connections: 16,
      durationMs: (o.beforeS + o.outageS + o.afterS) * 1000,
      onAnswer: (status, _b, seq) => {
        if (status === 200) answered.add(seq);
      },
    });
    await new Promise((r) => setTimeout(r, o.beforeS * 1000));
    await sink.stop();
    let bufferPeak = 0;
    const end = Date.now() + o.outageS * 1000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, Math.min(1000, end - Date.now())));
      bufferPeak = Math.max(bufferPeak, metricSum(await scrape(agent), 'vengtoo_agent_audit_buffer_events'));
    }
    await sink.start();
    const back = Date.now();
    const lr = await load.done;
    // Wait until everything that was not dropped has arrived (or the timeout).
    const arrivedIds = () => {
      const ids = new Set<number>();
      for (const ev of sink.events.values()) ids.add(Number(String((ev.resource as { id: string }).id).slice(4)));
      return ids;
    };
    const deadline = Date.now() + (o.drainTimeoutMs ?? 60_000);
    let recoveryMs = -1;
    for (;;) {
      const text = await scrape(agent);
      const dropped = metricSum(text, 'vengtoo_agent_audit_events_dropped_total');
      const buffered = metricSum(text, 'vengtoo_agent_audit_buffer_events');
      if (buffered === 0 && arrivedIds().size + dropped >= answered.size) {
        recoveryMs = Date.now() - back;
        break;
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const text = await scrape(agent);
    const ids = arrivedIds();
    let lost = 0;
    for (const seq of answered) if (!ids.has(seq)) lost++;
    return {
      decisions: answered.size,
      arrived: [...answered].filter((s) => ids.has(s)).length,
      lost,
      duplicates: sink.duplicates,
      doubleReported: sink.events.size - ids.size,
      droppedMetric: metricSum(text, 'vengtoo_agent_audit_events_dropped_total'),
      sentMetric: metricSum(text, 'vengtoo_agent_audit_events_sent_total'),
      bufferPeak,
      recoveryMs,
      achievedRps: Math.round(lr.rps),
      loadErrors: lr.mismatches + lr.lostInFlight + lr.timeouts + lr.connectErrors,
    };
  } finally {
    await agent.stop();
    await control.stop();
    await sink.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
