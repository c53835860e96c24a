// The HTTP server, on node:http directly. Hot path for a decision: one switch on the URL, a body
// read with a size limit, a depth scan, one JSON.parse, in-place normalisation, one call to the
// policy's decide function, one response string.

import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { BearerAuth, WWW_AUTHENTICATE } from './auth.js';
import type { DecisionLog } from './decision-log.js';
import { FastHttp } from './fast-http.js';
import { AgentMetrics, type RouteId } from './metrics.js';
import { isJsonContentType, mergeItem, normalise, readBatch, tooDeep, validate } from './request.js';
import { renderError, renderItem, renderItemError, renderSingle } from './render.js';
import { SEARCH_DEFAULTS, SearchHandler, type SearchKind } from './search.js';
import type { AgentState, Decide, Decision, EvaluationInput, Reply, RequestHeaders } from './types.js';

export interface ServerOptions {
  state: AgentState;
  metrics: AgentMetrics;
  logger: Logger;
  /** Present when decision logging is on. */
  decisionLog?: DecisionLog;
  /** Called after every decision (e.g. audit forwarding in cloud mode); must not block. */
  onDecision?: (input: EvaluationInput, decision: Decision, ms: number, requestId: string) => void;
  /** When non-empty, /access/v1/* requires `Authorization: Bearer <secret>`. */
  clientSecret?: string;
  maxBodyBytes: number;
  maxDepth: number;
  /** eval_timeout (ms, 0 = none): a batch stops evaluating once it has spent this; the rest is denied. */
  evalTimeoutMs?: number;
  /** Base URL for the AuthZEN metadata; '' → taken from the request's Host header. */
  publicUrl?: string;
  version: string;
  /** Search budgets (docs/search.md): candidates examined per request, and ms per request. */
  searchMaxCandidates?: number;
  searchTimeout?: number;
  /** max_connections: open connections beyond this are closed as soon as accepted (0 or absent = no limit). */
  maxConnections?: number;
  /** The decision endpoints' fast path in front of node:http (fast-http.ts); on unless false. */
  fastHttp?: boolean;
  /** How long an idle keep-alive connection stays open (ms; default 5000). */
  keepAliveTimeoutMs?: number;
}

/** While connections are being refused, at most one warning per this interval (with the count). */
const DROP_LOG_INTERVAL_MS = 60_000;

const R_EVAL = 0;
const R_EVALS = 1;
const R_WELLKNOWN = 2;
const R_HEALTH = 3;
const R_READY = 4;
const R_METRICS = 5;
const R_OTHER = 6;
const R_SEARCH_SUBJECT = 7; // the search routes come last (see ROUTES in metrics.ts)
const R_SEARCH_RESOURCE = 8;
const R_SEARCH_ACTION = 9;
const SEARCH_KINDS: SearchKind[] = ['subject', 'resource', 'action'];

const EVAL_PATH = '/access/v1/evaluation';
const EVALS_PATH = '/access/v1/evaluations';
const WELLKNOWN_PATH = '/.well-known/authzen-configuration';
const SEARCH_SUBJECT_PATH = '/access/v1/search/subject';
const SEARCH_RESOURCE_PATH = '/access/v1/search/resource';
const SEARCH_ACTION_PATH = '/access/v1/search/action';

const JSON_TYPE = 'application/json';

/** On shutdown, how long idle keep-alive connections may still deliver a request (see close). */
const KEEPALIVE_GRACE_MS = 1000;
const KEEPALIVE_TIMEOUT_MS = 5000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Batch items left when the request's evaluation time budget is spent: denied as an evaluation error. */
const BUDGET_SPENT: Decision = Object.freeze({
  allowed: false,
  reason: 'policy evaluation error',
  extra: '',
  error: Object.assign(new Error('the batch exceeded its evaluation time budget (eval_timeout)'), { code: 'eval_budget_error' }),
});

type Headers = string[];

export class AgentServer {
  readonly http: Server;
  private readonly auth: BearerAuth | undefined;
  private readonly searcher: SearchHandler;
  /** The fast path in front of node:http, unless turned off (fastHttp: false). */
  readonly fast: FastHttp | undefined;
  private readonly idPrefix = randomBytes(4).toString('hex') + '-';
  private seq = 0;
  private closing = false;

