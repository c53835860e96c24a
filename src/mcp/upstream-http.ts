// Upstream over Streamable HTTP (`--upstream-url`): the gateway as an MCP HTTP client.
//
// Each client message becomes one POST (Accept: application/json, text/event-stream). Answers come
// back as JSON or as an SSE stream scoped to the request; every message on it is passed to the
// relay together with the request it belongs to. The session id from the initialize answer
// (Mcp-Session-Id) and the negotiated MCP-Protocol-Version are sent on every later request; after
// `notifications/initialized` a GET stream is opened for messages the server sends on its own.
// Mcp-Method / Mcp-Name (2026-07-28) are set from the message actually forwarded; Mcp-Param-*
// headers of an HTTP client are passed on. The client's own Authorization header never is: the
// upstream's credentials come from the gateway's configuration.
//
// A request the server cannot answer (HTTP error, connection refused) is answered to the client
// with a JSON-RPC error, so no client request is left hanging.

import type { Logger } from 'pino';
import { INTERNAL_ERROR, errorResponse, idKey, isObject, kindOf, type Message } from './jsonrpc.js';
import type { ForwardMeta, UpstreamPeer } from './relay.js';
import { SseParser } from './sse.js';

export interface HttpUpstreamOptions {
  url: string;
  /** Extra headers for every request (e.g. the upstream's own Authorization). */
  headers?: Record<string, string>;
  logger?: Logger;
  /**
   * Use this upstream session id instead of one from an initialize answer (the 2026-07-28 stateless
   * revision has none).
   */
  sessionId?: string;
  /** One request per upstream exchange (2026-07-28 stateless): no GET stream, no DELETE. */
  stateless?: boolean;
}

export class HttpUpstream implements UpstreamPeer {
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private readonly aborts = new Set<AbortController>();
  private getOpen = false;
  private closed = false;

  constructor(
    private readonly o: HttpUpstreamOptions,
    private readonly onMessage: (text: string, related?: string) => void,
  ) {
    this.sessionId = o.sessionId;
  }

  send(text: string, msg: Message, meta: ForwardMeta | undefined): void {
    if (this.closed) return;
    void this.post(text, msg, meta);
  }

  private headersFor(msg: Message | undefined, meta: ForwardMeta | undefined): Record<string, string> {
    const h: Record<string, string> = { ...this.o.headers };
    const inbound = meta?.headers;
    if (inbound !== undefined) {
      for (const [k, v] of Object.entries(inbound)) if (k.startsWith('mcp-param-')) h[k] = v;
    }
    const pv = inbound?.['mcp-protocol-version'] ?? this.protocolVersion;
    if (pv !== undefined) h['mcp-protocol-version'] = pv;
    if (this.sessionId !== undefined) h['mcp-session-id'] = this.sessionId;
    if (msg !== undefined && typeof msg.method === 'string') {
      h['mcp-method'] = headerValue(msg.method);
      const p = msg.params;
      if (isObject(p)) {
        const name = msg.method === 'resources/read' || msg.method.startsWith('resources/') ? p.uri : p.name;
        if (typeof name === 'string' && (msg.method === 'tools/call' || msg.method === 'prompts/get' || msg.method.startsWith('resources/'))) {
          h['mcp-name'] = headerValue(name);
        }
      }
    }
    return h;
  }

