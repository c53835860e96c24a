// opa.runtime and providers.aws.sign_req (AWS Signature Version 4, deterministic given the
// signing time passed in).

import { createHash, createHmac } from 'node:crypto';
import { BuiltinError } from '../errors.js';
import { isObject, ObjectBuilder, objectEntries, objectGet, typeName, type ObjectValue, type Value } from '../value.js';
import type { BuiltinDef } from './types.js';
import { marshalJSON } from './gojson.js';
import { UTC } from './gotime.js';
import { formatTime } from './golayout.js';

function operandError(pos: number, msg: string): never {
  throw new BuiltinError(`operand ${pos} ${msg}`, 'eval_type_error');
}

/** OPA's rendering of a set of strings: `{"a", "b"}`. */
const setText = (keys: string[]) => `{${[...keys].sort().map((k) => JSON.stringify(k)).join(', ')}}`;

const AWS_REQUIRED = ['aws_service', 'aws_access_key', 'aws_secret_access_key', 'aws_region'];

/** The request keys http.send accepts (sign_req validates against the same list). */
const HTTP_ALLOWED = new Set([
  'method', 'url', 'body', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'headers', 'raw_body',
  'tls_use_system_certs', 'tls_ca_cert', 'tls_ca_cert_file', 'tls_ca_cert_env_variable', 'tls_client_cert',
  'tls_client_cert_file', 'tls_client_cert_env_variable', 'tls_client_key', 'tls_client_key_file',
  'tls_client_key_env_variable', 'tls_insecure_skip_verify', 'tls_server_name', 'timeout', 'cache', 'force_cache',
  'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers',
]);
const HTTP_REQUIRED = ['method', 'url'];

const str = (v: Value | undefined) => (typeof v === 'string' ? v : '');

function keyStrings(o: ObjectValue): string[] {
  return objectEntries(o).map(([k]) => (typeof k === 'string' ? k : marshalJSON(k)));
}

// ---- URLs (the parts of Go's url.Parse SigV4 needs) ----

const UNRESERVED = /[A-Za-z0-9\-_.~$&+,/:;=@]/;

