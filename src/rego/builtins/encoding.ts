// Encodings: base64, base64url, hex, URL query strings, JSON and YAML, with Go's error texts.
// Strings are handled as UTF-8 bytes, as Go does; decoded bytes that are not valid UTF-8 read
// as U+FFFD (which is how Go would serialize them).

import { Document, parseAllDocuments, visit, type Tags, type YAMLError } from 'yaml';
import { BuiltinError } from '../errors.js';
import { normBig, objectEntries, RSet, typeName, type PlainObject, type Value } from '../value.js';
import { fromUtf8, goQuote, utf8 } from './gofmt.js';
import { compareGoStrings, isValidJSON, marshalJSON, parseJSON } from './gojson.js';
import { operandTypeError } from './numbers.js';
import { argString, type BuiltinContext, type BuiltinDef } from './types.js';

// ---- base64 ----

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeMap(alphabet: string): Int16Array {
  const m = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) m[alphabet.charCodeAt(i)] = i;
  return m;
}
const STD_MAP = decodeMap(STD);
const URL_MAP = decodeMap(URL);

function b64encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + alphabet[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + (pad ? '==' : '');
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + (pad ? '=' : '');
  }
  return out;
}

/** Go's (padded) base64 decoding, including its CorruptInputError offsets. */
function b64decode(s: string, map: Int16Array): Uint8Array {
  const src = utf8(s);
  const out: number[] = [];
  const corrupt = (at: number): never => {
    throw new BuiltinError(`illegal base64 data at input byte ${at}`);
  };
  let si = 0;
  const isNL = (b: number) => b === 0x0a || b === 0x0d;
  for (;;) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailing = -1;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return new Uint8Array(out);
        return corrupt(si - j);
      }
      const c = src[si++];
      const v = map[c];
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (isNL(c)) {
        j--;
        continue;
      }
      if (c !== 0x3d) return corrupt(si - 1);
      if (j < 2) return corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && isNL(src[si])) si++;
        if (si === src.length) return corrupt(src.length);
        if (src[si] !== 0x3d) return corrupt(si - 1);
        si++;
      }
      while (si < src.length && isNL(src[si])) si++;
      if (si < src.length) trailing = si;
      dlen = j;
      break;
    }
    const val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
    if (dlen >= 2) out.push((val >> 16) & 255);
    if (dlen >= 3) out.push((val >> 8) & 255);
    if (dlen >= 4) out.push(val & 255);
    if (trailing >= 0) return corrupt(trailing);
    if (dlen < 4) return new Uint8Array(out);
  }
}

function base64urlDecode(s: string): string {
  if (!s.endsWith('=')) {
    switch (utf8(s).length % 4) {
      case 0:
        break;
      case 2:
        s += '==';
        break;
      case 3:
        s += '=';
        break;
      default:
        throw new BuiltinError(`illegal base64url string: ${s}`);
    }
  }
  return fromUtf8(b64decode(s, URL_MAP));
}

// ---- hex ----

function hexEncode(s: string): string {
  let out = '';
  for (const b of utf8(s)) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

function hexVal(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

function invalidByte(b: number): never {
  const hex = b.toString(16).toUpperCase().padStart(4, '0');
  const ch = String.fromCodePoint(b);
  const printable = b >= 0x20 && b !== 0x7f && !(b >= 0x80 && b < 0xa0);
  throw new BuiltinError(`encoding/hex: invalid byte: U+${hex}${printable ? ` '${ch}'` : ''}`);
}

function hexDecode(s: string): string {
  const src = utf8(s);
  const out = new Uint8Array(src.length >> 1);
  let j = 1;
  for (; j < src.length; j += 2) {
    const a = hexVal(src[j - 1]);
    const b = hexVal(src[j]);
    if (a < 0) invalidByte(src[j - 1]);
    if (b < 0) invalidByte(src[j]);
    out[(j - 1) >> 1] = (a << 4) | b;
  }
  if (src.length % 2 === 1) {
    if (hexVal(src[j - 1]) < 0) invalidByte(src[j - 1]);
    throw new BuiltinError('encoding/hex: odd length hex string');
  }
  return fromUtf8(out);
}

// ---- URL query strings ----

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x2d ||
    b === 0x5f ||
    b === 0x2e ||
    b === 0x7e
  );
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8(s)) {
    if (isUnreserved(b)) out += String.fromCharCode(b);
    else if (b === 0x20) out += '+';
    else out += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
  }
  return out;
}

