// `npm run reliability:audit`: audit forwarding at 1,000 decisions/s with the audit endpoint down
// for 60 s (port refusing connections), default batch settings (100 events, 5 s, 5 retries).
//   - buffer 70,000 (> the 60,000 events of the outage): every decision's event arrives exactly
//     once after recovery (the endpoint dedupes by decision id; duplicates are reported);
//   - buffer 10,000: the dropped count in vengtoo_agent_audit_events_dropped_total equals the
//     events that never arrived.
// Both runs go side by side (two agents, two endpoints). Exit code 1 when an assertion fails.
//
//   AUDIT_RATE=1000 AUDIT_OUTAGE_SECONDS=60 AUDIT_OUT=.tmp/reliability/audit.json

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../../test/reliability/lib/agent.js';
import { auditOutage } from '../../test/reliability/lib/audit.js';

const RATE = Number(process.env.AUDIT_RATE ?? 1000);
const OUTAGE = Number(process.env.AUDIT_OUTAGE_SECONDS ?? 60);
const OUT = process.env.AUDIT_OUT ?? join(ROOT, '.tmp', 'reliability', 'audit.json');

async function main(): Promise<number> {
  const base = { rate: RATE, beforeS: 10, outageS: OUTAGE, afterS: 10, drainTimeoutMs: 120_000 };
  const largeSize = Math.ceil(RATE * OUTAGE * 1.15);
  const smallSize = Math.max(1000, Math.floor((RATE * OUTAGE) / 6));
  console.log(`${RATE} decisions/s, audit endpoint down ${OUTAGE} s; buffers ${largeSize} and ${smallSize}`);
  const [large, small] = await Promise.all([auditOutage({ ...base, bufferSize: largeSize }), auditOutage({ ...base, bufferSize: smallSize })]);
  const problems: string[] = [];
  if (large.loadErrors || small.loadErrors) problems.push('load errors');
  if (large.lost !== 0) problems.push(`large buffer: ${large.lost} events lost`);
  if (large.droppedMetric !== 0) problems.push(`large buffer: ${large.droppedMetric} dropped`);
  if (large.doubleReported || small.doubleReported) problems.push('a decision reported under two ids');
  if (small.droppedMetric !== small.lost) problems.push(`small buffer: dropped metric ${small.droppedMetric} ≠ ${small.lost} never arrived`);
  if (large.achievedRps < RATE * 0.95) problems.push(`load reached only ${large.achievedRps}/s`);
  const summary = { date: new Date().toISOString(), rate: RATE, outage_seconds: OUTAGE, large: { buffer: largeSize, ...large }, small: { buffer: smallSize, ...small }, problems };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(summary, null, 2) + '\n');
  console.log(JSON.stringify(summary, null, 2));
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