  constructor(private readonly o: ServerOptions) {
    this.auth = o.clientSecret ? new BearerAuth(o.clientSecret) : undefined;
    this.searcher = new SearchHandler({
      state: o.state,
      logger: o.logger,
      metrics: o.metrics,
      maxCandidates: o.searchMaxCandidates ?? SEARCH_DEFAULTS.maxCandidates,
      timeoutMs: o.searchTimeout ?? SEARCH_DEFAULTS.timeoutMs,
    });
    // requireHostHeader off: Node's own 400 for a Host-less HTTP/1.1 request has no JSON body.
    this.http = createServer(
      { keepAliveTimeout: o.keepAliveTimeoutMs ?? KEEPALIVE_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, requireHostHeader: false },
      (req, res) => this.handle(req, res),
    );
    this.http.on('clientError', (e: NodeJS.ErrnoException, socket: Socket) => this.clientError(e, socket));
    this.fast = o.fastHttp === false ? undefined : this.frontWithFastPath();
    if (o.maxConnections !== undefined && o.maxConnections > 0) {
      // Node accepts the connection and closes it at once (the client sees a reset or EOF), then emits 'drop'.
      this.http.maxConnections = o.maxConnections;
      this.http.on('drop', () => this.dropped());
    }
  }

  private dropsUnlogged = 0;
  private lastDropLog = -Infinity;

  /** A connection refused by max_connections: counted; logged at most once a minute. */
  private dropped(): void {
    this.o.metrics.connectionsRejected.inc();
    this.dropsUnlogged++;
    const now = performance.now();
    if (now - this.lastDropLog >= DROP_LOG_INTERVAL_MS) {
      this.o.logger.warn(
        { max_connections: this.o.maxConnections, refused: this.dropsUnlogged },
        'max_connections reached: new connections are closed at once',
      );
      this.lastDropLog = now;
      this.dropsUnlogged = 0;
    }
  }

  /**
   * Puts the fast path (fast-http.ts) in front of node:http: new connections go to it, and it
   * hands them to node:http's own connection listener at the first request it does not answer.
   */
  private frontWithFastPath(): FastHttp | undefined {
    const listeners = this.http.listeners('connection');
    if (listeners.length !== 1) return undefined; // not the http.Server this was written against
    const nodeListener = listeners[0] as (socket: Socket) => void;
    this.http.removeListener('connection', nodeListener);
    const fast = new FastHttp({
      routes: new Map([
        [EVAL_PATH, R_EVAL],
        [EVALS_PATH, R_EVALS],
      ]),
      handler: (route, h, body, reply) => this.fastRequest(route as RouteId, h, body, reply),
      handoff: (socket) => nodeListener.call(this.http, socket),
      maxBodyBytes: this.o.maxBodyBytes,
      keepAliveTimeoutMs: this.o.keepAliveTimeoutMs ?? KEEPALIVE_TIMEOUT_MS,
      firstRequestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
    this.http.on('connection', (socket: Socket) => fast.accept(socket));
    return fast;
  }

  /** Sets (or clears) the hook called after every decision. */
  setOnDecision(hook: ServerOptions['onDecision']): void {
    this.o.onDecision = hook;
  }

  /** Listens on host:port (port 0 → a free port) and resolves with the bound address. */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.http.once('error', onError);
      this.http.listen({ host: host === '' ? undefined : host, port }, () => {
        this.http.off('error', onError);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  /**
   * Graceful stop: no new connections, in-flight requests finish (their responses carry
   * `Connection: close`); after `timeoutMs` the rest are cut. Idle keep-alive connections are not
   * dropped at once (as http.Server#close would): a request a client is writing onto one at this
   * instant would be lost unanswered. For KEEPALIVE_GRACE_MS such requests are answered (with
   * `Connection: close`), then the connections still idle are closed.
   */
  close(timeoutMs: number): Promise<void> {
    this.closing = true;
    this.fast?.startClosing();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.http.closeAllConnections();
        this.fast?.closeAll(true);
      }, timeoutMs);
      const grace = setTimeout(
        () => {
          this.http.closeIdleConnections();
          this.fast?.closeAll(false); // fast-path connections are idle between reads
        },
        Math.min(KEEPALIVE_GRACE_MS, timeoutMs),
      );
      NetServer.prototype.close.call(this.http, () => {
        clearTimeout(timer);
        clearTimeout(grace);
        resolve();
      });
    });
  }

