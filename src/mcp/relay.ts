// The relay: one MCP session between one client and one upstream server, independent of transports.
//
// Client → server: every message is parsed once. Requests whose method is held (tools/call, and
// resources/read / prompts/get when enabled) are authorized first; everything else — other
// requests, notifications (cancellation, progress, initialized, roots changes), responses to the
// server's own requests (sampling, elicitation, roots/list), unknown methods — goes straight on.
// What is forwarded is the parsed message serialised again, never the client's raw text: a message
// with duplicate keys is therefore sent exactly as the gateway understood (and authorized) it.
// Ids, params, _meta (progress tokens, cursors) are untouched.
//
// Batches: each element is handled as above (a denied element is answered by the gateway, so a
// batch cannot smuggle a call); allowed elements go upstream one by one, and the answers are put
// back together into one batch response for the client.
//
// Server → client: forwarded as received, except the answer to `initialize` (capabilities.tools
// gets listChanged: true) and answers to tools/list (filtered by the policy).
//
// Order: messages of one direction keep their order. With the in-process engine a decision is
// synchronous and nothing waits; with a remote PDP later messages queue behind a held one.

import type { Logger } from 'pino';
import type { Authorizer } from './authorizer.js';
import { INVALID_REQUEST, PARSE_ERROR, errorResponse, idKey, isObject, kindOf, notification, type Message } from './jsonrpc.js';
import type { Holdable, SessionInfo } from './request.js';

/** Where a message for the client belongs (used by the HTTP downstream to pick a stream). */
export interface Route {
  /** The request ids (idKey) this message answers; set for responses and batch responses. */
  ids?: string[];
  /** The client request this message belongs to (progress, a sampling request during a call, ...). */
  related?: string;
}

export interface ClientSink {
  send(text: string, route: Route): void;
}

/** Extra HTTP details of a client message, passed on to an HTTP upstream. */
export interface ForwardMeta {
  headers?: Record<string, string>;
}

export interface UpstreamPeer {
  /** One message (never a batch) for the server. */
  send(text: string, msg: Message, meta: ForwardMeta | undefined): void;
  /** Ends the upstream; `graceMs` bounds each wait for a stdio server to exit (0 = at once). */
  close(graceMs?: number): Promise<void>;
}

export interface RelayOptions {
  authorizer: Authorizer;
  /** Methods held for a decision. */
  hold: ReadonlySet<string>;
  filterList: boolean;
  info: SessionInfo;
  logger?: Logger;
}

/** Runs work items one after another; synchronous work runs at once when nothing is pending. */
export class Lane {
  private tail: Promise<void> | undefined;

  push(work: () => void | Promise<void>): void {
    if (this.tail === undefined) {
      const r = work();
      if (r instanceof Promise) this.track(r);
      return;
    }
    this.track(this.tail.then(work));
  }

  private track(p: Promise<void>): void {
    const t: Promise<void> = p.catch(() => undefined).then(() => {
      if (this.tail === t) this.tail = undefined;
    });
    this.tail = t;
  }
}

/** Collects the answers to one client batch. */
class BatchAnswer {
  readonly parts: string[] = [];
  readonly ids: string[] = [];
  expected = 0;
  sealed = false;

  constructor(private readonly done: (b: BatchAnswer) => void) {}

  add(text: string): void {
    this.parts.push(text);
    this.check();
  }

  seal(): void {
    this.sealed = true;
    this.check();
  }

  /** A request of the batch was cancelled: no answer is waited for. */
  drop(key: string): void {
    this.expected--;
    const i = this.ids.indexOf(key);
    if (i !== -1) this.ids.splice(i, 1);
    this.check();
  }

  private check(): void {
    if (this.sealed && this.parts.length >= this.expected) this.done(this);
  }
}

