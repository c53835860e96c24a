// The host side of `http.send`: OPA's request semantics on top of fetch, run synchronously
// through the I/O worker (sync-worker.ts). The engine's builtin (src/rego/builtins/http.ts) has
// already checked the request keys and memoizes identical requests within one evaluation; this
// hook adds timeouts, retries, redirects, response decoding and the inter-query cache
// (`cache` / `force_cache`).
//
// Errors follow OPA: network failures read like Go's `Get "url": dial tcp ...: connection
// refused`; with `raise_error: false` they come back as `{"status_code": 0, "error": {...}}`.

import { marshalJSON } from '../rego/builtins/gojson.js';
import { goQuote, parseDuration } from '../rego/builtins/gotime.js';
import { BuiltinError, renderError } from '../rego/errors.js';
import {
  isObject,
  keyOf,
  objectEntries,
  objectGet,
  objectKeys,
  toJSON,
  toJSONText,
  typeName,
  type PlainObject,
  type Value,
} from '../rego/value.js';
import {
  CACHEABLE_STATUS,
  cacheControl,
  entrySize,
  expiryFromHeaders,
  firstHeader,
  formatResponse,
  LRU,
  type CacheEntry,
} from './http-response.js';
import type { HttpResult } from './protocol.js';
import { runJob, sleepSync, WorkerJobError, WorkerTimeoutError } from './sync-worker.js';

export interface HttpSendOptions {
  /** Hosts http.send may reach (exact host names or IPs, no ports); empty or absent = all. */
  allowNet?: string[];
  /** Timeout when the request has none (OPA: 5s). */
  defaultTimeoutMs?: number;
  /** Responses with larger bodies fail (default 16 MiB). */
  maxBodyBytes?: number;
  /** Inter-query cache bounds (defaults 1000 entries, 64 MiB of bodies). */
  cacheMaxEntries?: number;
  cacheMaxBytes?: number;
  /** User-Agent sent when the request sets none. */
  userAgent?: string;
  /** Clock for cache expiry, in milliseconds since the epoch (default Date.now). */
  now?: () => number;
}

export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const DEFAULT_CACHE_ENTRIES = 1000;
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
const DEFAULT_USER_AGENT = 'vengtoo-agent';
/** How much longer than the request's timeout the caller waits for the worker's own answer. */
const GRACE_MS = 1_000;
const MAX_REDIRECTS = 10;

const NETWORK_ERR = 'eval_http_send_network_error';
const INTERNAL_ERR = 'eval_http_send_internal_error';


/**
 * A failure of one http.send call.
 * - network: Go's *url.Error (`Get "url": ...`): error code eval_http_send_network_error;
 * - otherwise eval_http_send_internal_error; `wrapped` errors are the ones OPA turns into a
 *   builtin error first, so their error-object message reads `eval_builtin_error: http.send: ...`.
 */
class SendError extends Error {
  constructor(
    message: string,
    readonly network = false,
    readonly opts: { typeError?: boolean; wrapped?: boolean; raiseMessage?: string } = {},
  ) {
    super(message);
  }
}

const internal = (message: string) => new SendError(message);

interface Request {
  method: string;
  url: string;
  /** Canonical names (Go's CanonicalHeaderKey), in sorted order. */
  headers: [string, string][];
  body?: string;
  jsonBody: boolean;
  timeoutMs: number;
  enableRedirect: boolean;
  forceJSON: boolean;
  forceYAML: boolean;
  retries: number;
  /** Inter-query cache in use (`cache` or `force_cache`). */
  cache: boolean;
  /** force_cache_duration_seconds when force_cache is set and positive, else 0. */
  forceSeconds: number;
}

