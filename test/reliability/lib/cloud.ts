// A control plane on 127.0.0.1 for the reliability runs (the protocol of docs/cloud-protocol.md, as
// test/cloud/helpers.ts implements it), with the faults these runs need: taken down and brought
// back on the same port, status codes, hanging and dripping responses, truncated or arbitrary
// bundle bytes, and an audit endpoint that counts every event by decision id.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type BundleFault =
  | { mode: 'ok' }
  | { mode: 'status'; status: number }
  | { mode: 'hang' }
  /** Headers and a few bytes, then one byte every `everyMs`. */
  | { mode: 'drip'; everyMs: number }
  /** Half the bundle, then the connection is cut. */
  | { mode: 'truncate' }
  /** These bytes as the bundle; `length: false` sends them chunked, without Content-Length. */
  | { mode: 'bytes'; bytes: Uint8Array; length: boolean };

export class FaultCloud {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** Bundle responses held open by 'hang' or 'drip'. */
  private readonly slow = new Set<ServerResponse>();
  port = 0;
  bundle: Uint8Array | undefined;
  etag = '';
  fault: BundleFault = { mode: 'ok' };
  bundleRequests = 0;
  heartbeats = 0;
  /** Every audit event by decision_id → times received (dedupe on this side). */
  readonly events = new Map<string, Record<string, unknown>>();
  duplicates = 0;
  auditPosts = 0;
  /** Status for audit POSTs (200 = accept). */
  auditStatus = 200;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setBundle(bytes: Uint8Array): void {
    this.bundle = bytes;
    this.etag = `"${Buffer.from(bytes.subarray(Math.max(0, bytes.length - 8))).toString('hex')}-${bytes.length}"`;
  }

  /** Listens (again) — on the same port as before when it was up already once. */
  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Ends a 'hang' or 'drip' fault at once: responses still held open are cut. */
  cutSlow(): void {
    for (const r of this.slow) r.socket?.destroy();
    this.slow.clear();
  }

  /** Down: the port refuses connections; open connections are cut. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const c of this.sockets) c.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (req.method === 'GET' && (path === '/v1/agent/bundle' || path === '/bundle.tar.gz')) return this.serveBundle(req, res);
    if (req.method === 'POST' && path === '/v1/agent/heartbeat') {
      this.heartbeats++;
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'POST' && path === '/v1/agent/decisions') {
      this.auditPosts++;
      if (this.auditStatus < 200 || this.auditStatus > 299) {
        res.writeHead(this.auditStatus).end();
        return;
      }
      const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString('utf8') : body.toString('utf8');
      for (const ev of JSON.parse(text) as Record<string, unknown>[]) {
        const id = String(ev.decision_id);
        if (this.events.has(id)) this.duplicates++;
        else this.events.set(id, ev);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    res.writeHead(404).end();
  }

  private serveBundle(req: IncomingMessage, res: ServerResponse): void {
    this.bundleRequests++;
    const f = this.fault;
    const type = { 'content-type': 'application/vnd.openpolicyagent.bundles+gzip' };
    switch (f.mode) {
      case 'status':
        res.writeHead(f.status, { 'content-type': 'application/json' }).end('{"error":"injected"}');
        return;
      case 'hang':
        this.slow.add(res);
        return;
      case 'bytes':
        res.writeHead(200, { ...type, etag: `"bytes-${f.bytes.length}"`, ...(f.length ? { 'content-length': String(f.bytes.length) } : {}) });
        // in 1 MiB slices, so a reader that stops early is not sent the rest
        {
          let off = 0;
          const pump = (): void => {
            while (off < f.bytes.length) {
              const end = Math.min(off + 1048576, f.bytes.length);
              const more = res.write(f.bytes.subarray(off, end));
              off = end;
              if (!more) return void res.once('drain', pump);
            }
            res.end();
          };
          res.on('close', () => (off = f.bytes.length));
          pump();
        }
        return;
      default:
    }
    const b = this.bundle;
    if (!b) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers['if-none-match'] === this.etag) {
      res.writeHead(304, { etag: this.etag }).end();
      return;
    }
    const headers = { ...type, etag: this.etag, 'content-length': String(b.length) };
    if (f.mode === 'truncate') {
      res.writeHead(200, headers);
      res.write(b.subarray(0, b.length >> 1), () => req.socket.destroy());
      return;
    }
    if (f.mode === 'drip') {
      this.slow.add(res);
      res.writeHead(200, headers);
      let i = 0;
      const t = setInterval(() => {
        if (res.destroyed || i >= b.length) {
          clearInterval(t);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(b.subarray(i, i + 1));
        i++;
      }, f.everyMs);
      res.on('close', () => clearInterval(t));
      return;
    }
    res.writeHead(200, headers).end(b);
  }
}
