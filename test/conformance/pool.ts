// Runs cases in worker threads so that a case that never finishes (the engine is synchronous)
// can be stopped: a worker that exceeds the per-case timeout is terminated and replaced.

import { Worker } from 'node:worker_threads';
import type { Case } from './cases.js';
import type { Outcome } from './execute.js';
import type { FromWorker, ToWorker } from './worker.js';

const bootURL = new URL('./worker-boot.mjs', import.meta.url);
const entryURL = new URL('./worker.ts', import.meta.url).href;

export interface PoolOptions {
  jobs: number;
  timeoutMs: number;
  skipReason: (c: Case) => string | undefined;
  onOutcome?: (o: Outcome) => void;
}

export class EngineUnavailable extends Error {}

export async function runInPool(cases: Case[], opts: PoolOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(cases.length);
  let next = 0;
  let unavailable: string | undefined;

  const record = (i: number, o: Outcome) => {
    outcomes[i] = o;
    opts.onOutcome?.(o);
  };

  // Skipped cases never reach a worker.
  const pending: number[] = [];
  for (let i = 0; i < cases.length; i++) {
    const reason = opts.skipReason(cases[i]);
    if (reason !== undefined) {
      const c = cases[i];
      record(i, { id: c.id, folder: c.folder, note: c.note, status: 'skip', reason });
    } else pending.push(i);
  }

  const lane = () =>
    new Promise<void>((resolveLane) => {
      let worker: Worker;
      let current = -1;
      let timer: NodeJS.Timeout | undefined;
      let finished = false;

      const finish = () => {
        if (finished) return;
        finished = true;
        if (timer) clearTimeout(timer);
        void worker.terminate();
        resolveLane();
      };

      const failCurrent = (reason: string) => {
        if (current < 0) return;
        const c = cases[current];
        record(current, { id: c.id, folder: c.folder, note: c.note, status: 'fail', reason });
        current = -1;
      };

      const dispatch = () => {
        if (unavailable !== undefined || next >= pending.length) return finish();
        current = pending[next++];
        const c = cases[current];
        timer = setTimeout(() => {
          failCurrent(`timeout after ${opts.timeoutMs} ms`);
          replace();
        }, opts.timeoutMs);
        worker.postMessage({ type: 'run', case: c } satisfies ToWorker);
      };

      const start = () => {
        let ready = false;
        worker = new Worker(bootURL, { workerData: { entry: entryURL } });
        worker.on('message', (m: FromWorker) => {
          if (m.type === 'ready') {
            ready = true;
            dispatch();
          }
          else if (m.type === 'unavailable') {
            unavailable = m.reason;
            finish();
          } else if (m.type === 'done') {
            if (timer) clearTimeout(timer);
            if (current >= 0) record(current, m.outcome);
            current = -1;
            dispatch();
          }
        });
        worker.on('error', (e) => {
          if (timer) clearTimeout(timer);
          // A worker that cannot even start would be replaced forever: give up instead.
          if (!ready) unavailable = `worker failed to start: ${e instanceof Error ? e.message : String(e)}`;
          failCurrent(`worker crashed: ${e instanceof Error ? e.message : String(e)}`);
          replace();
        });
      };

      const replace = () => {
        if (timer) clearTimeout(timer);
        const old = worker;
        old.removeAllListeners();
        void old.terminate();
        if (unavailable !== undefined || next >= pending.length) return finish();
        start();
      };

      start();
    });

  const lanes = Math.max(1, Math.min(opts.jobs, pending.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (unavailable !== undefined) throw new EngineUnavailable(unavailable);
  return outcomes;
}