/** Builds the `httpSend` host hook. Each hook has its own inter-query cache. */
export function createHttpSend(options: HttpSendOptions = {}): (req: Value) => Value {
  const allow = options.allowNet?.length ? new Set(options.allowNet.map((h) => h.toLowerCase())) : undefined;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
  const now = options.now ?? Date.now;
  const cache = new LRU(options.cacheMaxEntries ?? DEFAULT_CACHE_ENTRIES, options.cacheMaxBytes ?? DEFAULT_CACHE_BYTES);

  const verifyHost = (url: string): string | undefined => {
    if (allow === undefined) return undefined;
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    } catch {
      return undefined; // reported when sending
    }
    return allow.has(host.toLowerCase()) ? undefined : `unallowed host: ${host}`;
  };

  /** One exchange, following redirects when asked; no retries. */
  const exchange = (r: Request, extra: [string, string][]): HttpResult => {
    const op = errorOp(r.method);
    let method = r.method;
    let url = r.url;
    let body = r.body;
    let headers = mergeHeaders(r.headers, extra);
    if (!headers.some(([k]) => k === 'User-Agent')) headers.push(['User-Agent', userAgent]);
    if (body !== undefined && r.jsonBody && !headers.some(([k]) => k === 'Content-Type')) {
      headers.push(['Content-Type', 'application/json']);
    }
    const deadline = r.timeoutMs > 0 ? performance.now() + r.timeoutMs : Infinity;
    for (let hops = 0; ; hops++) {
      checkScheme(op, url);
      if ((method === 'GET' || method === 'HEAD') && body !== undefined && body !== '') {
        throw unsupported(`a request body with method ${method}`, 'fetch cannot send one');
      }
      const left = deadline - performance.now();
      if (left <= 0) throw timeoutError(op, url);
      let res: HttpResult;
      try {
        res = runJob<HttpResult>(
          {
            kind: 'http',
            method,
            url,
            headers,
            body: body === '' && (method === 'GET' || method === 'HEAD') ? undefined : body,
            timeoutMs: Number.isFinite(left) ? left : 0,
            maxBodyBytes,
          },
          Number.isFinite(left) ? left + GRACE_MS : Infinity,
        );
      } catch (e) {
        throw jobError(e, op, url);
      }
      if (!r.enableRedirect || ![301, 302, 303, 307, 308].includes(res.status)) return res;
      const location = firstHeader(res.headers, 'location');
      if (location === undefined || location === '') return res;
      let next: string;
      try {
        next = new URL(location, url).href;
      } catch {
        throw new SendError(`${op} ${goQuote(url)}: failed to parse Location header ${goQuote(location)}`, true);
      }
      if (hops >= MAX_REDIRECTS) throw new SendError(`${op} ${goQuote(next)}: stopped after ${MAX_REDIRECTS} redirects`, true);
      const denied = verifyHost(next);
      if (denied !== undefined) throw new SendError(`${op} ${goQuote(next)}: ${denied}`, true);
      // Go's redirect rules: 301/302/303 become GET without a body (HEAD stays HEAD); 307/308
      // repeat the request. Credentials are not sent to another domain.
      if (res.status <= 303 && method !== 'GET' && method !== 'HEAD') {
        method = 'GET';
        body = undefined;
        headers = headers.filter(([k]) => k !== 'Content-Type' && k !== 'Content-Length');
      } else if (res.status <= 303) {
        body = undefined;
      }
      if (!sameOrSubdomain(new URL(url).hostname, new URL(next).hostname)) {
        headers = headers.filter(([k]) => !['Authorization', 'Www-Authenticate', 'Cookie', 'Cookie2'].includes(k));
      }
      url = next;
    }
  };

  /** client.Do with OPA's retries: network errors are retried with exponential back-off. */
  const execute = (r: Request, extra: [string, string][] = []): HttpResult => {
    for (let attempt = 0; ; attempt++) {
      try {
        return exchange(r, extra);
      } catch (e) {
        if (!(e instanceof SendError) || !e.network || attempt >= r.retries) throw e;
        sleepSync(backoffMs(attempt));
      }
    }
  };

  const format = (r: Request, res: HttpResult): Value => formatResponse(res, r.forceJSON, r.forceYAML, acceptsEncoding(r));

  /** Stores a response as OPA does; responses that cannot be cached are skipped silently. */
  const store = (key: string, r: Request, req: Value, res: HttpResult, value: Value) => {
    if (!CACHEABLE_STATUS.has(res.status)) return;
    if (r.forceSeconds <= 0 && cacheControl(res.headers).has('no-store')) return;
    if (!validCachingMode(req)) return;
    let expiresAt: number;
    try {
      expiresAt = r.forceSeconds > 0 ? now() + r.forceSeconds * 1000 : expiryFromHeaders(res.headers);
    } catch {
      return;
    }
    cache.set(key, { result: res, value, expiresAt, size: entrySize(res) });
  };

  /**
   * A stale entry with an ETag or Last-Modified is revalidated: 304 refreshes it, 200 replaces
   * it. undefined means: send the request normally.
   */
  const revalidate = (key: string, r: Request, req: Value, entry: CacheEntry): Value | undefined => {
    const etag = firstHeader(entry.result.headers, 'etag');
    const lastModified = firstHeader(entry.result.headers, 'last-modified');
    if (!etag && !lastModified) {
      cache.delete(key);
      return undefined;
    }
    const extra: [string, string][] = [];
    if (etag) extra.push(['If-None-Match', etag]);
    if (lastModified) extra.push(['If-Modified-Since', lastModified]);
    const res = execute(r, extra);
    cache.delete(key);
    if (res.status === 200) {
      const value = format(r, res);
      store(key, r, req, res, value);
      return value;
    }
    if (res.status !== 304) return undefined;
    const names = new Set(res.headers.map(([k]) => k));
    const merged: HttpResult = {
      ...entry.result,
      headers: [...entry.result.headers.filter(([k]) => !names.has(k)), ...res.headers],
    };
    let expiresAt: number;
    try {
      expiresAt = r.forceSeconds > 0 ? now() + r.forceSeconds * 1000 : expiryFromHeaders(res.headers);
    } catch (e) {
      throw internal(e instanceof Error ? e.message : String(e));
    }
    const value = format(r, merged);
    if (validCachingMode(req)) cache.set(key, { result: merged, value, expiresAt, size: entrySize(merged) });
    return value;
  };

  const send = (req: Value): Value => {
    const r = parseRequest(req, defaultTimeoutMs);
    const denied = verifyHost(r.url);
    if (denied !== undefined) throw new SendError(denied, false, { wrapped: true });
    if (!r.cache) return format(r, execute(r));
    const key = cacheKey(req);
    const entry = cache.get(key);
    if (entry !== undefined) {
      if (now() < entry.expiresAt) return entry.value;
      const fresh = revalidate(key, r, req, entry);
      if (fresh !== undefined) return fresh;
    }
    const res = execute(r);
    const value = format(r, res);
    store(key, r, req, res, value);
    return value;
  };

  return (req: Value): Value => {
    const raise = isObject(req) ? objectGet(req, 'raise_error') !== false : true;
    try {
      return send(req);
    } catch (e) {
      const err = e instanceof SendError ? e : new SendError(e instanceof Error ? e.message : String(e), false, { wrapped: true });
      const code = err.opts.typeError ? 'eval_type_error' : 'eval_builtin_error';
      if (raise) throw new BuiltinError(err.opts.raiseMessage ?? err.message, code);
      const message = !err.network && err.opts.wrapped ? renderError(code, `http.send: ${err.message}`) : err.message;
      return { status_code: 0, error: { code: err.network ? NETWORK_ERR : INTERNAL_ERR, message } };
    }
  };
}