  /**
   * A request Node's parser refused (bad request line or header, header overflow, request timeout):
   * a JSON error like every other answer, as Node's default handler would answer it otherwise —
   * only when no response on this connection has started — then the connection is closed.
   */
  private clientError(e: NodeJS.ErrnoException, socket: Socket): void {
    const pending = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (e.code !== 'ECONNRESET' && socket.writable && (!pending || !pending.headersSent)) {
      const status = e.code === 'HPE_HEADER_OVERFLOW' ? 431 : e.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const msg = status === 431 ? 'request headers too large' : status === 408 ? 'request timed out' : `malformed HTTP request (${e.code ?? 'parse error'})`;
      const body = renderError(msg);
      this.o.metrics.recordRequest(R_OTHER, status);
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    }
    socket.destroy();
  }

  private requestId(h: RequestHeaders): string {
    return h.requestId !== undefined && h.requestId !== '' ? h.requestId : this.idPrefix + (++this.seq).toString(36);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const h = scanHeaders(req.rawHeaders);
    const id = this.requestId(h);
    let url = req.url as string;
    const q = url.indexOf('?');
    if (q !== -1) url = url.slice(0, q);
    switch (url) {
      case EVAL_PATH:
        return this.post(req, res, R_EVAL, id, h);
      case EVALS_PATH:
        return this.post(req, res, R_EVALS, id, h);
      case SEARCH_SUBJECT_PATH:
        return this.post(req, res, R_SEARCH_SUBJECT, id, h);
      case SEARCH_RESOURCE_PATH:
        return this.post(req, res, R_SEARCH_RESOURCE, id, h);
      case SEARCH_ACTION_PATH:
        return this.post(req, res, R_SEARCH_ACTION, id, h);
      case WELLKNOWN_PATH:
        if (this.get(req, res, R_WELLKNOWN, id)) this.wellKnown(req, res, id);
        return;
      case '/healthz':
        if (this.get(req, res, R_HEALTH, id)) this.health(res, id);
        return;
      case '/readyz':
        if (this.get(req, res, R_READY, id)) this.ready(res, id);
        return;
      case '/metrics':
        if (this.get(req, res, R_METRICS, id)) this.metrics(res, id);
        return;
      default:
        req.resume();
        return this.send(res, R_OTHER, 404, renderError(`not found: ${url}`), id);
    }
  }

  private send(res: ServerResponse, route: RouteId, status: number, body: string | Buffer, id: string, extra?: readonly string[]): void {
    this.o.metrics.recordRequest(route, status);
    this.write(res, status, body, id, extra);
  }

  /** @internal (NodeReply) */
  write(res: ServerResponse, status: number, body: string | Buffer, id: string, extra?: readonly string[]): void {
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const headers: Headers = ['content-type', JSON_TYPE, 'content-length', String(length), 'x-request-id', id];
    if (extra !== undefined) headers.push(...extra);
    if (this.closing) headers.push('connection', 'close');
    res.writeHead(status, headers);
    res.end(body);
  }

  /** An answer to a decision or search request, counted in the request metrics. */
  private answer(reply: Reply, route: RouteId, status: number, body: string, id: string, extra?: readonly string[]): void {
    this.o.metrics.recordRequest(route, status);
    reply.send(status, body, id, extra);
  }

  // ---- AuthZEN endpoints ----

  /** The header checks every AuthZEN POST passes first: client secret, then content type. */
  private refuse(h: RequestHeaders): { status: number; msg: string; extra?: string[] } | undefined {
    if (this.auth !== undefined) {
      const result = this.auth.check(h.authorization);
      if (result !== 'ok') {
        const challenge = result === 'invalid' ? WWW_AUTHENTICATE + ', error="invalid_token"' : WWW_AUTHENTICATE;
        const msg = result === 'invalid' ? 'invalid bearer token' : 'missing bearer token (Authorization: Bearer <client secret>)';
        return { status: 401, msg, extra: ['www-authenticate', challenge] };
      }
    }
    if (!isJsonContentType(h.contentType)) {
      const got = h.contentType === undefined ? 'none' : JSON.stringify(h.contentType);
      return { status: 400, msg: `content type must be application/json (got ${got})` };
    }
    return undefined;
  }

