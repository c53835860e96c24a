// http.send responses as OPA shapes them, and OPA's rules for caching them between queries.

import { builtins } from '../rego/builtins/index.js';
import { parseJSON } from '../rego/builtins/gojson.js';
import { goQuote } from '../rego/builtins/gotime.js';
import type { BuiltinContext } from '../rego/builtins/types.js';
import type { PlainObject, Value } from '../rego/value.js';
import type { HttpResult } from './protocol.js';

/** Statuses OPA keeps in the inter-query cache (RFC 7231 section 6.1). */
export const CACHEABLE_STATUS = new Set([200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501]);

export interface CacheEntry {
  result: HttpResult;
  value: Value;
  expiresAt: number;
  size: number;
}

export function firstHeader(headers: [string, string][], name: string): string | undefined {
  for (const [k, v] of headers) if (k === name) return v;
  return undefined;
}

function isJSONType(ct: string | undefined): boolean {
  if (ct === undefined) return false;
  const t = ct.split(';')[0].trim().toLowerCase();
  const parts = t.split('/');
  return parts.length === 2 && parts[0] === 'application' && (parts[1] === 'json' || parts[1].endsWith('+json'));
}

const yamlUnmarshal = builtins.get('yaml.unmarshal')!.fn;

function decodeYAML(text: string): Value {
  try {
    return yamlUnmarshal([text], undefined as unknown as BuiltinContext) ?? null;
  } catch {
    return null;
  }
}

/** OPA's response object; a body that does not decode is null. */
export function formatResponse(res: HttpResult, forceJSON: boolean, forceYAML: boolean, userSetAcceptEncoding: boolean): Value {
  let list = res.headers;
  // fetch decompresses transparently, as Go does for gzip: the encoding and length headers no
  // longer describe the body, and Go drops them.
  const enc = firstHeader(list, 'content-encoding')?.toLowerCase();
  if (!userSetAcceptEncoding && enc !== undefined && ['gzip', 'x-gzip', 'deflate', 'br'].includes(enc)) {
    list = list.filter(([k]) => k !== 'content-encoding' && k !== 'content-length');
  }
  const headers = Object.create(null) as Record<string, string[]>;
  for (const [k, v] of list) (headers[k] ??= []).push(v);
  const ct = firstHeader(list, 'content-type');
  let body: Value = null;
  if (forceJSON || isJSONType(ct)) {
    try {
      body = parseJSON(res.body);
    } catch {
      body = null;
    }
  } else if (forceYAML || (ct !== undefined && (ct.includes('application/yaml') || ct.includes('application/x-yaml')))) {
    body = decodeYAML(res.body);
  }
  const out = Object.create(null) as PlainObject;
  out.status = res.statusText ? `${res.status} ${res.statusText}` : String(res.status);
  out.status_code = res.status;
  out.body = body;
  out.raw_body = res.body;
  out.headers = headers;
  return out;
}

// ---- caching ----

export function cacheControl(headers: [string, string][]): Map<string, string> {
  const out = new Map<string, string>();
  for (let part of (firstHeader(headers, 'cache-control') ?? '').split(',')) {
    part = part.trim();
    if (part === '') continue;
    if (part.includes('=')) {
      const items = part.split('=');
      if (items.length !== 2) continue;
      out.set(items[0].trim(), items[1]);
    } else out.set(part, '');
  }
  return out;
}

/** When a response expires by its headers: Date + max-age, else Expires, else already. */
export function expiryFromHeaders(headers: [string, string][]): number {
  const maxAge = cacheControl(headers).get('max-age');
  if (maxAge !== undefined) {
    if (!/^\d+$/.test(maxAge)) throw new Error(`strconv.ParseUint: parsing ${goQuote(maxAge)}: invalid syntax`);
    const seconds = Math.min(Number(maxAge), 2147483647);
    const date = firstHeader(headers, 'date');
    if (date === undefined || date === '') throw new Error('no date header');
    const t = Date.parse(date);
    if (Number.isNaN(t)) throw new Error(`parsing time ${goQuote(date)}`);
    return t + seconds * 1000;
  }
  const expires = firstHeader(headers, 'expires');
  const t = expires === undefined ? NaN : Date.parse(expires);
  return Number.isNaN(t) ? 0 : t;
}

export function entrySize(res: HttpResult): number {
  let n = res.body.length + 64;
  for (const [k, v] of res.headers) n += k.length + v.length;
  return n;
}

/** A map bounded by entry count and total size; least recently used entries go first. */
export class LRU {
  private readonly map = new Map<string, CacheEntry>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get(key: string): CacheEntry | undefined {
    const e = this.map.get(key);
    if (e !== undefined) {
      this.map.delete(key);
      this.map.set(key, e);
    }
    return e;
  }

  set(key: string, e: CacheEntry): void {
    this.delete(key);
    if (this.maxEntries <= 0 || e.size > this.maxBytes) return;
    this.map.set(key, e);
    this.bytes += e.size;
    for (const [k, old] of this.map) {
      if (this.map.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.bytes -= old.size;
    }
  }

  delete(key: string): void {
    const e = this.map.get(key);
    if (e !== undefined) {
      this.map.delete(key);
      this.bytes -= e.size;
    }
  }
}
