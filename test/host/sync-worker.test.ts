// The synchronous bridge itself: ids keep late replies away from later callers, failed jobs
// leave the worker running, and the worker never keeps the process alive.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runJob, sleepSync, stopWorker, WorkerJobError, WorkerTimeoutError } from '../../src/host/sync-worker.js';

const T = { timeout: 20_000 };

test('a job answers synchronously', T, () => {
  assert.deepEqual(runJob({ kind: 'sleep', ms: 5, value: { a: [1, 'x'] } }, 15_000), { a: [1, 'x'] });
});

test('a late reply to a timed-out job does not answer the next job', T, () => {
  const t0 = performance.now();
  assert.throws(() => runJob({ kind: 'sleep', ms: 300, value: 'late' }, 50), WorkerTimeoutError);
  assert.ok(performance.now() - t0 < 250);
  // The late reply arrives while this job is waiting, and is dropped.
  assert.equal(runJob({ kind: 'sleep', ms: 600, value: 'second' }, 5_000), 'second');
  // Several stale replies queued before a job starts are dropped too.
  assert.throws(() => runJob({ kind: 'sleep', ms: 20, value: 'stale1' }, 1), WorkerTimeoutError);
  assert.throws(() => runJob({ kind: 'sleep', ms: 20, value: 'stale2' }, 1), WorkerTimeoutError);
  sleepSync(100);
  assert.equal(runJob({ kind: 'sleep', ms: 1, value: 'third' }, 5_000), 'third');
});

test('the worker survives failing jobs', T, () => {
  assert.throws(
    () => runJob({ kind: 'fail', message: 'boom' }, 5_000),
    (e: unknown) => e instanceof WorkerJobError && e.kind === 'internal' && e.message === 'boom',
  );
  assert.throws(() => runJob({ kind: 'nonsense' } as never, 5_000), /unknown job "nonsense"/);
  assert.equal(runJob({ kind: 'sleep', ms: 1, value: 'alive' }, 5_000), 'alive');
});

test('a stopped worker is started again on the next job', T, async () => {
  await stopWorker();
  assert.equal(runJob({ kind: 'sleep', ms: 1, value: 'again' }, 15_000), 'again');
});

test('the worker does not keep the process alive', T, () => {
  const fixture = fileURLToPath(new URL('./fixtures/uses-worker.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.error, undefined, 'the child exited by itself');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'done');
});