  private async post(text: string, msg: Message, meta: ForwardMeta | undefined): Promise<void> {
    const isRequest = kindOf(msg) === 'request';
    const related = isRequest ? idKey(msg.id) : undefined;
    const ac = new AbortController();
    this.aborts.add(ac);
    try {
      const headers = this.headersFor(msg, meta);
      headers['content-type'] = 'application/json';
      headers.accept = 'application/json, text/event-stream';
      const res = await fetch(this.o.url, { method: 'POST', headers, body: text, signal: ac.signal });
      if (msg.method === 'initialize') {
        const sid = res.headers.get('mcp-session-id');
        if (sid !== null) this.sessionId = sid;
      }
      if (res.status === 202 || res.status === 204) {
        await res.body?.cancel();
        if (msg.method === 'notifications/initialized') this.openGet();
        return;
      }
      if (res.status < 200 || res.status >= 300) {
        const body = await res.text();
        if (isRequest) {
          // The server may have answered with a JSON-RPC error body of its own: pass that on.
          if (looksLikeResponse(body, msg.id)) return this.deliver(body, related, msg);
          this.fail(msg, `upstream MCP server answered HTTP ${res.status}${res.status === 404 && this.sessionId ? ' (session expired)' : ''}`);
        } else {
          this.o.logger?.warn({ status: res.status, method: msg.method }, 'upstream MCP server refused a message');
        }
        return;
      }
      const type = res.headers.get('content-type') ?? '';
      if (type.includes('text/event-stream')) {
        await this.readStream(res, related, msg);
      } else {
        const body = await res.text();
        if (body.trim() !== '') this.deliver(body, related, msg);
      }
    } catch (e) {
      if (this.closed) return;
      if (isRequest) this.fail(msg, `upstream MCP server unreachable: ${causeText(e)}`);
      else this.o.logger?.warn({ error: causeText(e), method: msg.method }, 'cannot reach the upstream MCP server');
    } finally {
      this.aborts.delete(ac);
    }
  }

  private deliver(text: string, related: string | undefined, msg: Message | undefined): void {
    if (msg?.method === 'initialize') {
      try {
        const r = JSON.parse(text) as Message;
        if (isObject(r.result) && typeof r.result.protocolVersion === 'string') this.protocolVersion = r.result.protocolVersion;
      } catch {
        // passed on as is; the relay reports it
      }
    }
    this.onMessage(text, related);
  }

  private async readStream(res: Response, related: string | undefined, msg: Message | undefined): Promise<void> {
    if (res.body === null) return;
    const parser = new SseParser((ev) => {
      if (ev.event === 'message' && ev.data.trim() !== '') this.deliver(ev.data, related, msg);
    });
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.push(decoder.decode(chunk, { stream: true }));
    parser.push(decoder.decode() + '\n\n');
  }

  /** The standalone GET stream for server-initiated messages; a 405 means the server has none. */
  private openGet(): void {
    if (this.getOpen || this.closed || this.o.stateless) return;
    this.getOpen = true;
    void (async () => {
      let failures = 0;
      while (!this.closed && failures < 5) {
        const ac = new AbortController();
        this.aborts.add(ac);
        try {
          const headers = this.headersFor(undefined, undefined);
          headers.accept = 'text/event-stream';
          const res = await fetch(this.o.url, { method: 'GET', headers, signal: ac.signal });
          if (res.status === 405 || res.status === 404) {
            await res.body?.cancel();
            return;
          }
          if (res.status !== 200) {
            await res.body?.cancel();
            failures++;
          } else {
            failures = 0;
            await this.readStream(res, undefined, undefined);
          }
        } catch {
          failures++;
        } finally {
          this.aborts.delete(ac);
        }
        if (!this.closed) await new Promise((r) => setTimeout(r, 500 * (failures + 1)).unref());
      }
    })();
  }

  private fail(msg: Message, why: string): void {
    this.o.logger?.warn({ method: msg.method, error: why }, 'upstream request failed');
    this.onMessage(errorResponse(msg.id, INTERNAL_ERROR, why), idKey(msg.id));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ac of this.aborts) ac.abort();
    if (this.sessionId !== undefined && this.o.sessionId === undefined && !this.o.stateless) {
      try {
        const headers = this.headersFor(undefined, undefined);
        const res = await fetch(this.o.url, { method: 'DELETE', headers, signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
      } catch {
        // best effort: the server's session times out on its own
      }
    }
  }
}

/** Header values must be visible ASCII; anything else is sent in the `=?base64?…?=` form. */
function headerValue(v: string): string {
  if (/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(v)) return v;
  return `=?base64?${Buffer.from(v, 'utf8').toString('base64')}?=`;
}

function looksLikeResponse(body: string, id: unknown): boolean {
  try {
    const m = JSON.parse(body) as Message;
    return isObject(m) && m.error !== undefined && m.id === id;
  } catch {
    return false;
  }
}

function causeText(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return c?.code ?? c?.message ?? (e as Error).message ?? String(e);
}
