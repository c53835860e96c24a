// Messages between the synchronous bridge (sync-worker.ts) and the I/O worker (worker.ts).
// Types only: the worker imports nothing from the engine.

/** One HTTP exchange; redirects are never followed by the worker (the caller decides). */
export interface HttpJob {
  kind: 'http';
  method: string;
  url: string;
  headers: [string, string][];
  /** Sent as UTF-8 bytes (so fetch adds no content-type of its own). */
  body?: string;
  /** Abort after this long (headers and body together); 0 = no limit. */
  timeoutMs: number;
  /** Larger bodies fail the request. */
  maxBodyBytes: number;
}

export interface DnsJob {
  kind: 'dns';
  name: string;
}

/** Replies with `value` after `ms`, ignoring cancellation: for testing the bridge. */
export interface SleepJob {
  kind: 'sleep';
  ms: number;
  value: unknown;
}

/** Throws inside the worker: for testing that the worker survives failed jobs. */
export interface FailJob {
  kind: 'fail';
  message: string;
}

export type WorkerJob = HttpJob | DnsJob | SleepJob | FailJob;

export interface HttpResult {
  status: number;
  statusText: string;
  /** Lower-cased names in arrival order (fetch joins repeated headers except set-cookie). */
  headers: [string, string][];
  body: string;
}

/**
 * Why a job failed:
 * - `timeout`: no response headers before the deadline;
 * - `timeout_body`: the deadline passed while reading the body;
 * - `network`: connecting, sending or receiving failed (message is Go-like, e.g.
 *   `dial tcp 127.0.0.1:1: connect: connection refused`);
 * - `internal`: anything else (bad URL, body too large, a job that threw).
 */
export type FailureKind = 'timeout' | 'timeout_body' | 'network' | 'internal';

export interface JobFailure {
  kind: FailureKind;
  message: string;
}

export type WorkerRequest = { type: 'job'; id: number; job: WorkerJob } | { type: 'cancel'; id: number };

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: JobFailure };