// ---- the request ----

const STRING_PARAMS = new Set([
  'method',
  'url',
  'raw_body',
  'tls_ca_cert',
  'tls_ca_cert_file',
  'tls_ca_cert_env_variable',
  'tls_client_cert',
  'tls_client_cert_file',
  'tls_client_cert_env_variable',
  'tls_client_key',
  'tls_client_key_file',
  'tls_client_key_env_variable',
  'tls_server_name',
]);

const CA = 'fetch cannot add CA certificates per request (start the agent with NODE_EXTRA_CA_CERTS instead)';
const CLIENT_CERT = 'fetch cannot present client certificates';

/** TLS settings fetch cannot apply: refused with a clear error rather than ignored. */
const UNSUPPORTED_TLS: Record<string, string> = {
  tls_ca_cert: CA,
  tls_ca_cert_file: CA,
  tls_ca_cert_env_variable: CA,
  tls_client_cert: CLIENT_CERT,
  tls_client_cert_file: CLIENT_CERT,
  tls_client_cert_env_variable: CLIENT_CERT,
  tls_client_key: CLIENT_CERT,
  tls_client_key_file: CLIENT_CERT,
  tls_client_key_env_variable: CLIENT_CERT,
  tls_server_name: 'fetch cannot set the TLS server name',
};

