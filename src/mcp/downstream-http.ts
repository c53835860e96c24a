// Downstream over Streamable HTTP (`--listen ADDR`), on node:http directly.
//
//   POST /mcp    one JSON-RPC message or a batch. Requests are answered on an SSE stream (when the
//                client accepts text/event-stream; progress, and the server's own requests during
//                a call, travel on it) or as one JSON body; notifications and responses get 202.
//                An initialize request without Mcp-Session-Id opens a session (a new upstream
//                connection) and returns its Mcp-Session-Id.
//   GET /mcp     the session's standalone SSE stream (messages that belong to no request, e.g.
//                notifications/tools/list_changed after a policy change).
//   DELETE /mcp  ends the session (and its upstream: child process or upstream HTTP session).
//   GET /healthz, /readyz, /metrics   the agent's operations endpoints, for the gateway.
// Without Mcp-Session-Id and without initialize (the 2026-07-28 stateless revision), a POST is
// relayed on its own to an HTTP upstream; a stdio upstream needs a session.
//
// Every /mcp request needs `Authorization: Bearer <token>` (auth.ts) unless the gateway runs with
// --allow-anonymous; the token's subject is the policy's subject, and a session is bound to it.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AgentMetrics } from '../server/metrics.js';
import type { TokenAuth, Principal } from './auth.js';
import type { Gateway } from './gateway.js';
import { INVALID_REQUEST, PARSE_ERROR, errorResponse, idKey, kindOf, type Message } from './jsonrpc.js';
import type { ForwardMeta, Relay, Route } from './relay.js';
import type { SessionInfo } from './request.js';
import type { DecisionSource } from './source.js';
import { sseMessage } from './sse.js';

export interface HttpDownstreamOptions {
  gateway: Gateway;
  source: DecisionSource;
  /** undefined with --allow-anonymous. */
  auth?: TokenAuth;
  /** The subject for anonymous clients (--subject). */
  anonymousSubject: string;
  /** A session with no request for this long (and no open stream) is closed with its upstream. */
  idleTimeoutMs?: number;
  /** Open sessions at most (each may hold a child process); more initialize requests get 503. */
  maxSessions?: number;
  path?: string;
  maxBodyBytes?: number;
  metrics?: AgentMetrics;
  logger?: Logger;
}

/** One POST that is waiting for answers. */
class PostStream {
  readonly pending = new Set<string>();
  readonly collected: string[] = [];
  open = true;

  constructor(
    readonly res: ServerResponse,
    readonly sse: boolean,
  ) {}
}

class HttpSession {
  relay!: Relay;
  readonly streams = new Set<PostStream>();
  /** request key → the POST stream that carries its answer. */
  readonly owner = new Map<string, PostStream>();
  get: ServerResponse | undefined;
  readonly backlog: string[] = [];
  lastActive = Date.now();

  constructor(
    readonly id: string,
    readonly subject: string,
  ) {}

  send(text: string, route: Route): void {
    if (route.ids !== undefined && route.ids.length > 0) {
      const s = this.owner.get(route.ids[0]);
      for (const k of route.ids) this.owner.delete(k);
      if (s === undefined) return; // the client went away; nobody to answer
      for (const k of route.ids) s.pending.delete(k);
      if (s.sse) {
        if (s.open) s.res.write(sseMessage(text));
      } else s.collected.push(text);
      if (s.pending.size === 0) this.finish(s);
      return;
    }
    if (route.related !== undefined) {
      const s = this.owner.get(route.related);
      if (s !== undefined && s.sse && s.open) {
        s.res.write(sseMessage(text));
        return;
      }
    }
    this.unrelated(text);
  }

  /** A message for no open request: the GET stream, else any open SSE POST stream, else kept for the next GET. */
  private unrelated(text: string): void {
    if (this.get !== undefined) {
      this.get.write(sseMessage(text));
      return;
    }
    for (const s of this.streams) {
      if (s.sse && s.open) {
        s.res.write(sseMessage(text));
        return;
      }
    }
    if (this.backlog.length < 1000) this.backlog.push(text);
  }

  finish(s: PostStream): void {
    if (!this.streams.delete(s)) return;
    if (!s.open) return;
    s.open = false;
    if (s.sse) {
      s.res.end();
      return;
    }
    if (s.collected.length === 0) {
      s.res.writeHead(202).end(); // every request of this POST was cancelled
      return;
    }
    const body = s.collected.length === 1 ? s.collected[0] : '[' + s.collected.join(',') + ']';
    s.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    s.res.end(body);
  }

  openGet(res: ServerResponse): void {
    this.get = res;
    for (const t of this.backlog.splice(0)) res.write(sseMessage(t));
  }
}

