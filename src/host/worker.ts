// The I/O thread behind sync-worker.ts: runs fetch and DNS lookups for a caller that blocks
// on a shared counter. Every reply is posted on the port first, then the counter is bumped and
// notified, so a caller that sees the counter change will find the reply on the port.
//
// Jobs run concurrently; a job that fails replies with an error and never takes the thread down.

import { lookup } from 'node:dns/promises';
import { workerData, type MessagePort } from 'node:worker_threads';
import type { DnsJob, HttpJob, HttpResult, JobFailure, WorkerReply, WorkerRequest } from './protocol.js';

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };

const running = new Map<number, AbortController>();

function reply(msg: WorkerReply): void {
  try {
    port.postMessage(msg);
  } catch (e) {
    // A value that cannot be cloned: report that instead.
    port.postMessage({ id: msg.id, ok: false, error: { kind: 'internal', message: errorText(e) } } satisfies WorkerReply);
  }
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

class Failure extends Error {
  constructor(
    readonly kind: JobFailure['kind'],
    message: string,
  ) {
    super(message);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

port.on('message', (m: WorkerRequest) => {
  if (m.type === 'cancel') {
    running.get(m.id)?.abort();
    return;
  }
  const { id, job } = m;
  const ac = new AbortController();
  running.set(id, ac);
  let work: Promise<unknown>;
  try {
    switch (job.kind) {
      case 'http':
        work = http(job, ac.signal);
        break;
      case 'dns':
        work = dns(job);
        break;
      case 'sleep':
        work = new Promise((resolve) => setTimeout(() => resolve(job.value), job.ms));
        break;
      case 'fail':
        throw new Error(job.message);
      default:
        throw new Error(`unknown job ${JSON.stringify((job as { kind: unknown }).kind)}`);
    }
  } catch (e) {
    work = Promise.reject(e);
  }
  work.then(
    (value) => reply({ id, ok: true, value }),
    (e: unknown) =>
      reply({
        id,
        ok: false,
        error: e instanceof Failure ? { kind: e.kind, message: e.message } : { kind: 'internal', message: errorText(e) },
      }),
  ).finally(() => running.delete(id));
});

// The caller waits for this before posting its first job.
reply({ id: 0, ok: true, value: 'ready' });

// ---- HTTP ----

async function http(job: HttpJob, cancel: AbortSignal): Promise<HttpResult> {
  const ac = new AbortController();
  let timedOut = false;
  const timer =
    job.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          ac.abort();
        }, job.timeoutMs)
      : undefined;
  const onCancel = () => ac.abort();
  cancel.addEventListener('abort', onCancel);
  let phase: 'headers' | 'body' = 'headers';
  try {
    const res = await fetch(job.url, {
      method: job.method,
      headers: job.headers,
      body: job.body === undefined ? undefined : Buffer.from(job.body, 'utf8'),
      redirect: 'manual',
      signal: ac.signal,
    });
    phase = 'body';
    const body = await readBody(res, job.maxBodyBytes, ac);
    const headers: [string, string][] = [];
    for (const [k, v] of res.headers) headers.push([k, v]);
    return { status: res.status, statusText: res.statusText, headers, body };
  } catch (e) {
    if (e instanceof Failure) throw e;
    if (timedOut) throw new Failure(phase === 'headers' ? 'timeout' : 'timeout_body', 'timeout');
    if (cancel.aborted) throw new Failure('internal', 'cancelled');
    if (phase === 'headers') throw new Failure('network', networkDetail(e, job.url));
    // Go reads the body after client.Do: its failures are not *url.Error.
    const detail = networkDetail(e, job.url);
    throw new Failure('internal', detail === 'EOF' ? 'unexpected EOF' : detail);
  } finally {
    clearTimeout(timer);
    cancel.removeEventListener('abort', onCancel);
  }
}

async function readBody(res: Response, max: number, ac: AbortController): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      ac.abort();
      throw new Failure('internal', `response body exceeds the limit of ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

interface NodeError {
  code?: string;
  message?: string;
  address?: string;
  port?: number;
  cause?: unknown;
}

/** The text after `Get "url": ` in Go's net/http errors, as far as fetch's errors tell. */
function networkDetail(e: unknown, url: string): string {
  const cause = ((e as NodeError)?.cause ?? e) as NodeError;
  let host = '';
  let port = '';
  try {
    const u = new URL(url);
    host = u.hostname;
    port = u.port || (u.protocol === 'https:' ? '443' : '80');
  } catch {
    /* reported below */
  }
  const addr = cause.address !== undefined ? `${cause.address.includes(':') ? `[${cause.address}]` : cause.address}:${cause.port}` : `${host}:${port}`;
  switch (cause.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'ENOTFOUND':
      return `dial tcp: lookup ${host}: no such host`;
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host}: temporary failure in name resolution`;
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${addr}: connect: network is unreachable`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `dial tcp ${addr}: i/o timeout`;
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'EPIPE':
      return 'write: broken pipe';
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'EOF';
  }
  const msg = cause.message ?? errorText(e);
  if (msg === 'bad port') return `port ${port} is blocked by fetch (bad port)`;
  return msg;
}

// ---- DNS ----

async function dns(job: DnsJob): Promise<string[]> {
  try {
    const addrs = await lookup(job.name, { all: true, verbatim: true });
    return addrs.map((a) => a.address);
  } catch (e) {
    const code = (e as NodeError).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') throw new Failure('network', `lookup ${job.name}: no such host`);
    if (code === 'EAI_AGAIN') throw new Failure('network', `lookup ${job.name}: temporary failure in name resolution`);
    throw new Failure('network', `lookup ${job.name}: ${errorText(e)}`);
  }
}