/** `"tls_client_cert" is not supported by this host: fetch cannot present client certificates` */
const unsupported = (subject: string, reason: string) =>
  new SendError(`${subject} is not supported by this host: ${reason}`, false, { wrapped: true });

function parseRequest(req: Value, defaultTimeoutMs: number): Request {
  if (!isObject(req)) throw new SendError(`operand 1 must be object but got ${typeName(req)}`, false, { typeError: true, wrapped: true });
  const r: Request = {
    method: '',
    url: '',
    headers: [],
    jsonBody: false,
    timeoutMs: defaultTimeoutMs,
    enableRedirect: false,
    forceJSON: false,
    forceYAML: false,
    retries: 0,
    cache: false,
    forceSeconds: 0,
  };
  let rawBody: string | undefined;
  let body: string | undefined;
  for (const k of objectKeys(req)) {
    const key = String(k);
    const v = objectGet(req, k) as Value;
    if (STRING_PARAMS.has(key) && typeof v !== 'string') throw new SendError(`"${key}" must be a string`, false, { wrapped: true });
    const s = v as string;
    if (key in UNSUPPORTED_TLS) {
      if (s !== '') throw unsupported(`"${key}"`, UNSUPPORTED_TLS[key]);
      continue;
    }
    switch (key) {
      case 'method':
        r.method = s.toUpperCase() || 'GET';
        break;
      case 'url':
        r.url = s;
        break;
      case 'enable_redirect':
        r.enableRedirect = goParseBool(v);
        break;
      case 'body':
        body = marshalJSON(v);
        break;
      case 'raw_body':
        rawBody = s;
        break;
      case 'headers':
        r.headers = requestHeaders(v);
        break;
      case 'tls_use_system_certs':
        // fetch always verifies against Node's CA store; nothing to switch.
        goParseBool(v);
        break;
      case 'tls_insecure_skip_verify':
        if (goParseBool(v)) throw unsupported('"tls_insecure_skip_verify"', 'fetch cannot skip certificate verification');
        break;
      case 'timeout':
        r.timeoutMs = parseTimeoutMs(v);
        break;
      case 'force_json_decode':
        r.forceJSON = boolField(req, key);
        break;
      case 'force_yaml_decode':
        r.forceYAML = boolField(req, key);
        break;
      case 'max_retry_attempts':
        if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) {
          throw new SendError(`invalid value ${toJSONText(v)} for field "max_retry_attempts"`);
        }
        r.retries = v;
        break;
    }
  }
  if (r.headers.some(([k]) => k === 'Host')) {
    throw unsupported('the "Host" header', 'fetch always sends the URL host');
  }
  r.cache = boolField(req, 'cache');
  if (boolField(req, 'force_cache')) {
    r.cache = true;
    const d = objectGet(req, 'force_cache_duration_seconds');
    if (d === undefined) throw new SendError("'force_cache' set but 'force_cache_duration_seconds' parameter is missing", false, { wrapped: true });
    r.forceSeconds = parseInt32(d);
  }
  if (rawBody !== undefined) r.body = rawBody;
  else if (body !== undefined) {
    r.body = body;
    r.jsonBody = true;
  }
  return r;
}