function escapePath(path: string): string {
  let out = '';
  for (const b of Buffer.from(path, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && UNRESERVED.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** url.URL's Host, EscapedPath() and RawQuery. */
function parseURL(raw: string): { host: string; path: string; query: string } {
  if (/[\x00-\x1f\x7f]/.test(raw)) {
    throw new BuiltinError(`parse ${JSON.stringify(raw)}: net/url: invalid control character in URL`, 'eval_builtin_error');
  }
  let rest = raw;
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let query = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  let host = '';
  if (rest.startsWith('//')) {
    rest = rest.slice(2);
    const slash = rest.indexOf('/');
    const authority = slash >= 0 ? rest.slice(0, slash) : rest;
    rest = slash >= 0 ? rest.slice(slash) : '';
    host = authority.slice(authority.lastIndexOf('@') + 1);
  }
  // A raw path that is already a valid encoding is kept; anything else is escaped.
  const valid = /^(?:[A-Za-z0-9\-_.~$&+,/:;=@!*'()]|%[0-9A-Fa-f]{2})*$/.test(rest);
  let path = rest;
  if (!valid) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rest);
    } catch {
      decoded = rest;
    }
    path = escapePath(decoded);
  }
  return { host, path, query };
}

// ---- Signing ----

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, msg: string) => createHmac('sha256', key).update(msg, 'utf8').digest();

interface Credentials {
  accessKey: string;
  secretKey: string;
  region: string;
  sessionToken: string;
}

function signV4(
  headers: Map<string, string>, method: string, url: { host: string; path: string; query: string },
  body: Buffer, service: string, creds: Credentials, timeNs: bigint, unsignedPayload: boolean,
): { auth: string; awsHeaders: Map<string, string> } {
  const payloadHash = unsignedPayload ? 'UNSIGNED-PAYLOAD' : sha256Hex(body);
  const sec = timeNs / 1000000000n - (timeNs % 1000000000n < 0n ? 1n : 0n);
  const t = { sec: Number(sec), nsec: 0, zone: UTC };
  const date = formatTime(t, '20060102');
  const stamp = formatTime(t, '20060102T150405Z');
  const awsHeaders = new Map<string, string>([['host', url.host], ['x-amz-date', stamp]]);
  if (service === 's3' || service === 'glacier') awsHeaders.set('x-amz-content-sha256', payloadHash);
  if (creds.sessionToken !== '') awsHeaders.set('x-amz-security-token', creds.sessionToken);

  const toSign = new Map(awsHeaders);
  for (const [k, v] of headers) {
    const lower = k.toLowerCase();
    if (lower !== 'authorization' && lower !== 'user-agent' && lower !== 'x-amzn-trace-id') toSign.set(lower, v);
  }
  const names = [...toSign.keys()].sort();
  let canonical = `${method}\n${url.path}\n${url.query}\n`;
  for (const k of names) canonical += `${k}:${toSign.get(k)}\n`;
  canonical += `\n${names.join(';')}\n${payloadHash}`;

  const scope = `${date}/${creds.region}/${service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${sha256Hex(canonical)}`;
  let key = hmac(Buffer.from('AWS4' + creds.secretKey, 'utf8'), date);
  key = hmac(key, creds.region);
  key = hmac(key, service);
  key = hmac(key, 'aws4_request');
  const signature = hmac(key, stringToSign).toString('hex');
  const auth = `AWS4-HMAC-SHA256 Credential=${creds.accessKey}/${scope},SignedHeaders=${names.join(';')},Signature=${signature}`;
  return { auth, awsHeaders };
}

function signRequest(args: Value[]): Value {
  const [req, config, time] = args;
  if (!isObject(req)) operandError(1, `must be object but got ${typeName(req)}`);
  if (!isObject(config)) operandError(1, `must be object but got ${typeName(config)}`);

  const configKeys = new Set(keyStrings(config));
  const missing = AWS_REQUIRED.filter((k) => !configKeys.has(k));
  if (missing.length) operandError(2, `missing required AWS config parameters(s): ${setText(missing)}`);
  const invalid = AWS_REQUIRED.filter((k) => typeof objectGet(config, k) !== 'string');
  if (invalid.length) operandError(2, `invalid values for required AWS config parameters(s): ${setText(invalid)}`);
  const service = str(objectGet(config, 'aws_service'));
  const creds: Credentials = {
    accessKey: str(objectGet(config, 'aws_access_key')),
    secretKey: str(objectGet(config, 'aws_secret_access_key')),
    region: str(objectGet(config, 'aws_region')),
    sessionToken: str(objectGet(config, 'aws_session_token')),
  };

  if (typeof time !== 'number' && typeof time !== 'bigint') operandError(1, `must be number but got ${typeName(time)}`);
  // OPA needs an integer literal here; negative times (e.g. -1e9) cannot come from a clock.
  if ((typeof time === 'number' && !Number.isSafeInteger(time)) || time < 0) {
    operandError(3, 'could not convert time_ns value into a unix timestamp');
  }
  const timeNs = BigInt(time);
  if (timeNs >= 1n << 63n) operandError(3, 'could not convert time_ns value into a unix timestamp');

  const reqKeys = keyStrings(req);
  const unknown = reqKeys.filter((k) => !HTTP_ALLOWED.has(k));
  if (unknown.length) operandError(1, `invalid request parameters(s): ${setText(unknown)}`);
  const absent = HTTP_REQUIRED.filter((k) => !reqKeys.includes(k));
  if (absent.length) operandError(1, `missing required request parameters(s): ${setText(absent)}`);

  const headersValue = objectGet(req, 'headers');
  if (headersValue !== undefined && !isObject(headersValue)) operandError(0, `must be object but got ${typeName(headersValue)}`);
  const urlValue = objectGet(req, 'url');
  const methodValue = objectGet(req, 'method');
  const badParams = [...(typeof urlValue !== 'string' ? ['url'] : []), ...(typeof methodValue !== 'string' ? ['method'] : [])];
  if (badParams.length) operandError(1, `invalid values for required request parameters(s): ${setText(badParams)}`);
  const url = parseURL(urlValue as string);

  const rawBody = objectGet(req, 'raw_body');
  const bodyValue = objectGet(req, 'body');
  const body =
    rawBody !== undefined ? Buffer.from(str(rawBody), 'utf8') : bodyValue !== undefined ? Buffer.from(marshalJSON(bodyValue), 'utf8') : Buffer.alloc(0);

  const headers = new Map<string, string>();
  if (headersValue !== undefined) {
    for (const [k, v] of objectEntries(headersValue as ObjectValue)) headers.set(str(k), str(v));
  }

  let unsigned = false;
  const dps = objectGet(config, 'disable_payload_signing');
  if (dps !== undefined) {
    if (typeof dps !== 'boolean') operandError(2, "invalid value for 'disable_payload_signing' in AWS config");
    unsigned = dps;
  }

  const { auth, awsHeaders } = signV4(headers, methodValue as string, url, body, service, creds, timeNs, unsigned);
  const signed = new ObjectBuilder();
  const merged = new Map(headers);
  merged.set('Authorization', auth);
  for (const [k, v] of awsHeaders) merged.set(k, v);
  for (const [k, v] of merged) signed.set(k, v);

  const out = new ObjectBuilder();
  for (const [k, v] of objectEntries(req)) if (k !== 'headers') out.set(k, v);
  out.set('headers', signed.build());
  return out.build();
}

export const miscBuiltins: BuiltinDef[] = [
  {
    name: 'opa.runtime',
    args: [],
    result: 'object',
    nondeterministic: true,
    fn: (_args, ctx) => {
      if (ctx.host.runtime !== undefined) return ctx.host.runtime;
      if (ctx.host.env !== undefined) {
        const env = new ObjectBuilder();
        for (const [k, v] of Object.entries(ctx.host.env)) env.set(k, v);
        return { env: env.build() };
      }
      return {};
    },
  },
  {
    name: 'providers.aws.sign_req',
    args: ['object', 'object', 'number'],
    result: 'object',
    fn: signRequest,
  },
];
