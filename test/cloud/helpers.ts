// A real Vengtoo Cloud test server on 127.0.0.1 (node:http) implementing docs/cloud-protocol.md,
// with switches for the faults the tests need. Plus small metric and polling helpers.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Registry } from 'prom-client';

export type BundleMode = 'ok' | 'status' | 'hang' | 'truncate' | 'corrupt' | 'reset';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

export class TestCloud {
  server!: Server;
  url = '';
  bundle: Uint8Array | undefined;
  etag: string | undefined;
  bundleMode: BundleMode = 'ok';
  bundleStatus = 500;
  requests: RecordedRequest[] = [];
  heartbeats: unknown[] = [];
  heartbeatStatus = 200;
  /** Every decision event received, in arrival order (duplicates included). */
  events: Record<string, unknown>[] = [];
  auditPosts = 0;
  /** Status for audit POSTs: a function of the POST number (1-based) for that Authorization value. */
  auditStatus: (n: number) => number = () => 200;
  private auditCounts = new Map<string, number>();
  /** When set, only audit POSTs with this bearer token are served. */
  auditToken: string | undefined;

  /** Audit POSTs made with this bearer token (each test's forwarder uses its own). */
  auditPostsFor(token: string): number {
    return this.auditCounts.get(`Bearer ${token}`) ?? 0;
  }
  auditHeaders: IncomingMessage['headers'][] = [];
  private sockets = new Set<import('node:net').Socket>();

  setBundle(bytes: Uint8Array, etag?: string): void {
    this.bundle = bytes;
    this.etag = etag ?? `"${Buffer.from(bytes.subarray(bytes.length - 8)).toString('hex')}-${bytes.length}"`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  uniqueEventIds(): Set<string> {
    return new Set(this.events.map((e) => e.decision_id as string));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    this.requests.push({ method: req.method ?? '', path, headers: req.headers });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method === 'GET' && path === '/v1/agent/bundle') return this.serveBundle(req, res);
    if (req.method === 'POST' && path === '/v1/agent/heartbeat') {
      this.heartbeats.push(JSON.parse(body.toString('utf8')));
      res.writeHead(this.heartbeatStatus).end();
      return;
    }
    if (req.method === 'POST' && path === '/v1/agent/decisions') {
      this.auditPosts++;
      const auth = String(req.headers.authorization);
      const n = (this.auditCounts.get(auth) ?? 0) + 1;
      this.auditCounts.set(auth, n);
      if (this.auditToken !== undefined && auth !== `Bearer ${this.auditToken}`) {
        res.writeHead(503).end(); // a straggler from an earlier test's forwarder
        return;
      }
      this.auditHeaders.push(req.headers);
      const status = this.auditStatus(n);
      if (status === 0) {
        req.socket.destroy();
        return;
      }
      if (status >= 200 && status < 300) {
        const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString('utf8');
        this.events.push(...(JSON.parse(text) as Record<string, unknown>[]));
      }
      res.writeHead(status, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    res.writeHead(404).end();
  }

  private serveBundle(req: IncomingMessage, res: ServerResponse): void {
    switch (this.bundleMode) {
      case 'status':
        res
          .writeHead(this.bundleStatus, { 'Content-Type': 'application/json', ...(this.bundleStatus === 503 || this.bundleStatus === 429 ? { 'Retry-After': '7' } : {}) })
          .end('{"error":"boom"}');
        return;
      case 'hang':
        return; // never answers
      case 'reset':
        req.socket.destroy();
        return;
      default:
    }
    if (!this.bundle) {
      res.writeHead(404).end();
      return;
    }
    if (this.etag && req.headers['if-none-match'] === this.etag) {
      res.writeHead(304, { ETag: this.etag }).end();
      return;
    }
    let bytes = Buffer.from(this.bundle);
    if (this.bundleMode === 'corrupt') {
      bytes = Buffer.from(bytes);
      for (let i = 20; i < bytes.length - 20; i += 7) bytes[i] ^= 0x5a;
    }
    const headers = { 'Content-Type': 'application/vnd.openpolicyagent.bundles+gzip', ETag: this.etag ?? '' };
    if (this.bundleMode === 'truncate') {
      res.writeHead(200, { ...headers, 'Content-Length': String(bytes.length) });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => req.socket.destroy());
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(bytes.length) }).end(bytes);
  }
}

export async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return NaN;
  const got = await m.get();
  let sum = 0;
  for (const v of got.values) {
    if (Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want)) sum += v.value;
  }
  return sum;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A URL on 127.0.0.1 where nothing listens. */
export async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

export const logs: { level: string; obj: unknown; msg?: string }[] = [];
export function testLogger(sink: { level: string; obj: unknown; msg?: string }[] = logs) {
  const at = (level: string) => (obj: unknown, msg?: string) => void sink.push({ level, obj, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