  /** A complete decision request read by the fast path (fast-http.ts). */
  private fastRequest(route: RouteId, h: RequestHeaders, buf: Buffer, reply: Reply): void {
    const id = this.requestId(h);
    const refused = this.refuse(h);
    if (refused !== undefined) return this.answer(reply, route, refused.status, renderError(refused.msg), id, refused.extra);
    this.body(reply, route, id, buf);
  }

  /**
   * A request whose headers passed, with its body read: parsed, then decided or searched (search
   * routes come only from node:http, with their response for the client-gone check).
   */
  private body(reply: Reply, route: RouteId, id: string, buf: Buffer | undefined, res?: ServerResponse): void {
    const before = reply.responses;
    try {
      const parsed = this.parse(reply, route, id, buf);
      if (parsed === undefined) return;
      if (route >= R_SEARCH_SUBJECT && res !== undefined) this.search(res, route, id, parsed);
      else this.decisions(reply, route, id, parsed);
    } catch (e) {
      // A bug, not a policy error (those are caught in decide): answer 500, which PEPs treat as deny.
      this.o.logger.error({ request_id: id, err: e }, 'internal error while handling a decision request');
      if (reply.responses === before) this.answer(reply, route, 500, renderError('internal error'), id);
    }
  }

  private post(req: IncomingMessage, res: ServerResponse, route: RouteId, id: string, h: RequestHeaders): void {
    if (req.method !== 'POST') {
      req.resume();
      return this.send(res, route, 405, renderError(`method ${req.method} not allowed; use POST`), id, ['allow', 'POST']);
    }
    const refused = this.refuse(h);
    if (refused !== undefined) {
      req.resume();
      return this.send(res, route, refused.status, renderError(refused.msg), id, refused.extra);
    }
    const limit = this.o.maxBodyBytes;
    const declared = h.contentLength;
    if (declared !== undefined && Number(declared) > limit) return this.tooLarge(req, res, route, id, Number(declared));

    let first: Buffer | undefined;
    let rest: Buffer[] | undefined;
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        return this.tooLarge(req, res, route, id);
      }
      if (first === undefined) first = chunk;
      else (rest ??= [first]).push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      this.body(new NodeReply(this, res), route, id, rest !== undefined ? Buffer.concat(rest, size) : first, res);
    });
  }

  /**
   * 413. The rest of the body is read and discarded (up to 4 × max_body_bytes, and within the
   * request timeout) so the client can read the answer: closing while it still sends would make
   * its kernel drop our response on the reset. Beyond that the connection is cut.
   */
  private tooLarge(req: IncomingMessage, res: ServerResponse, route: RouteId, id: string, declared?: number): void {
    const cap = 4 * this.o.maxBodyBytes;
    let drained = 0;
    req.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > cap) req.socket.destroy();
    });
    req.resume();
    const msg = `request body exceeds ${this.o.maxBodyBytes} bytes`;
    this.send(res, route, 413, renderError(msg), id, declared !== undefined && declared > cap ? ['connection', 'close'] : undefined);
  }

  /** The request body as a JSON object; otherwise answers 400 and returns undefined. */
  private parse(reply: Reply, route: RouteId, id: string, buf: Buffer | undefined): Record<string, unknown> | undefined {
    let problem: string;
    if (buf === undefined || buf.length === 0) problem = 'request body is empty';
    else if (tooDeep(buf, this.o.maxDepth)) problem = `request JSON nests deeper than ${this.o.maxDepth} levels`;
    else {
      let body: unknown;
      try {
        body = JSON.parse(buf.toString('utf8'));
      } catch (e) {
        this.answer(reply, route, 400, renderError(`malformed JSON: ${(e as Error).message}`), id);
        return undefined;
      }
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
      problem = 'request body must be a JSON object';
    }
    this.answer(reply, route, 400, renderError(problem), id);
    return undefined;
  }

  /** /access/v1/evaluation and /evaluations, on a parsed body. */
  private decisions(reply: Reply, route: RouteId, id: string, req: Record<string, unknown>): void {
    if (route === R_EVALS) {
      const batch = readBatch(req);
      if (typeof batch === 'string') return this.answer(reply, route, 400, renderError(batch), id);
      if (batch !== undefined) {
        const decide = this.o.state.decide;
        if (decide === undefined) return this.notReady(reply, route, id);
        normalise(req);
        const semantic = batch.semantic;
        const budget = this.o.evalTimeoutMs ?? 0;
        const t0 = budget > 0 ? performance.now() : 0;
        let spent = false;
        let out = '{"evaluations":[';
        for (let i = 0; i < batch.items.length; i++) {
          if (i > 0) out += ',';
          const m = mergeItem(req, batch.items[i]);
          let allowed: boolean;
          if ('problem' in m) {
            out += renderItemError(400, m.problem);
            allowed = false;
          } else {
            if (!spent && budget > 0 && i > 0 && performance.now() - t0 > budget) {
              spent = true;
              this.o.logger.error({ request_id: id, items_left: batch.items.length - i, budget_ms: budget }, 'batch exceeded the evaluation time budget; the remaining items are denied');
            }
            const d = spent ? this.budgetSpent(m.input, id) : this.decideOne(decide, m.input, id);
            out += renderItem(d);
            allowed = d.allowed;
          }
          if (allowed ? semantic === 'permit_on_first_permit' : semantic === 'deny_on_first_deny') break;
        }
        return this.answer(reply, route, 200, out + ']}', id);
      }
    }
    normalise(req);
    const problem = validate(req);
    if (problem !== undefined) return this.answer(reply, route, 400, renderError(problem), id);
    const decide = this.o.state.decide;
    if (decide === undefined) return this.notReady(reply, route, id);
    const d = this.decideOne(decide, req as EvaluationInput, id);
    this.answer(reply, route, 200, renderSingle(d), id);
  }

  private decideOne(decide: Decide, input: EvaluationInput, id: string): Decision {
    const t0 = performance.now();
    const d = decide(input);
    const ms = performance.now() - t0;
    this.o.metrics.recordDecision(d.allowed, d.accessPath, ms / 1000);
    if (this.o.decisionLog !== undefined) this.o.decisionLog.record(input, d, ms);
    if (this.o.onDecision !== undefined) this.o.onDecision(input, d, ms, id);
    if (d.error !== undefined) {
      this.o.metrics.recordEvaluationError(d.error);
      this.o.logger.error({ request_id: id, error: errorText(d.error) }, 'policy evaluation error');
    }
    return d;
  }

  /** A search runs asynchronously (it yields between slices of candidates); see search.ts. */
  private search(res: ServerResponse, route: RouteId, id: string, body: Record<string, unknown>): void {
    let gone = false;
    res.once('close', () => (gone = true));
    this.searcher.handle(SEARCH_KINDS[route - R_SEARCH_SUBJECT], body, id, () => gone).then(
      (r) => {
        if (r !== undefined && !res.headersSent) this.send(res, route, r.status, r.body, id, r.headers);
      },
      (e: unknown) => {
        this.o.logger.error({ request_id: id, err: e }, 'internal error while handling a search request');
        if (!res.headersSent) this.send(res, route, 500, renderError('internal error'), id);
      },
    );
  }

  /** A batch item not evaluated because the request's time budget is spent (logged once per batch). */
  private budgetSpent(input: EvaluationInput, id: string): Decision {
    const d = BUDGET_SPENT;
    this.o.metrics.recordDecision(false, undefined, 0);
    this.o.metrics.recordEvaluationError(d.error);
    if (this.o.decisionLog !== undefined) this.o.decisionLog.record(input, d, 0);
    if (this.o.onDecision !== undefined) this.o.onDecision(input, d, 0, id);
    return d;
  }

  private notReady(reply: Reply, route: RouteId, id: string): void {
    this.answer(reply, route, 503, renderError('no policy loaded yet'), id, ['retry-after', '1']);
  }

  // ---- Operations endpoints ----

  /** Method check for GET endpoints; answers 405 itself and returns false for other methods. */
  private get(req: IncomingMessage, res: ServerResponse, route: RouteId, id: string): boolean {
    req.resume();
    if (req.method === 'GET' || req.method === 'HEAD') return true;
    this.send(res, route, 405, renderError(`method ${req.method} not allowed; use GET`), id, ['allow', 'GET, HEAD']);
    return false;
  }

  private health(res: ServerResponse, id: string): void {
    const s = this.o.state;
    const now = Date.now();
    const body: Record<string, unknown> = {
      status: s.degraded ? 'degraded' : 'ok',
      mode: s.mode,
      policy_loaded: s.decide !== undefined,
      degraded: s.degraded,
      version: this.o.version,
      uptime_seconds: Math.round((now - s.startedAt) / 1000),
    };
    if (s.revision !== '') body.bundle_revision = s.revision;
    if (s.lastSync > 0) {
      body.last_sync = new Date(s.lastSync).toISOString();
      body.last_sync_age_seconds = Math.round((now - s.lastSync) / 100) / 10;
    }
    this.send(res, R_HEALTH, 200, JSON.stringify(body), id);
  }

  private ready(res: ServerResponse, id: string): void {
    if (this.o.state.decide !== undefined) return this.send(res, R_READY, 200, '{"status":"ready"}', id);
    this.send(res, R_READY, 503, '{"status":"not ready","reason":"no policy loaded yet"}', id);
  }

  private metrics(res: ServerResponse, id: string): void {
    this.o.metrics.render().then(
      (text) => {
        this.o.metrics.recordRequest(R_METRICS, 200);
        res.writeHead(200, [
          'content-type',
          this.o.metrics.contentType,
          'content-length',
          String(Buffer.byteLength(text)),
          'x-request-id',
          id,
        ]);
        res.end(text);
      },
      (e: unknown) => {
        this.o.logger.error({ err: e }, 'metrics rendering failed');
        this.send(res, R_METRICS, 500, renderError('metrics unavailable'), id);
      },
    );
  }

  private wellKnown(req: IncomingMessage, res: ServerResponse, id: string): void {
    let base = this.o.publicUrl ?? '';
    if (base === '') {
      const host = req.headers.host;
      base = 'http://' + (host !== undefined && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? host : 'localhost');
    }
    base = base.replace(/\/+$/, '');
    const body = JSON.stringify({
      policy_decision_point: base,
      access_evaluation_endpoint: base + EVAL_PATH,
      access_evaluations_endpoint: base + EVALS_PATH,
      search_subject_endpoint: base + SEARCH_SUBJECT_PATH,
      search_action_endpoint: base + SEARCH_ACTION_PATH,
      search_resource_endpoint: base + SEARCH_RESOURCE_PATH,
    });
    this.send(res, R_WELLKNOWN, 200, body, id, ['cache-control', 'max-age=300']);
  }
}

