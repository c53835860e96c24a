// A small HTTP/1.1 load generator on raw keep-alive sockets, for the reliability runs.
//
// Open loop when `rate` > 0: requests are scheduled at a fixed rate (every millisecond the number
// due so far is handed to idle connections); a request that finds no idle connection waits in a
// backlog and counts as late. Closed loop when `rate` is 0: every connection sends its next request
// as soon as the previous answer arrived. One request in flight per connection (no pipelining), so
// each answer belongs to the connection's one outstanding request.
//
// Raw sockets instead of node:http keep the generator's own CPU cost low: on a 2-core machine it
// shares the CPUs with the agent it measures.

import { connect, type Socket } from 'node:net';
import { createHistogram } from 'node:perf_hooks';

export interface LoadOptions {
  /** http://127.0.0.1:PORT */
  url: string;
  path: string;
  /** Request body: constant, or built per request from its sequence number. */
  body: string | ((seq: number) => string);
  headers?: Record<string, string>;
  /** Requests per second; 0 = closed loop (as fast as the connections go). */
  rate: number;
  connections: number;
  durationMs: number;
  /** Checks an answer; false counts a mismatch (an error). Default: status 200. */
  check?: (status: number, body: string, seq: number) => boolean;
  /** Called for every answer (after check). */
  onAnswer?: (status: number, body: string, seq: number) => void;
  /** An answer slower than this counts as a timeout error and the connection is replaced. Default 10 s. */
  timeoutMs?: number;
  /** Reconnect after a connection closes or fails (default true). */
  reconnect?: boolean;
}

export interface LoadResult {
  /** Requests written to a socket. */
  sent: number;
  /** Answers received. */
  answered: number;
  /** Answers that failed `check`. */
  mismatches: number;
  /** Requests written whose connection closed or failed before the answer came. */
  lostInFlight: number;
  /** Connection attempts refused or failed. */
  connectErrors: number;
  timeouts: number;
  /** Scheduled requests that found no idle connection at their time (open loop). */
  late: number;
  /** Scheduled but never sent (the run ended with them in the backlog). */
  unsent: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  /** answered / elapsed seconds */
  rps: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
  /** Some mismatching answers, for the report. */
  samples: string[];
}

interface Conn {
  sock: Socket;
  busy: boolean;
  seq: number;
  sentAt: number;
  buf: Buffer;
  alive: boolean;
}

