// A conformance worker: loads the engine once, then runs the cases it is sent, one at a time.
// The parent enforces the per-case timeout by terminating a worker that takes too long.

import { parentPort } from 'node:worker_threads';
import type { Case } from './cases.js';
import { loadEngine, runCase, type Outcome } from './execute.js';

export type ToWorker = { type: 'run'; case: Case; skip?: string };
export type FromWorker = { type: 'ready' } | { type: 'unavailable'; reason: string } | { type: 'done'; outcome: Outcome };

const port = parentPort;
if (port) {
  const engine = await loadEngine();
  if (typeof engine === 'string') {
    port.postMessage({ type: 'unavailable', reason: engine } satisfies FromWorker);
  } else {
    port.on('message', (m: ToWorker) => {
      if (m.type === 'run') port.postMessage({ type: 'done', outcome: runCase(engine, m.case, m.skip) } satisfies FromWorker);
    });
    port.postMessage({ type: 'ready' } satisfies FromWorker);
  }
}
