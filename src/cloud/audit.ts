// Audit forwarding: decision events go to `POST {audit_endpoint}` as a gzip JSON array.
//
// enqueue() is O(1) and never blocks a decision: the event lands in a ring buffer of
// audit_buffer_size; when it is full the oldest event is dropped and counted. A single sender
// takes batches of audit_batch_size from the front, when a full batch is waiting or every
// audit_batch_interval, and retries a failed POST audit_retry_attempts times with exponential
// backoff and jitter. A batch that still fails goes back to the front of the buffer (it is the
// oldest data; if the buffer filled up meanwhile, its oldest events are dropped and counted) and
// the sender pauses for one interval. So every event is either delivered or counted in
// vengtoo_agent_audit_events_dropped_total — none is lost silently. Delivery is at least once:
// a batch whose response was lost is sent again, and the control plane dedupes by decision_id.

import { randomUUID } from 'node:crypto';
import { gzip as gzipCb } from 'node:zlib';
import { promisify } from 'node:util';
import type { Registry } from 'prom-client';
import { backoffDelay, baseHeaders, counter, errorMessage, gauge, isTimeout, retryAfterMs, silentLogger, sleep, systemClock, type Clock, type FetchFn, type Logger, type TimerHandle } from './deps.js';

const gzip = promisify(gzipCb);

/** A decision event (fields in docs/cloud-protocol.md). decision_id and time are filled if absent. */
export interface AuditEvent {
  decision_id?: string;
  /** RFC 3339 time; a number (ms since epoch) is accepted and converted when sent. */
  time?: string | number;
  [key: string]: unknown;
}

export interface AuditForwarderOptions {
  /** audit_endpoint, default `{cloud_url}/v1/agent/decisions`. */
  endpoint: string;
  apiKey?: string;
  version: string;
  /** audit_batch_size. Default 100. */
  batchSize?: number;
  /** audit_batch_interval (ms). Default 5 s. */
  batchIntervalMs?: number;
  /** audit_buffer_size. Default 10,000. */
  bufferSize?: number;
  /** audit_retry_attempts (retries after the first try). Default 5. */
  retryAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Per-POST timeout (ms). Default 10 s. */
  timeoutMs?: number;
  logger?: Logger;
  registry?: Registry;
  fetch?: FetchFn;
  clock?: Clock;
  random?: () => number;
}

export type DropReason = 'buffer_full' | 'rejected' | 'invalid' | 'shutdown';

export interface AuditStats {
  buffered: number;
  inFlight: number;
  sent: number;
  dropped: number;
  retried: number;
}

type SendResult = { result: 'ok' | 'failed' | 'dropped'; unsent: AuditEvent[] };
const OK: SendResult = { result: 'ok', unsent: [] };

export class AuditForwarder {
  private readonly o: Required<Pick<AuditForwarderOptions, 'batchSize' | 'batchIntervalMs' | 'bufferSize' | 'retryAttempts' | 'backoffBaseMs' | 'backoffMaxMs' | 'timeoutMs'>> & AuditForwarderOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly fetchFn: FetchFn;
  private readonly random: () => number;

  // ring buffer
  private readonly ring: (AuditEvent | undefined)[];
  private head = 0;
  private len = 0;

  private inFlight = 0;
  private pumping: Promise<void> | undefined;
  private drainAll = false;
  private kickScheduled = false;
  private pausedUntil = 0;
  private running = false;
  private stopping = false;
  private timer: TimerHandle | undefined;
  private readonly stopController = new AbortController();
  private readonly totals = { sent: 0, dropped: 0, retried: 0 };
  private overflowUncounted = 0;

  private readonly m;

  constructor(opts: AuditForwarderOptions) {
    this.o = {
      batchSize: 100,
      batchIntervalMs: 5_000,
      bufferSize: 10_000,
      retryAttempts: 5,
      backoffBaseMs: 500,
      backoffMaxMs: 30_000,
      timeoutMs: 10_000,
      ...(stripUndefined(opts) as AuditForwarderOptions),
    };
    if (!(this.o.batchSize >= 1) || !(this.o.bufferSize >= 1)) throw new Error('audit batch and buffer sizes must be at least 1');
    this.log = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.random = opts.random ?? Math.random;
    this.ring = new Array(this.o.bufferSize);
    const r = opts.registry;
    this.m = {
      sent: counter(r, 'vengtoo_agent_audit_events_sent_total', 'Decision events delivered to the audit endpoint.'),
      // Overflow drops are counted in enqueue as a plain integer and moved into the counter at
      // scrape time and whenever the sender runs, so a full buffer costs enqueue nothing extra.
      dropped: counter(r, 'vengtoo_agent_audit_events_dropped_total', 'Decision events dropped, by reason (buffer_full, rejected, invalid, shutdown).', ['reason'], () =>
        this.syncDropMetric(),
      ),
      retried: counter(r, 'vengtoo_agent_audit_events_retried_total', 'Decision events sent again after a failed POST.'),
      batches: counter(r, 'vengtoo_agent_audit_batches_total', 'Audit POSTs by result (ok, failed, rejected).', ['result']),
      buffer: gauge(r, 'vengtoo_agent_audit_buffer_events', 'Decision events waiting to be sent (buffered and in flight).', [], (g) => g.set(this.len + this.inFlight)),
      capacity: gauge(r, 'vengtoo_agent_audit_buffer_capacity', 'audit_buffer_size.'),
    };
    this.m.capacity.set(this.o.bufferSize);
  }