/** Go's url.QueryUnescape. */
export function queryUnescape(s: string): string {
  const src = utf8(s);
  const out: number[] = [];
  for (let i = 0; i < src.length; ) {
    const b = src[i];
    if (b === 0x25) {
      if (i + 2 >= src.length || hexVal(src[i + 1]) < 0 || hexVal(src[i + 2]) < 0) {
        const bad = fromUtf8(src.slice(i, Math.min(i + 3, src.length)));
        throw new BuiltinError(`invalid URL escape ${goQuote(bad)}`);
      }
      out.push((hexVal(src[i + 1]) << 4) | hexVal(src[i + 2]));
      i += 3;
    } else {
      out.push(b === 0x2b ? 0x20 : b);
      i++;
    }
  }
  return fromUtf8(new Uint8Array(out));
}

function encodeObject(args: Value[]): string {
  const obj = args[0];
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || obj instanceof RSet) {
    return operandTypeError(0, obj, 'object');
  }
  const bad = () => new BuiltinError('operand 1 values must be string, array[string], or set[string]', 'eval_type_error');
  const pairs: [string, string[]][] = [];
  for (const [k, v] of objectEntries(obj)) {
    const key = typeof k === 'string' ? k : marshalJSON(k);
    let vals: string[];
    if (typeof v === 'string') vals = [v];
    else if (Array.isArray(v) || v instanceof RSet) {
      vals = [];
      for (const x of Array.isArray(v) ? v : v.sorted()) {
        if (typeof x !== 'string') throw bad();
        vals.push(x);
      }
    } else throw bad();
    pairs.push([key, vals]);
  }
  pairs.sort((a, b) => compareGoStrings(a[0], b[0]));
  const parts: string[] = [];
  for (const [k, vals] of pairs) for (const v of vals) parts.push(queryEscape(k) + '=' + queryEscape(v));
  return parts.join('&');
}

function decodeObject(s: string): Value {
  const out = Object.create(null) as PlainObject;
  let err: BuiltinError | undefined;
  for (const part of s.split('&')) {
    if (part.includes(';')) {
      err ??= new BuiltinError('invalid semicolon separator in query');
      continue;
    }
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = queryUnescape(eq < 0 ? part : part.slice(0, eq));
      value = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
    } catch (e) {
      if (e instanceof BuiltinError) err ??= e;
      continue;
    }
    const prev = out[key];
    out[key] = Array.isArray(prev) ? [...prev, value] : [value];
  }
  if (err) throw err;
  return out;
}

// ---- JSON ----

function marshalWithOptions(args: Value[], ctx: BuiltinContext): string {
  const v = args[0];
  const opts = args[1];
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts) || opts instanceof RSet) {
    return operandTypeError(1, opts, 'object');
  }
  let indent = '\t';
  let prefix = '';
  let implicit = false;
  let explicitSet = false;
  let pretty = false;
  objectEntries(opts).forEach(([k, val], idx) => {
    if (typeof k !== 'string') {
      throw new BuiltinError(
        `operand 2 failed to stringify key ${marshalJSON(k)} at index ${idx}: operand ${idx} must be string but got ${typeName(k)}`,
        'eval_type_error',
      );
    }
    const castErr = () =>
      new BuiltinError(`operand 2 key ${goQuote(k)} failed cast to string: operand ${idx} must be string but got ${typeName(val)}`, 'eval_type_error');
    switch (k) {
      case 'prefix':
        if (typeof val !== 'string') throw castErr();
        prefix = val;
        implicit = true;
        break;
      case 'indent':
        if (typeof val !== 'string') throw castErr();
        indent = val;
        implicit = true;
        break;
      case 'pretty':
        explicitSet = true;
        if (typeof val !== 'boolean') throw new BuiltinError(`operand 2 key ${goQuote(k)} failed cast to bool`, 'eval_type_error');
        pretty = val;
        break;
      default:
        throw new BuiltinError(`operand 2 object contained unknown key ${goQuote(k)}`, 'eval_type_error');
    }
  });
  if (!explicitSet) pretty = implicit;
  if (pretty) return prefix + marshalJSON(v, { prefix, indent, ctx });
  return marshalJSON(v);
}

