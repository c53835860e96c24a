// JSON-RPC 2.0 as MCP uses it: message kinds, id keys, error codes and newline framing (stdio).
//
// The relay parses every message once to route it; what it forwards is described in relay.ts.

import { StringDecoder } from 'node:string_decoder';

export type Id = string | number;

export interface Message {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: unknown;
  [k: string]: unknown;
}

export type Kind = 'request' | 'notification' | 'response' | 'invalid';

/** Error codes: JSON-RPC's own, and the ones the AuthZEN MCP binding draft uses. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
/** A request that could not be mapped to an authorization request (binding draft: mapping failure). */
export const INVALID_PARAMS = -32602;
/** The policy could not be evaluated or the remote PDP is unreachable: denied, never failed open. */
export const INTERNAL_ERROR = -32603;
/** Denied by policy (binding draft). */
export const FORBIDDEN = -32001;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function kindOf(m: unknown): Kind {
  if (!isObject(m)) return 'invalid';
  if (typeof m.method === 'string') {
    if (m.id === undefined) return 'notification';
    return isId(m.id) ? 'request' : 'invalid';
  }
  if ((m.result !== undefined || m.error !== undefined) && (isId(m.id) || m.id === null)) return 'response';
  return 'invalid';
}

export function isId(v: unknown): v is Id {
  return typeof v === 'string' || typeof v === 'number';
}

/** Map key for an id: 1 and "1" are different ids. */
export function idKey(id: unknown): string {
  return typeof id === 'number' ? 'n' + id : typeof id === 'string' ? 's' + id : '';
}

export function errorResponse(id: unknown, code: number, message: string, data?: unknown): string {
  const error: Record<string, unknown> = { code, message };
  if (data !== undefined) error.data = data;
  return JSON.stringify({ jsonrpc: '2.0', id: isId(id) ? id : null, error });
}

export function resultResponse(id: unknown, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id: isId(id) ? id : null, result });
}

export function notification(method: string, params?: unknown): string {
  return JSON.stringify(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
}

/**
 * Newline-delimited messages (MCP stdio): splits a byte stream into lines; `\r\n` is accepted and
 * blank lines are skipped. A line longer than `maxLine` characters is reported and dropped.
 */
export class LineDecoder {
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 64 * 1024 * 1024,
    private readonly onOverflow?: () => void,
  ) {}

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl === -1) {
      this.buf += text;
      if (this.buf.length > this.maxLine) {
        this.buf = '';
        this.onOverflow?.();
      }
      return;
    }
    let head = this.buf;
    this.buf = '';
    while (nl !== -1) {
      let line = head + text.slice(start, nl);
      head = '';
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.trim() !== '') this.onLine(line);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.buf = text.slice(start);
  }

  /** The last line when the stream ends without a newline. */
  end(): void {
    const rest = this.buf + this.decoder.end();
    this.buf = '';
    if (rest.trim() !== '') this.onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
  }
}