  /** Queues an event. O(1), never blocks, never throws. Returns its decision_id. */
  enqueue(event: AuditEvent): string {
    if (typeof event.decision_id !== 'string' || event.decision_id === '') event.decision_id = randomUUID();
    if (event.time === undefined) event.time = this.clock.now(); // formatted when sent
    if (this.len === this.o.bufferSize) {
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.o.bufferSize;
      this.len--;
      this.totals.dropped++;
      this.overflowUncounted++; // added to the metric in bulk (see syncDropMetric)
    }
    this.ring[(this.head + this.len) % this.o.bufferSize] = event;
    this.len++;
    if (this.len >= this.o.batchSize && this.running) this.kickSoon();
    return event.decision_id;
  }

  private syncDropMetric(): void {
    if (this.overflowUncounted > 0) {
      this.m.dropped.inc({ reason: 'buffer_full' }, this.overflowUncounted);
      this.overflowUncounted = 0;
    }
  }

  stats(): AuditStats {
    this.syncDropMetric();
    return { buffered: this.len, inFlight: this.inFlight, ...this.totals };
  }

  /** Starts the interval flush. */
  start(): void {
    if (this.running || this.stopping) return;
    this.running = true;
    const tick = (): void => {
      if (!this.running) return;
      this.timer = this.clock.setTimeout(tick, this.o.batchIntervalMs);
      this.drainAll = true;
      this.kick();
    };
    this.timer = this.clock.setTimeout(tick, this.o.batchIntervalMs);
    if (this.len >= this.o.batchSize) this.kickSoon();
  }

  /** Sends everything buffered now; resolves when the buffer is empty or a batch failed for good. */
  async flush(): Promise<void> {
    this.pausedUntil = 0;
    this.drainAll = true;
    this.kick(true);
    while (this.pumping) await this.pumping;
  }

  /**
   * Stops and flushes for shutdown, within `timeoutMs`. Whatever cannot be delivered in time is
   * counted as dropped (reason "shutdown") and logged. Resolves with the final stats.
   */
  async stop(timeoutMs = 5_000): Promise<AuditStats> {
    this.running = false;
    this.stopping = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = this.clock.setTimeout(() => this.stopController.abort(), timeoutMs);
    try {
      this.pausedUntil = 0;
      this.drainAll = true;
      this.kick(true);
      while (this.pumping) await this.pumping;
      // A batch failed before the deadline: keep trying until it passes.
      while (this.len > 0 && !this.stopController.signal.aborted) {
        await sleep(this.clock, Math.min(this.o.backoffBaseMs, 250), this.stopController.signal);
        this.drainAll = true;
        this.kick(true);
        while (this.pumping) await this.pumping;
      }
    } finally {
      this.clock.clearTimeout(deadline);
      this.stopController.abort();
    }
    if (this.len > 0) {
      const n = this.len;
      this.log.error({ events: n, endpoint: this.o.endpoint }, 'audit events could not be delivered before shutdown; dropping them');
      this.drop(n, 'shutdown');
      this.ring.fill(undefined);
      this.head = 0;
      this.len = 0;
    }
    return this.stats();
  }

  private drop(n: number, reason: DropReason): void {
    this.totals.dropped += n;
    this.m.dropped.inc({ reason }, n);
  }

  private kickSoon(): void {
    if (this.kickScheduled || this.pumping) return;
    this.kickScheduled = true;
    // Off the caller's stack: the decision that filled the batch does not pay for sending it.
    setImmediate(() => {
      this.kickScheduled = false;
      this.kick();
    });
  }