// ---- YAML (go-yaml v2 through sigs.k8s.io/yaml: YAML 1.1 scalars, timestamps stay strings) ----

const yamlOptions = {
  version: '1.1' as const,
  intAsBigInt: true,
  uniqueKeys: false,
  merge: true,
  customTags: (tags: Tags): Tags => tags.filter((t) => typeof t === 'string' || !t.tag.endsWith(':timestamp')),
};

function yamlError(e: YAMLError): BuiltinError {
  const line = e.linePos?.[0]?.line ?? 1;
  let msg = e.message.split(' at line ')[0].split('\n')[0];
  if (e.code === 'MISSING_CHAR' && /Flow sequence/.test(msg)) msg = "did not find expected ',' or ']'";
  else if (e.code === 'MISSING_CHAR' && /Flow map/.test(msg)) msg = "did not find expected ',' or '}'";
  else msg = msg.charAt(0).toLowerCase() + msg.slice(1);
  return new BuiltinError(`error converting YAML to JSON: yaml: line ${line}: ${msg}`);
}

function yamlKey(k: unknown): string {
  switch (typeof k) {
    case 'string':
      return k;
    case 'bigint':
      return k.toString();
    case 'number':
      if (Number.isNaN(k)) return '.nan';
      if (!Number.isFinite(k)) return k > 0 ? '.inf' : '-.inf';
      return String(Math.fround(k) === k ? k : Number(k.toPrecision(7)));
    case 'boolean':
      return k ? 'true' : 'false';
  }
  throw new BuiltinError(`error converting YAML to JSON: Unsupported map key of type: ${k === null ? '<nil>' : typeof k}`);
}

function fromYAML(x: unknown): Value {
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'bigint':
      // go-yaml reads integers beyond 64 bits as floats.
      return x > 18446744073709551615n || x < -9223372036854775808n ? Number(x) : normBig(x);
    case 'number':
      if (!Number.isFinite(x)) {
        throw new BuiltinError(`error converting YAML to JSON: json: unsupported value: ${Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf'}`);
      }
      return Number.isInteger(x) && !Number.isSafeInteger(x) ? BigInt(x) : x;
    case 'undefined':
      return null;
  }
  if (x === null) return null;
  if (Array.isArray(x)) return x.map(fromYAML);
  if (x instanceof Map) {
    const out = Object.create(null) as PlainObject;
    for (const [k, v] of x) out[yamlKey(k)] = fromYAML(v);
    return out;
  }
  if (x instanceof Set) return [...x].map(fromYAML);
  if (x instanceof Uint8Array) return b64encode(x, STD, true);
  return String(x);
}