/** Go's CanonicalHeaderKey: `content-type` → `Content-Type` (names with odd bytes unchanged). */
function canonicalHeader(k: string): string {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(k)) return k;
  return k.toLowerCase().replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

function requestHeaders(v: Value): [string, string][] {
  if (!isObject(v)) throw new SendError('invalid type for headers key', false, { wrapped: true });
  const out = new Map<string, string>();
  for (const [k, x] of objectEntries(v)) {
    const name = typeof k === 'string' ? k : toJSONText(k);
    if (typeof x !== 'string') throw new SendError(`invalid type for headers value ${goQuoteAny(x)}`, false, { wrapped: true });
    out.set(canonicalHeader(name), x);
  }
  return [...out];
}

/** Go's `%q` of a decoded JSON value that is not a string. */
function goQuoteAny(x: Value): string {
  if (typeof x === 'number' || typeof x === 'bigint') return goQuote(String(x));
  if (typeof x === 'boolean') return `%!q(bool=${x})`;
  if (x === null) return '%!q(<nil>)';
  return `%!q(${JSON.stringify(toJSON(x), (_k, y: unknown) => (typeof y === 'bigint' ? y.toString() : y))})`;
}

/** strconv.ParseBool of the term's Rego text, as OPA reads boolean options. */
function goParseBool(v: Value): boolean {
  const text = toJSONText(v);
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new SendError(`strconv.ParseBool: parsing ${goQuote(text)}: invalid syntax`, false, { wrapped: true });
}

function boolField(req: Value, key: string): boolean {
  const v = objectGet(req as PlainObject, key);
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new SendError(`invalid value for "${key}" field`, false, { wrapped: true });
  return v;
}

function parseInt32(v: Value): number {
  const text = toJSONText(v);
  if (!/^[+-]?\d+$/.test(text)) throw new SendError(`strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax`, false, { wrapped: true });
  const n = BigInt(text);
  if (n > 2147483647n || n < -2147483648n) {
    throw new SendError(`strconv.ParseInt: parsing ${goQuote(text)}: value out of range`, false, { wrapped: true });
  }
  return Number(n);
}

/** OPA's timeout: nanoseconds as a number or digit string, or a Go duration (`"5s"`). ≤0 = none. */
function parseTimeoutMs(v: Value): number {
  let ns: bigint;
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (typeof v === 'number' && !Number.isInteger(v)) {
      throw new SendError(`invalid timeout number value ${toJSONText(v)}, must be int64`, false, { wrapped: true });
    }
    ns = BigInt(v);
    if (ns >= 1n << 63n || ns < -(1n << 63n)) {
      throw new SendError(`invalid timeout number value ${toJSONText(v)}, must be int64`, false, { wrapped: true });
    }
  } else if (typeof v === 'string') {
    if (/^[+-]?\d+$/.test(v) && BigInt(v) < 1n << 63n && BigInt(v) >= -(1n << 63n)) ns = BigInt(v);
    else {
      try {
        ns = parseDuration(v);
      } catch (e) {
        throw new SendError(`invalid timeout value ${JSON.stringify(v)}: ${e instanceof Error ? e.message : String(e)}`, false, { wrapped: true });
      }
    }
  } else {
    throw new SendError(`operand 1 'timeout' must be one of {string, number} but got ${typeName(v)}`, false, {
      typeError: true,
      wrapped: true,
    });
  }
  return ns <= 0n ? 0 : Number(ns) / 1e6;
}