  private kick(force = false): void {
    if (this.pumping) return;
    if (!force && this.clock.now() < this.pausedUntil) return;
    if (this.len === 0) {
      this.drainAll = false;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.running && this.len >= this.o.batchSize) this.kickSoon();
    });
  }

  private async pump(): Promise<void> {
    this.syncDropMetric();
    while (this.len > 0 && (this.drainAll || this.len >= this.o.batchSize)) {
      if (this.stopController.signal.aborted) break;
      const batch = this.take(Math.min(this.o.batchSize, this.len));
      this.inFlight = batch.length;
      let r: SendResult;
      try {
        r = await this.send(batch);
      } catch (e) {
        this.log.error({ err: errorMessage(e) }, 'audit sender failed unexpectedly');
        r = { result: 'failed', unsent: batch };
      }
      this.inFlight = 0;
      if (r.result === 'failed') {
        this.putBack(r.unsent);
        this.pausedUntil = this.clock.now() + this.o.batchIntervalMs;
        break;
      }
    }
    if (this.len === 0) this.drainAll = false;
  }

  private take(n: number): AuditEvent[] {
    const out: AuditEvent[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.ring[this.head]!;
      this.ring[this.head] = undefined;
      this.head = (this.head + 1) % this.o.bufferSize;
    }
    this.len -= n;
    return out;
  }

  /** Returns a failed batch to the front; when there is no room its oldest events are dropped. */
  private putBack(batch: AuditEvent[]): void {
    let dropped = 0;
    for (let i = batch.length - 1; i >= 0; i--) {
      if (this.len === this.o.bufferSize) {
        dropped = i + 1;
        break;
      }
      this.head = (this.head - 1 + this.o.bufferSize) % this.o.bufferSize;
      this.ring[this.head] = batch[i];
      this.len++;
    }
    if (dropped > 0) this.drop(dropped, 'buffer_full');
  }

  /** POSTs a batch with retries. 'dropped' = the endpoint refused it for good (counted). */
  private async send(batch: AuditEvent[]): Promise<SendResult> {
    const parts: string[] = [];
    const sendable: AuditEvent[] = [];
    for (const e of batch) {
      if (typeof e.time === 'number') e.time = new Date(e.time).toISOString();
      try {
        parts.push(JSON.stringify(e, bigintReplacer));
        sendable.push(e);
      } catch (err) {
        this.log.warn({ decision_id: e.decision_id, err: errorMessage(err) }, 'audit event cannot be serialised; dropping it');
        this.drop(1, 'invalid');
      }
    }
    if (sendable.length === 0) return OK;
    const zipped = await gzip(Buffer.from("[" + parts.join(",") + "]", "utf8"));
    const body = new Uint8Array(zipped.buffer, zipped.byteOffset, zipped.length) as Uint8Array<ArrayBuffer>;
    const headers = {
      ...baseHeaders({ version: this.o.version, ...(this.o.apiKey ? { apiKey: this.o.apiKey } : {}) }),
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
    };
    for (let attempt = 0; attempt <= this.o.retryAttempts; attempt++) {
      if (attempt > 0) {
        this.totals.retried += sendable.length;
        this.m.retried.inc(sendable.length);
      }
      let status = 0;
      let err = '';
      let wait: number | undefined;
      try {
        const res = await this.fetchFn(this.o.endpoint, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([AbortSignal.timeout(this.o.timeoutMs), this.stopController.signal]),
        });
        status = res.status;
        wait = retryAfterMs(res.headers.get('retry-after'), this.clock.now());
        await res.body?.cancel().catch(() => undefined);
      } catch (e) {
        err = isTimeout(e) ? `timeout after ${this.o.timeoutMs} ms` : errorMessage(e);
      }
      if (status >= 200 && status <= 299) {
        this.totals.sent += sendable.length;
        this.m.sent.inc(sendable.length);
        this.m.batches.inc({ result: 'ok' });
        return OK;
      }
      if (status === 413 && sendable.length > 1) {
        // Too big for the endpoint: send the halves on their own.
        const mid = sendable.length >> 1;
        const a = await this.send(sendable.slice(0, mid));
        if (a.result === 'failed') return { result: 'failed', unsent: [...a.unsent, ...sendable.slice(mid)] };
        return this.send(sendable.slice(mid));
      }
      if (status === 400 || status === 413 || status === 422) {
        this.m.batches.inc({ result: 'rejected' });
        this.log.error({ endpoint: this.o.endpoint, status, events: sendable.length }, 'audit endpoint refused a batch; dropping it');
        this.drop(sendable.length, 'rejected');
        return { result: 'dropped', unsent: [] };
      }
      this.m.batches.inc({ result: 'failed' });
      const fields = { endpoint: this.o.endpoint, status: status || undefined, err: err || undefined, attempt: attempt + 1, events: sendable.length };
      if (attempt === 0) this.log.warn(fields, 'audit POST failed; retrying');
      else this.log.debug(fields, 'audit POST failed again');
      if (this.stopController.signal.aborted || attempt === this.o.retryAttempts) break;
      const delay = Math.min(this.o.backoffMaxMs, Math.max(backoffDelay(attempt + 1, this.o.backoffBaseMs, this.o.backoffMaxMs, this.random), wait ?? 0));
      await sleep(this.clock, delay, this.stopController.signal);
      if (this.stopController.signal.aborted) break;
    }
    if (!this.stopController.signal.aborted) {
      this.log.warn({ endpoint: this.o.endpoint, events: sendable.length, buffered: this.len }, 'audit batch not delivered after retries; keeping it buffered');
    }
    return { result: 'failed', unsent: sendable };
  }
}

function bigintReplacer(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return v;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
