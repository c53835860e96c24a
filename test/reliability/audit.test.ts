// Audit forwarding under an outage, scaled down from `npm run reliability:audit` (1,000 decisions/s,
// endpoint down 60 s): 400 decisions/s, endpoint down 3 s. With a buffer larger than the outage's
// events, every decision's event arrives exactly once after recovery (the endpoint dedupes by
// decision id); with a smaller one, the dropped count in the metric equals the events that never
// arrived. The two runs go side by side.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { auditOutage, type OutageResult } from './lib/audit.js';

const base = { rate: 400, beforeS: 1, outageS: 3, afterS: 1, batchInterval: '200ms', retryAttempts: 2, drainTimeoutMs: 30_000 };

it('audit endpoint down: nothing lost with a large buffer; with a small one, dropped = never arrived', { timeout: 90_000 }, async (t) => {
  const [large, small] = await Promise.all([auditOutage({ ...base, bufferSize: 5000 }), auditOutage({ ...base, bufferSize: 500 })]);
  const show = (r: OutageResult) => JSON.stringify(r);
  t.diagnostic(`buffer 5000: ${show(large)}`);
  t.diagnostic(`buffer 500: ${show(small)}`);

  assert.equal(large.loadErrors, 0);
  assert.ok(large.decisions > 1200, show(large));
  assert.ok(large.bufferPeak > 800, 'the outage really buffered events');
  assert.equal(large.lost, 0, show(large));
  assert.equal(large.arrived, large.decisions);
  assert.equal(large.droppedMetric, 0);
  assert.equal(large.doubleReported, 0);
  assert.ok(large.recoveryMs >= 0, 'the backlog drained');

  assert.equal(small.loadErrors, 0);
  assert.ok(small.lost > 0, 'the small buffer overflowed');
  assert.equal(small.droppedMetric, small.lost, show(small));
  assert.equal(small.doubleReported, 0);
});