function parseYAML(s: string): Value {
  let docs;
  try {
    docs = parseAllDocuments(s, yamlOptions);
  } catch (e) {
    throw new BuiltinError(`error converting YAML to JSON: yaml: ${e instanceof Error ? e.message : String(e)}`);
  }
  const list = Array.isArray(docs) ? docs : [];
  if (!list.length) return null;
  const doc = list[0];
  if (doc.errors.length) throw yamlError(doc.errors[0]);
  try {
    return fromYAML(doc.toJS({ mapAsMap: true, maxAliasCount: 10000 }));
  } catch (e) {
    if (e instanceof BuiltinError) throw e;
    throw new BuiltinError(`error converting YAML to JSON: yaml: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function toYAMLData(v: Value): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return v;
    case 'number':
      return v;
  }
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(toYAMLData);
  if (v instanceof RSet) return v.sorted().map(toYAMLData);
  const entries = objectEntries(v).map(([k, x]) => [typeof k === 'string' ? k : marshalJSON(k), toYAMLData(x)] as const);
  entries.sort((a, b) => compareGoStrings(a[0], b[0]));
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, x] of entries) out[k] = x;
  return out;
}

// go-yaml v2's resolution of plain scalars: a string that would read back as null, a boolean,
// a number or a timestamp is written double-quoted; other strings that cannot be plain are
// single-quoted.
const yamlSpecial =
  /^(~|null|Null|NULL|[yYnN]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;
const yamlFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const yamlInt = /^[-+]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]*|[1-9][0-9]*)$/;

function resolvesAsNonString(s: string): boolean {
  if (s === '' || yamlSpecial.test(s)) return true;
  if (!/^[-+.0-9]/.test(s)) return false;
  if (/^\d{4}-\d\d?-\d\d?([Tt ]|$)/.test(s)) return true;
  const plain = s.replace(/_/g, '');
  return yamlInt.test(plain) || yamlFloat.test(plain) || /^[-+]?[0-9][0-9]*(:[0-5]?[0-9])+(\.[0-9]*)?$/.test(plain);
}

function yamlMarshal(v: Value): string {
  const doc = new Document(toYAMLData(v), { version: '1.1' });
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && !node.value.includes('\n') && resolvesAsNonString(node.value)) {
        node.type = 'QUOTE_DOUBLE';
      }
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0, singleQuote: true });
}

const str1 = (f: (s: string) => Value) => (args: Value[]) => f(argString(args, 0));

export const encodingBuiltins: BuiltinDef[] = [
  { name: 'base64.encode', args: ['string'], result: 'string', fn: str1((s) => b64encode(utf8(s), STD, true)) },
  { name: 'base64.decode', args: ['string'], result: 'string', fn: str1((s) => fromUtf8(b64decode(s, STD_MAP))) },
  {
    name: 'base64.is_valid',
    args: ['string'],
    result: 'boolean',
    fn: (args) => {
      if (typeof args[0] !== 'string') return false;
      try {
        b64decode(args[0], STD_MAP);
        return true;
      } catch {
        return false;
      }
    },
  },
  { name: 'base64url.encode', args: ['string'], result: 'string', fn: str1((s) => b64encode(utf8(s), URL, true)) },
  { name: 'base64url.encode_no_pad', args: ['string'], result: 'string', fn: str1((s) => b64encode(utf8(s), URL, false)) },
  { name: 'base64url.decode', args: ['string'], result: 'string', fn: str1(base64urlDecode) },
  { name: 'hex.encode', args: ['string'], result: 'string', fn: str1(hexEncode) },
  { name: 'hex.decode', args: ['string'], result: 'string', fn: str1(hexDecode) },
  { name: 'urlquery.encode', args: ['string'], result: 'string', fn: str1(queryEscape) },
  { name: 'urlquery.decode', args: ['string'], result: 'string', fn: str1(queryUnescape) },
  { name: 'urlquery.encode_object', args: ['object'], result: 'string', fn: encodeObject },
  { name: 'urlquery.decode_object', args: ['string'], result: 'object', fn: str1(decodeObject) },
  { name: 'json.marshal', args: ['any'], result: 'string', fn: (args) => marshalJSON(args[0]) },
  { name: 'json.marshal_with_options', args: ['any', 'object'], result: 'string', fn: marshalWithOptions },
  { name: 'json.unmarshal', args: ['string'], result: 'any', fn: str1(parseJSON) },
  { name: 'json.is_valid', args: ['string'], result: 'boolean', fn: (args) => typeof args[0] === 'string' && isValidJSON(args[0]) },
  { name: 'yaml.marshal', args: ['any'], result: 'string', fn: (args) => yamlMarshal(args[0]) },
  { name: 'yaml.unmarshal', args: ['string'], result: 'any', fn: str1(parseYAML) },
  {
    name: 'yaml.is_valid',
    args: ['string'],
    result: 'boolean',
    fn: (args) => {
      if (typeof args[0] !== 'string') return false;
      try {
        parseYAML(args[0]);
        return true;
      } catch {
        return false;
      }
    },
  },
];