function validCachingMode(req: Value): boolean {
  const m = objectGet(req as PlainObject, 'caching_mode');
  return m === undefined || m === 'serialized' || m === 'deserialized';
}

/** The inter-query cache key: the request, without the headers it says to ignore. */
function cacheKey(req: Value): string {
  const obj = req as PlainObject;
  const out: [Value, Value][] = objectEntries(obj).filter(([k]) => k !== 'cache_ignored_headers' && k !== 'headers');
  let headers = objectGet(obj, 'headers');
  const ignored = objectGet(obj, 'cache_ignored_headers');
  if (ignored !== undefined && headers !== undefined) {
    if (!Array.isArray(ignored) || !ignored.every((h) => typeof h === 'string')) {
      throw new SendError('invalid value for "cache_ignored_headers" field', false, { wrapped: true });
    }
    const names = new Set(ignored as string[]);
    if (isObject(headers)) {
      const kept = Object.create(null) as PlainObject;
      for (const [k, x] of objectEntries(headers)) if (!(typeof k === 'string' && names.has(k))) kept[typeof k === 'string' ? k : toJSONText(k)] = x;
      headers = kept;
    }
  }
  if (headers !== undefined) out.push(['headers', headers]);
  out.push(['cache_ignored_headers', null]);
  const key = Object.create(null) as PlainObject;
  for (const [k, x] of out) key[String(k)] = x;
  return String(keyOf(key));
}

// ---- errors ----

/** Go's url.Error operation: `Get`, `Post`, ... */
function errorOp(method: string): string {
  const m = method === '' ? 'GET' : method;
  return m[0] + m.slice(1).toLowerCase();
}

function checkScheme(op: string, url: string): void {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase() ?? '';
  if (scheme === 'unix') throw unsupported('"unix://" socket URLs', 'fetch cannot connect to a socket file');
  if (scheme !== 'http' && scheme !== 'https') throw new SendError(`${op} ${goQuote(url)}: unsupported protocol scheme ${goQuote(scheme)}`, true);
  try {
    new URL(url);
  } catch {
    throw new SendError(`${op} ${goQuote(url)}: invalid URL`, true);
  }
}

function timeoutError(op: string, url: string): SendError {
  const where = `${op} ${goQuote(url)}`;
  return new SendError(`${where}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, true, {
    raiseMessage: `${where}: request timed out`,
  });
}

function jobError(e: unknown, op: string, url: string): SendError {
  if (e instanceof WorkerTimeoutError) return timeoutError(op, url);
  if (!(e instanceof WorkerJobError)) return new SendError(e instanceof Error ? e.message : String(e), false, { wrapped: true });
  switch (e.kind) {
    case 'timeout':
      return timeoutError(op, url);
    case 'timeout_body':
      return new SendError('context deadline exceeded (Client.Timeout or context cancellation while reading body)', false, { wrapped: true });
    case 'network':
      return new SendError(`${op} ${goQuote(url)}: ${e.message}`, true);
    default:
      return new SendError(e.message, false, { wrapped: true });
  }
}

/** Go's util.DefaultBackoff(100ms, 60s, n): ×1.6 per retry, ±20% jitter. */
function backoffMs(retry: number): number {
  if (retry === 0) return 100;
  let b = 100;
  for (let i = retry; b < 60_000 && i > 0; i--) b *= 1.6;
  b = Math.min(b, 60_000) * (1 + 0.2 * (Math.random() * 2 - 1));
  return Math.max(0, b);
}

// ---- headers ----

function mergeHeaders(base: [string, string][], extra: [string, string][]): [string, string][] {
  const names = new Set(extra.map(([k]) => k));
  return [...base.filter(([k]) => !names.has(k)), ...extra];
}

function acceptsEncoding(r: Request): boolean {
  return r.headers.some(([k]) => k === 'Accept-Encoding');
}

function sameOrSubdomain(from: string, to: string): boolean {
  return to === from || to.endsWith('.' + from);
}
