// A synchronous bridge to asynchronous I/O, for the engine's synchronous host hooks.
//
// One worker thread (started on first use, unref'd so it never keeps the process alive) runs
// the jobs. A caller posts a job with a fresh id on a MessagePort, then blocks in Atomics.wait
// on a shared counter that the worker bumps after each reply, and takes replies off the port
// with receiveMessageOnPort. Replies carrying another id belong to callers that gave up
// (timed out) and are dropped, so a late reply never answers the next caller.
//
// The worker script is the sibling `worker.ts` under tsx (tests) or `worker.js` in dist/. Under
// tsx the worker registers tsx's loader itself: Node 20 workers do not inherit `--import tsx`.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { FailureKind, WorkerJob, WorkerReply, WorkerRequest } from './protocol.js';

export type { WorkerJob } from './protocol.js';

/** The caller stopped waiting: the job took longer than its timeout (or the worker is gone). */
export class WorkerTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`host I/O job timed out after ${timeoutMs}ms`);
    this.name = 'WorkerTimeoutError';
  }
}

/** The job itself failed; `kind` tells how (see protocol.ts). */
export class WorkerJobError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerJobError';
  }
}

interface Bridge {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

/** How long the first job waits for the worker to load (tsx compiles it on the fly). */
export const STARTUP_TIMEOUT_MS = 15_000;

let bridge: Bridge | null = null;
let nextId = 1;

/**
 * Runs a job on the I/O worker and blocks until its reply, at most `timeoutMs` (Infinity = no
 * limit). Returns the job's value; throws WorkerJobError when the job failed and
 * WorkerTimeoutError when no reply came in time (the job is then cancelled where possible).
 */
export function runJob<T = unknown>(job: WorkerJob, timeoutMs: number): T {
  const b = bridge ?? (bridge = start());
  const id = nextId++;
  b.port.postMessage({ type: 'job', id, job } satisfies WorkerRequest);
  const r = waitFor(b, id, timeoutMs);
  if (r === undefined) {
    b.port.postMessage({ type: 'cancel', id } satisfies WorkerRequest);
    throw new WorkerTimeoutError(timeoutMs);
  }
  if (!r.ok) throw new WorkerJobError(r.error.kind, r.error.message);
  return r.value as T;
}

/** Blocks the calling thread for `ms` milliseconds (for retry back-off). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Stops the worker (a later job starts a new one). For orderly shutdown and tests. */
export async function stopWorker(): Promise<void> {
  const b = bridge;
  bridge = null;
  if (b) {
    b.port.close();
    await b.worker.terminate();
  }
}

function waitFor(b: Bridge, id: number, timeoutMs: number): WorkerReply | undefined {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    // Read the counter before draining: a reply posted after the drain changes it, and the
    // wait below then returns at once.
    const seen = Atomics.load(b.signal, 0);
    for (let m = receiveMessageOnPort(b.port); m !== undefined; m = receiveMessageOnPort(b.port)) {
      const r = m.message as WorkerReply;
      if (r.id === id) return r;
      // Otherwise a late reply to a caller that timed out: dropped.
    }
    const left = deadline - performance.now();
    if (left <= 0) return undefined;
    Atomics.wait(b.signal, 0, seen, left);
  }
}

function start(): Bridge {
  const here = new URL(import.meta.url);
  const ts = here.pathname.endsWith('.ts');
  const entry = new URL(ts ? './worker.ts' : './worker.js', here).href;
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();

  // A small CommonJS boot script: registers tsx when running from sources, imports the worker,
  // and reports a failure to load as the reply to the startup handshake (id 0).
  const register = ts ? `import(${JSON.stringify(tsxApi(here))}).then((m) => m.register()).then(() => ` : '(';
  const boot =
    `${register}import(${JSON.stringify(entry)})).catch((e) => {\n` +
    `  const { workerData } = require('node:worker_threads');\n` +
    `  workerData.port.postMessage({ id: 0, ok: false, error: { kind: 'internal', message: String((e && e.stack) || e) } });\n` +
    `  Atomics.add(workerData.signal, 0, 1);\n` +
    `  Atomics.notify(workerData.signal, 0);\n` +
    `});\n`;
  const worker = new Worker(boot, {
    eval: true,
    workerData: { port: port2, signal },
    transferList: [port2],
    // Flags such as --test or --inspect are for the main thread only.
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  worker.unref();
  port1.unref();
  const b: Bridge = { worker, port: port1, signal };
  const forget = () => {
    if (bridge === b) bridge = null;
  };
  worker.on('error', forget);
  worker.on('exit', forget);

  const ready = waitFor(b, 0, STARTUP_TIMEOUT_MS);
  if (ready === undefined || !ready.ok) {
    port1.close();
    void worker.terminate();
    const why = ready === undefined ? `no answer within ${STARTUP_TIMEOUT_MS}ms` : ready.error.message;
    throw new Error(`the host I/O worker did not start: ${why}`);
  }
  return b;
}

function tsxApi(here: URL): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href;
  }
}
