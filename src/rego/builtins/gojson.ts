// JSON as OPA reads and writes it with Go's encoding/json: a strict parser that keeps big
// integers exact and reports Go's error texts, and a marshaller with sorted keys, sets as
// sorted arrays, HTML-safe escaping of < > & and MarshalIndent's layout.

import { BuiltinError } from '../errors.js';
import {
  objectKeys,
  objectGet,
  parseNumber,
  RSet,
  type PlainObject,
  type Value,
} from '../value.js';
import { goQuote, numberText } from './gofmt.js';
import { chargeChars, type BuiltinContext } from './types.js';

class JSONSyntaxError extends Error {}

const MAX_DEPTH = 10000;

function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return `'"'`;
  const q = goQuote(c);
  return "'" + q.slice(1, -1) + "'";
}

class Parser {
  i = 0;
  depth = 0;
  constructor(readonly s: string) {}

  fail(context: string): never {
    if (this.i >= this.s.length) throw new JSONSyntaxError('unexpected end of JSON input');
    const ch = String.fromCodePoint(this.s.codePointAt(this.i) as number);
    throw new JSONSyntaxError(`invalid character ${quoteChar(ch)} ${context}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  value(): Value {
    this.ws();
    const s = this.s;
    const c = s[this.i];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
    }
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    return this.fail('looking for beginning of value');
  }

  literal(word: string, v: Value): Value {
    for (let k = 1; k < word.length; k++) {
      this.i++;
      if (this.s[this.i] !== word[k]) this.fail(`in literal ${word} (expecting '${word[k]}')`);
    }
    this.i++;
    return v;
  }

  number(): Value {
    const s = this.s;
    const start = this.i;
    const digit = () => this.i < s.length && s.charCodeAt(this.i) >= 48 && s.charCodeAt(this.i) <= 57;
    if (s[this.i] === '-') {
      this.i++;
      if (!digit()) this.fail('in numeric literal');
    }
    if (s[this.i] === '0') this.i++;
    else while (digit()) this.i++;
    if (s[this.i] === '.') {
      this.i++;
      if (!digit()) this.fail('after decimal point in numeric literal');
      while (digit()) this.i++;
    }
    if (s[this.i] === 'e' || s[this.i] === 'E') {
      this.i++;
      if (s[this.i] === '+' || s[this.i] === '-') this.i++;
      if (!digit()) this.fail('in exponent of numeric literal');
      while (digit()) this.i++;
    }
    return parseNumber(s.slice(start, this.i));
  }

  string(): string {
    const s = this.s;
    this.i++; // opening quote
    let out = '';
    let run = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail('');
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        out += s.slice(run, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail('in string literal');
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      out += s.slice(run, this.i);
      this.i++;
      const e = s[this.i];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          let cp = this.hex4();
          if (cp >= 0xd800 && cp <= 0xdbff && s[this.i + 1] === '\\' && s[this.i + 2] === 'u') {
            const save = this.i;
            this.i += 2;
            const lo = this.hex4();
            if (lo >= 0xdc00 && lo <= 0xdfff) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            else {
              this.i = save;
              cp = 0xfffd;
            }
          } else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
          out += String.fromCodePoint(cp);
          break;
        }
        default:
          this.fail('in string escape code');
      }
      this.i++;
      run = this.i;
    }
  }

  hex4(): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      this.i++;
      const h = this.s[this.i];
      const d = h === undefined ? -1 : parseInt(h, 16);
      if (Number.isNaN(d) || d < 0) this.fail('in \\u hexadecimal character escape');
      v = v * 16 + d;
    }
    return v;
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) throw new JSONSyntaxError('exceeded max depth');
  }

  array(): Value[] {
    this.enter();
    this.i++;
    const out: Value[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ']') {
        this.i++;
        this.depth--;
        return out;
      }
      this.fail('after array element');
    }
  }

  object(): PlainObject {
    this.enter();
    this.i++;
    const out = Object.create(null) as PlainObject;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('looking for beginning of object key string');
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail('after object key');
      this.i++;
      out[k] = this.value();
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '}') {
        this.i++;
        this.depth--;
        return out;
      }
      this.fail('after object key:value pair');
    }
  }
}

/** Parses one JSON document (with surrounding whitespace); throws a BuiltinError with Go's text. */
export function parseJSON(text: string): Value {
  const p = new Parser(text);
  try {
    p.ws();
    if (p.i >= text.length) throw new JSONSyntaxError('EOF');
    const v = p.value();
    p.ws();
    if (p.i < text.length) {
      const ch = String.fromCodePoint(text.codePointAt(p.i) as number);
      throw new JSONSyntaxError(`error: invalid character '${ch}' after top-level value`);
    }
    return v;
  } catch (e) {
    if (e instanceof JSONSyntaxError) {
      throw new BuiltinError(e.message === 'unexpected end of JSON input' ? 'unexpected EOF' : e.message);
    }
    if (e instanceof RangeError) throw new BuiltinError('exceeded max depth');
    throw e;
  }
}

/** Go's json.Valid. */
export function isValidJSON(text: string): boolean {
  const p = new Parser(text);
  try {
    p.ws();
    p.value();
    p.ws();
    return p.i === text.length;
  } catch (e) {
    if (e instanceof JSONSyntaxError || e instanceof RangeError) return false;
    throw e;
  }
}

// ---- marshalling ----

const hex = '0123456789abcdef';

/** A JSON string literal as Go's encoding/json writes it (HTML-safe). */
export function jsonString(s: string): string {
  let out = '"';
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      switch (c) {
        case 0x22:
          esc = '\\"';
          break;
        case 0x5c:
          esc = '\\\\';
          break;
        case 0x08:
          esc = '\\b';
          break;
        case 0x0c:
          esc = '\\f';
          break;
        case 0x0a:
          esc = '\\n';
          break;
        case 0x0d:
          esc = '\\r';
          break;
        case 0x09:
          esc = '\\t';
          break;
        default:
          esc = '\\u00' + hex[c >> 4] + hex[c & 15];
      }
    } else if (c === 0x2028 || c === 0x2029) {
      esc = c === 0x2028 ? '\\u2028' : '\\u2029';
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const lead = c <= 0xdbff;
      const next = s.charCodeAt(i + 1);
      if (lead && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      esc = '\ufffd';
    }
    if (esc !== undefined) {
      out += s.slice(run, i) + esc;
      run = i + 1;
    }
  }
  return out + s.slice(run) + '"';
}

/** Go's string order (UTF-8 bytes, i.e. code points), which JS's UTF-16 order differs from. */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function byKey(a: readonly [string, Value], b: readonly [string, Value]): number {
  return compareGoStrings(a[0], b[0]);
}

/** Keys as ast.JSON makes them: strings stay, other keys become their (compact) JSON text. */
function keyString(k: Value): string {
  return typeof k === 'string' ? k : marshalJSON(k);
}

function numberJSON(n: number | bigint): string {
  if (typeof n === 'number' && !Number.isFinite(n)) throw new BuiltinError(`json: unsupported value: ${n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN'}`);
  return numberText(n);
}

function compact(v: Value): string {
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'number':
    case 'bigint':
      return numberJSON(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[' + v.map(compact).join(',') + ']';
  if (v instanceof RSet) return '[' + v.sorted().map(compact).join(',') + ']';
  const entries = objectKeys(v).map((k) => [keyString(k), objectGet(v, k) as Value] as const);
  entries.sort(byKey);
  return '{' + entries.map(([k, x]) => jsonString(k) + ':' + compact(x)).join(',') + '}';
}

/** With `ctx`, the line starts it writes (prefix and indentation, from the operands) are charged to the evaluation budget. */
function indented(v: Value, prefix: string, indent: string, depth: number, ctx: BuiltinContext | undefined): string {
  const nl = '\n' + prefix + indent.repeat(depth + 1);
  const close = '\n' + prefix + indent.repeat(depth);
  if (Array.isArray(v) || v instanceof RSet) {
    const items = Array.isArray(v) ? v : v.sorted();
    if (!items.length) return '[]';
    if (ctx !== undefined) chargeChars(ctx, (items.length + 1) * nl.length);
    return '[' + items.map((x) => nl + indented(x, prefix, indent, depth + 1, ctx)).join(',') + close + ']';
  }
  if (typeof v === 'object' && v !== null) {
    const entries = objectKeys(v).map((k) => [keyString(k), objectGet(v, k) as Value] as const);
    if (!entries.length) return '{}';
    if (ctx !== undefined) chargeChars(ctx, (entries.length + 1) * nl.length);
    entries.sort(byKey);
    return '{' + entries.map(([k, x]) => nl + jsonString(k) + ': ' + indented(x, prefix, indent, depth + 1, ctx)).join(',') + close + '}';
  }
  return compact(v);
}

/** json.Marshal of ast.JSON(v); with indent options, json.MarshalIndent. */
export function marshalJSON(v: Value, pretty?: { prefix: string; indent: string; ctx?: BuiltinContext }): string {
  try {
    return pretty ? indented(v, pretty.prefix, pretty.indent, 0, pretty.ctx) : compact(v);
  } catch (e) {
    if (e instanceof RangeError) throw new BuiltinError('json: unsupported value: nesting too deep');
    throw e;
  }
}