export class Relay {
  upstream!: UpstreamPeer;
  sink!: ClientSink;
  readonly info: SessionInfo;
  private readonly toServer = new Lane();
  private readonly toClient = new Lane();
  private initId: string | undefined;
  private initialized = false;
  private readonly listIds = new Set<string>();
  private readonly batches = new Map<string, BatchAnswer>();
  /** progress token key → request key, and back (for routing progress to the right HTTP stream). */
  private readonly progress = new Map<string, string>();
  private readonly progressOf = new Map<string, string>();
  private closed = false;

  constructor(private readonly o: RelayOptions) {
    this.info = o.info;
  }

  // ---- client → server ----

  /** One line / POST body from the client. */
  fromClient(text: string, meta?: ForwardMeta): void {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      this.sink.send(errorResponse(null, PARSE_ERROR, 'Parse error: the message is not valid JSON'), {});
      return;
    }
    this.fromClientValue(v, meta);
  }

  fromClientValue(v: unknown, meta?: ForwardMeta): void {
    if (Array.isArray(v)) return this.batch(v, meta);
    this.toServer.push(() => this.one(v, meta, undefined));
  }

  private batch(items: unknown[], meta: ForwardMeta | undefined): void {
    if (items.length === 0) {
      this.sink.send(errorResponse(null, INVALID_REQUEST, 'Invalid Request: empty batch'), {});
      return;
    }
    const b = new BatchAnswer((done) => {
      for (const k of done.ids) this.batches.delete(k);
      if (done.parts.length > 0) this.sink.send('[' + done.parts.join(',') + ']', { ids: done.ids });
    });
    for (const item of items) {
      const kind = kindOf(item);
      if (kind === 'request') {
        const k = idKey((item as Message).id);
        b.expected++;
        b.ids.push(k);
        this.batches.set(k, b);
      } else if (kind === 'invalid') b.expected++;
    }
    for (const item of items) this.toServer.push(() => this.one(item, meta, b));
    this.toServer.push(() => b.seal());
  }

  private one(v: unknown, meta: ForwardMeta | undefined, batch: BatchAnswer | undefined): void | Promise<void> {
    if (this.closed) return;
    const kind = kindOf(v);
    if (kind === 'invalid') {
      const id = isObject(v) ? v.id : null;
      this.answer(undefined, errorResponse(id, INVALID_REQUEST, 'Invalid Request'), batch);
      return;
    }
    const msg = v as Message;
    if (kind === 'notification' && msg.method === 'notifications/cancelled' && isObject(msg.params)) {
      const k = idKey(msg.params.requestId);
      this.forgetRequest(k); // no answer will come
      const b = this.batches.get(k);
      if (b !== undefined) {
        this.batches.delete(k);
        b.drop(k);
      }
    }
    if (kind === 'request') {
      const method = msg.method as string;
      const key = idKey(msg.id);
      const params = msg.params;
      if (method === 'initialize') this.noteInitialize(key, params);
      else if (method === 'tools/list' && this.o.filterList) this.listIds.add(key);
      if (isObject(params) && isObject(params._meta) && params._meta.progressToken !== undefined) {
        const tk = idKey(params._meta.progressToken);
        this.progress.set(tk, key);
        this.progressOf.set(key, tk);
      }
      if (this.o.hold.has(method)) {
        const verdict = this.o.authorizer.check(method as Holdable, params, this.info);
        if (verdict instanceof Promise) {
          return verdict.then((r) => {
            if (r.allowed) this.forward(msg, meta);
            else this.refuse(key, this.o.authorizer.denial(msg.id, method as Holdable, r), batch);
          });
        }
        if (verdict.allowed) this.forward(msg, meta);
        else this.refuse(key, this.o.authorizer.denial(msg.id, method as Holdable, verdict), batch);
        return;
      }
    }
    this.forward(msg, meta);
  }

  private forward(msg: Message, meta: ForwardMeta | undefined): void {
    this.upstream.send(JSON.stringify(msg), msg, meta);
  }

  /** A held request answered by the gateway itself. */
  private refuse(key: string, text: string, batch: BatchAnswer | undefined): void {
    this.forgetRequest(key);
    this.answer(key, text, batch);
  }

  private answer(key: string | undefined, text: string, batch: BatchAnswer | undefined): void {
    if (batch !== undefined) batch.add(text);
    else this.sink.send(text, key === undefined ? {} : { ids: [key] });
  }

  private noteInitialize(key: string, params: unknown): void {
    this.initId = key;
    if (!isObject(params)) return;
    if (isObject(params.clientInfo)) this.info.client = params.clientInfo;
    if (typeof params.protocolVersion === 'string') this.info.protocolVersion = params.protocolVersion;
  }

  private forgetRequest(key: string): void {
    this.listIds.delete(key);
    const tk = this.progressOf.get(key);
    if (tk !== undefined) {
      this.progressOf.delete(key);
      this.progress.delete(tk);
    }
  }

  // ---- server → client ----

  /** One message from the server; `related` is the client request it came with (HTTP upstream). */
  fromServer(text: string, related?: string): void {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      this.o.logger?.warn({ message: text.slice(0, 200) }, 'upstream sent a message that is not JSON; passed on as is');
      this.toClient.push(() => this.sink.send(text, related === undefined ? {} : { related }));
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) this.fromServerValue(JSON.stringify(item), item, related);
      return;
    }
    this.fromServerValue(text, v, related);
  }

  private fromServerValue(text: string, v: unknown, related: string | undefined): void {
    this.toClient.push(() => this.toClientOne(text, v, related));
  }

  private toClientOne(text: string, v: unknown, related: string | undefined): void | Promise<void> {
    const kind = kindOf(v);
    const msg = v as Message;
    if (kind === 'response') {
      const key = idKey(msg.id);
      if (key === this.initId) {
        this.initId = undefined;
        text = this.initializeResult(text, msg);
      } else if (this.listIds.has(key)) {
        const r = this.filterList(text, msg);
        this.forgetRequest(key);
        if (r instanceof Promise) return r.then((t) => this.deliver(key, t));
        return this.deliver(key, r);
      }
      this.forgetRequest(key);
      return this.deliver(key, text);
    }
    if (kind === 'notification' && msg.method === 'notifications/progress' && isObject(msg.params)) {
      const owner = this.progress.get(idKey(msg.params.progressToken));
      if (owner !== undefined) related = owner;
    }
    this.sink.send(text, related === undefined ? {} : { related });
  }

  private deliver(key: string, text: string): void {
    const b = this.batches.get(key);
    if (b !== undefined) b.add(text);
    else this.sink.send(text, { ids: [key] });
  }

  /** The initialize answer advertises tools.listChanged: the gateway sends it when the policy changes. */
  private initializeResult(text: string, msg: Message): string {
    this.initialized = true;
    if (!this.o.filterList || !isObject(msg.result) || !isObject(msg.result.capabilities)) return text;
    const tools = msg.result.capabilities.tools;
    if (!isObject(tools) || tools.listChanged === true) return text;
    tools.listChanged = true;
    return JSON.stringify(msg);
  }

  private filterList(text: string, msg: Message): string | Promise<string> {
    if (!isObject(msg.result) || !Array.isArray(msg.result.tools)) return text;
    const result = msg.result;
    const tools = result.tools as unknown[];
    const done = (kept: unknown[]): string => {
      if (kept.length === tools.length) return text;
      result.tools = kept;
      return JSON.stringify(msg);
    };
    const r = this.o.authorizer.filterTools(tools, this.info);
    return r instanceof Promise ? r.then(done) : done(r);
  }

  // ---- gateway → client ----

  /** The policy changed: what the client may see may have changed too. */
  policyChanged(): void {
    if (this.closed || !this.initialized || !this.o.filterList) return;
    this.toClient.push(() => this.sink.send(notification('notifications/tools/list_changed'), {}));
  }

  async close(graceMs?: number): Promise<void> {
    if (this.closed && graceMs === undefined) return;
    this.closed = true;
    await this.upstream?.close(graceMs);
  }
}