export interface LoadRun {
  done: Promise<LoadResult>;
  /** Ends the run now (answers in flight are awaited up to 2 s). */
  stop: () => void;
  /** Counters so far. */
  progress: () => { sent: number; answered: number; errors: number };
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

export function runLoad(o: LoadOptions): LoadRun {
  const u = new URL(o.url);
  const host = u.hostname;
  const port = Number(u.port);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const reconnect = o.reconnect ?? true;
  const extra = Object.entries(o.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const head = (len: number) =>
    `POST ${o.path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n${extra}\r\n`;
  const constant = typeof o.body === 'string' ? Buffer.from(head(Buffer.byteLength(o.body)) + o.body) : undefined;
  const build = (seq: number): Buffer => {
    if (constant !== undefined) return constant;
    const b = (o.body as (s: number) => string)(seq);
    return Buffer.from(head(Buffer.byteLength(b)) + b);
  };

  const r: LoadResult = {
    sent: 0,
    answered: 0,
    mismatches: 0,
    lostInFlight: 0,
    connectErrors: 0,
    timeouts: 0,
    late: 0,
    unsent: 0,
    statuses: {},
    elapsedMs: 0,
    rps: 0,
    latencyMs: { p50: 0, p99: 0, p999: 0, max: 0 },
    samples: [],
  };
  const hist = createHistogram();
  const conns: Conn[] = [];
  const idle: Conn[] = [];
  let seq = 0;
  let due = 0; // scheduled so far (open loop)
  let backlog = 0;
  let stopping = false;
  const t0 = performance.now();
  let finish!: (r: LoadResult) => void;
  const done = new Promise<LoadResult>((res) => (finish = res));

  const send = (c: Conn): void => {
    c.busy = true;
    c.seq = seq++;
    c.sentAt = performance.now();
    r.sent++;
    c.sock.write(build(c.seq));
  };

  const next = (c: Conn): void => {
    if (stopping || !c.alive) return;
    if (o.rate === 0) return send(c);
    if (backlog > 0) {
      backlog--;
      return send(c);
    }
    idle.push(c);
  };

  const open = (): void => {
    if (stopping) return;
    const c: Conn = { sock: connect({ host, port }), busy: false, seq: -1, sentAt: 0, buf: Buffer.alloc(0), alive: true };
    c.sock.setNoDelay(true);
    conns.push(c);
    let connected = false;
    c.sock.on('connect', () => {
      connected = true;
      next(c);
    });
    c.sock.on('data', (chunk: Buffer) => {
      c.buf = c.buf.length === 0 ? chunk : Buffer.concat([c.buf, chunk]);
      for (;;) {
        const end = c.buf.indexOf(CRLFCRLF);
        if (end === -1) return;
        const headText = c.buf.subarray(0, end).toString('latin1');
        const m = /content-length:\s*(\d+)/i.exec(headText);
        const len = m ? Number(m[1]) : 0;
        if (c.buf.length < end + 4 + len) return;
        const status = Number(headText.slice(9, 12));
        const body = c.buf.subarray(end + 4, end + 4 + len).toString('utf8');
        c.buf = c.buf.subarray(end + 4 + len);
        if (!c.busy) continue; // an unsolicited answer; ignore
        c.busy = false;
        hist.record(Math.max(1, Math.round((performance.now() - c.sentAt) * 1000)));
        r.answered++;
        r.statuses[status] = (r.statuses[status] ?? 0) + 1;
        const ok = o.check ? o.check(status, body, c.seq) : status === 200;
        if (!ok) {
          r.mismatches++;
          if (r.samples.length < 5) r.samples.push(`${status} ${body.slice(0, 200)}`);
        }
        o.onAnswer?.(status, body, c.seq);
        if (/\r\nconnection: close/i.test(headText)) {
          c.alive = false;
          c.sock.end();
          continue;
        }
        next(c);
      }
    });
    c.sock.on('error', () => {
      if (!connected) r.connectErrors++;
    });
    c.sock.on('close', () => {
      c.alive = false;
      if (c.busy) {
        r.lostInFlight++;
        c.busy = false;
      }
      const i = idle.indexOf(c);
      if (i !== -1) idle.splice(i, 1);
      const j = conns.indexOf(c);
      if (j !== -1) conns.splice(j, 1);
      if (reconnect && !stopping) setTimeout(open, connected ? 0 : 50);
      maybeFinish();
    });
  };

  for (let i = 0; i < o.connections; i++) open();

  const tick = setInterval(() => {
    const now = performance.now();
    if (o.rate > 0 && !stopping) {
      const target = Math.floor(((now - t0) / 1000) * o.rate);
      let n = target - due;
      due = target;
      while (n > 0 && idle.length > 0) {
        send(idle.pop()!);
        n--;
      }
      if (n > 0) {
        r.late += n;
        backlog += n;
      }
    }
    for (const c of conns) {
      if (c.busy && now - c.sentAt > timeoutMs) {
        r.timeouts++;
        c.busy = false; // not "lost in flight": counted as a timeout
        c.sock.destroy();
      }
    }
  }, 1);

  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearInterval(tick);
    clearTimeout(timer);
    clearTimeout(grace);
    for (const c of conns) c.sock.destroy();
    r.unsent = backlog;
    r.elapsedMs = stopAt - t0;
    r.rps = r.answered / (r.elapsedMs / 1000);
    const q = (p: number) => (hist.count === 0 ? 0 : hist.percentile(p) / 1000);
    r.latencyMs = { p50: q(50), p99: q(99), p999: q(99.9), max: hist.count === 0 ? 0 : hist.max / 1000 };
    finish(r);
  };
  let stopAt = 0;
  let grace: NodeJS.Timeout | undefined;
  const maybeFinish = (): void => {
    if (stopping && conns.every((c) => !c.busy)) end();
  };
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    stopAt = performance.now();
    for (const c of idle) c.sock.end();
    idle.length = 0;
    grace = setTimeout(end, 2000);
    maybeFinish();
  };
  const timer = setTimeout(stop, o.durationMs);
  return {
    done,
    stop,
    progress: () => ({ sent: r.sent, answered: r.answered, errors: r.mismatches + r.lostInFlight + r.timeouts }),
  };
}

/** Merges per-phase results (for reports). */
export function addResults(a: LoadResult, b: LoadResult): LoadResult {
  const statuses = { ...a.statuses };
  for (const [k, v] of Object.entries(b.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    ...a,
    sent: a.sent + b.sent,
    answered: a.answered + b.answered,
    mismatches: a.mismatches + b.mismatches,
    lostInFlight: a.lostInFlight + b.lostInFlight,
    connectErrors: a.connectErrors + b.connectErrors,
    timeouts: a.timeouts + b.timeouts,
    late: a.late + b.late,
    unsent: a.unsent + b.unsent,
    statuses,
    elapsedMs: a.elapsedMs + b.elapsedMs,
    rps: (a.answered + b.answered) / ((a.elapsedMs + b.elapsedMs) / 1000),
    latencyMs: {
      p50: Math.max(a.latencyMs.p50, b.latencyMs.p50),
      p99: Math.max(a.latencyMs.p99, b.latencyMs.p99),
      p999: Math.max(a.latencyMs.p999, b.latencyMs.p999),
      max: Math.max(a.latencyMs.max, b.latencyMs.max),
    },
    samples: [...a.samples, ...b.samples].slice(0, 5),
  };
}