/**
 * The four request headers the decision endpoints read, in one pass over rawHeaders — cheaper than
 * having Node build the whole req.headers object. First value wins, except X-Request-ID, whose
 * repeated values are joined with ", " as Node does for unknown headers.
 */
function scanHeaders(raw: string[]): RequestHeaders {
  const h: RequestHeaders = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    switch (name.length) {
      case 12: {
        const n = name.toLowerCase();
        if (n === 'content-type') h.contentType ??= raw[i + 1];
        else if (n === 'x-request-id') h.requestId = h.requestId === undefined ? raw[i + 1] : h.requestId + ', ' + raw[i + 1];
        break;
      }
      case 14:
        if (h.contentLength === undefined && name.toLowerCase() === 'content-length') h.contentLength = raw[i + 1];
        break;
      case 13:
        if (h.authorization === undefined && name.toLowerCase() === 'authorization') h.authorization = raw[i + 1];
        break;
    }
  }
  return h;
}

/** A node:http response as a Reply. */
class NodeReply implements Reply {
  responses = 0;
  constructor(
    private readonly server: AgentServer,
    private readonly res: ServerResponse,
  ) {}

  send(status: number, body: string, id: string, extra?: readonly string[]): void {
    this.responses++;
    this.server.write(this.res, status, body, id, extra);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