export class HttpDownstream {
  readonly http: Server;
  private readonly sessions = new Map<string, HttpSession>();
  private readonly path: string;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly o: HttpDownstreamOptions) {
    this.path = o.path ?? '/mcp';
    const idle = o.idleTimeoutMs ?? 30 * 60_000;
    this.sweeper = setInterval(() => {
      const now = Date.now();
      for (const s of [...this.sessions.values()]) {
        if (s.streams.size === 0 && now - s.lastActive > idle) {
          o.logger?.info({ session: s.id }, 'idle MCP session closed');
          this.drop(s, 'session idle');
        }
      }
    }, Math.min(60_000, Math.max(1000, idle / 2)));
    this.sweeper.unref();
    this.http = createServer({ requestTimeout: 0, keepAliveTimeout: 5000 }, (req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        o.logger?.error({ error: (e as Error).message }, 'MCP HTTP request failed');
        if (!res.headersSent) jsonError(res, 500, errorResponse(null, -32603, 'internal error'));
        else res.end();
      });
    });
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ host: host === '' ? undefined : host, port }, () => {
        this.http.off('error', reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const s of this.sessions.values()) {
      s.get?.end();
      for (const st of s.streams) st.res.end();
    }
    this.sessions.clear();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path !== this.path) return this.ops(path, req, res);
    if (!this.originAllowed(req)) return jsonError(res, 403, errorResponse(null, INVALID_REQUEST, 'Forbidden: origin not allowed'));
    const who = await this.authenticate(req, res);
    if (who === undefined) return;
    switch (req.method) {
      case 'POST':
        return this.post(req, res, who);
      case 'GET':
        return this.getStream(req, res, who);
      case 'DELETE':
        return this.del(req, res, who);
      default:
        req.resume();
        res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
    }
  }

  private async authenticate(req: IncomingMessage, res: ServerResponse): Promise<Principal | undefined> {
    if (this.o.auth === undefined) return { subject: this.o.anonymousSubject };
    const r = await this.o.auth.check(req.headers.authorization);
    if (typeof r === 'object') return r;
    req.resume();
    res.writeHead(401, {
      'content-type': 'application/json',
      'www-authenticate': r === 'missing' ? 'Bearer realm="vengtoo-mcp-gateway"' : 'Bearer realm="vengtoo-mcp-gateway", error="invalid_token"',
    });
    res.end(errorResponse(null, INVALID_REQUEST, r === 'missing' ? 'Unauthorized: bearer token required' : 'Unauthorized: invalid token'));
    return undefined;
  }

  /**
   * DNS-rebinding guard: a request from a browser page (it carries Origin) is accepted only from a
   * loopback origin. The Host header is no help here: after a rebinding it names the attacker's
   * domain. Non-browser MCP clients send no Origin.
   */
  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    let host: string;
    try {
      host = new URL(origin).hostname;
    } catch {
      return false;
    }
    return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  }

  private session(req: IncomingMessage, res: ServerResponse, who: Principal): HttpSession | undefined | null {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid !== 'string') return null;
    const s = this.sessions.get(sid);
    // A session belongs to the subject that opened it; another token cannot use it.
    if (s === undefined || s.subject !== who.subject) {
      req.resume();
      jsonError(res, 404, errorResponse(null, -32001, 'Session not found'));
      return undefined;
    }
    s.lastActive = Date.now();
    return s;
  }

  private async post(req: IncomingMessage, res: ServerResponse, who: Principal): Promise<void> {
    const text = await readBody(req, this.o.maxBodyBytes ?? 16 * 1024 * 1024);
    if (text === undefined) return jsonError(res, 413, errorResponse(null, INVALID_REQUEST, 'Request body too large'));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return jsonError(res, 400, errorResponse(null, PARSE_ERROR, 'Parse error: the body is not valid JSON'));
    }
    const items = Array.isArray(body) ? body : [body];
    const requests = items.filter((m) => kindOf(m) === 'request') as Message[];
    const meta: ForwardMeta = { headers: mcpHeaders(req) };

    let s = this.session(req, res, who);
    if (s === undefined) return;
    let fresh = false;
    let stateless = false;
    if (s === null) {
      if (requests.some((m) => m.method === 'initialize')) {
        if (this.sessions.size >= (this.o.maxSessions ?? 256)) {
          return jsonError(res, 503, errorResponse(null, -32603, 'Too many open MCP sessions; try again later'));
        }
        s = this.newSession(who);
        fresh = true;
      } else if (this.o.gateway.o.upstream.kind === 'http') {
        s = this.newSession(who, true);
        stateless = true;
      } else {
        return jsonError(res, 400, errorResponse(null, INVALID_REQUEST, 'Bad Request: Mcp-Session-Id header required (initialize first)'));
      }
    }
    const session = s;
    // A cancelled request gets no answer: its POST stream stops waiting for one.
    for (const m of items) {
      const p = (m as Message).params as { requestId?: unknown } | undefined;
      if ((m as Message).method !== 'notifications/cancelled' || p === undefined || p === null) continue;
      const k = idKey(p.requestId);
      const st = session.owner.get(k);
      if (st === undefined) continue;
      session.owner.delete(k);
      st.pending.delete(k);
      if (st.pending.size === 0) session.finish(st);
    }
    if (requests.length === 0) {
      // Notifications and responses only (or nothing valid): accepted, nothing to wait for.
      if (items.some((m) => kindOf(m) !== 'invalid')) session.relay.fromClientValue(body, meta);
      res.writeHead(items.every((m) => kindOf(m) === 'invalid') ? 400 : 202).end();
      return;
    }
    const wantsSse = (req.headers.accept ?? '').includes('text/event-stream');
    const stream = new PostStream(res, wantsSse);
    for (const m of requests) {
      const k = idKey(m.id);
      stream.pending.add(k);
      session.owner.set(k, stream);
    }
    session.streams.add(stream);
    if (fresh) res.setHeader('mcp-session-id', session.id);
    if (wantsSse) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.flushHeaders();
    }
    res.on('close', () => {
      stream.open = false;
      session.streams.delete(stream);
      for (const k of stream.pending) if (session.owner.get(k) === stream) session.owner.delete(k);
      if (stateless) void session.relay.close();
    });
    session.relay.fromClientValue(body, meta);
  }

  private newSession(who: Principal, stateless = false): HttpSession {
    const s = new HttpSession(randomUUID(), who.subject);
    const info: SessionInfo = { subject: who.subject };
    if (who.agent !== undefined) info.agent = who.agent;
    s.relay = this.o.gateway.openSession(info, {
      sink: { send: (text, route) => s.send(text, route) },
      stateless,
      onUpstreamGone: (why) => {
        this.o.logger?.warn({ session: s.id, why }, 'MCP server of a session went away; session closed');
        this.drop(s, why);
      },
    });
    if (!stateless) this.sessions.set(s.id, s);
    return s;
  }

  /** Ends a session; requests still waiting get a JSON-RPC error rather than a silent end. */
  private drop(s: HttpSession, why: string): void {
    this.sessions.delete(s.id);
    s.get?.end();
    for (const st of [...s.streams]) {
      for (const k of [...st.pending]) s.send(errorResponse(keyId(k), -32603, `MCP session ended: ${why}`), { ids: [k] });
      st.open = false;
      st.res.end();
    }
    void this.o.gateway.closeSession(s.relay);
  }

  private getStream(req: IncomingMessage, res: ServerResponse, who: Principal): void {
    req.resume();
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      res.writeHead(406).end();
      return;
    }
    const s = this.session(req, res, who);
    if (s === undefined) return;
    if (s === null) {
      jsonError(res, 400, errorResponse(null, INVALID_REQUEST, 'Bad Request: Mcp-Session-Id header required'));
      return;
    }
    if (s.get !== undefined) {
      jsonError(res, 409, errorResponse(null, INVALID_REQUEST, 'Conflict: only one GET stream per session'));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    s.openGet(res);
    res.on('close', () => {
      if (s.get === res) s.get = undefined;
    });
  }

  private del(req: IncomingMessage, res: ServerResponse, who: Principal): void {
    req.resume();
    const s = this.session(req, res, who);
    if (s === undefined) return;
    if (s === null) {
      jsonError(res, 400, errorResponse(null, INVALID_REQUEST, 'Bad Request: Mcp-Session-Id header required'));
      return;
    }
    this.drop(s, 'client ended the session');
    res.writeHead(200).end();
  }

  private ops(path: string, req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (path === '/healthz') {
      return jsonOk(res, { status: 'ok', policy_loaded: this.o.source.ready(), source: this.o.source.kind, sessions: this.sessions.size });
    }
    if (path === '/readyz') {
      const ready = this.o.source.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ready ? { status: 'ready' } : { status: 'not ready', reason: 'no policy loaded yet' }));
      return;
    }
    if (path === '/metrics' && this.o.metrics !== undefined) {
      const m = this.o.metrics;
      void m.render().then((t) => {
        res.writeHead(200, { 'content-type': m.contentType });
        res.end(t);
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  }
}

/** Headers passed on to an HTTP upstream: protocol version and the 2026-07-28 parameter mirrors. */
function mcpHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v !== 'string') continue;
    if (k === 'mcp-protocol-version' || k.startsWith('mcp-param-')) out[k] = v;
  }
  return out;
}

/** The id back from its idKey. */
function keyId(k: string): string | number {
  return k[0] === 'n' ? Number(k.slice(1)) : k.slice(1);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function jsonError(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function jsonOk(res: ServerResponse, v: unknown): void {
  const body = JSON.stringify(v);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
