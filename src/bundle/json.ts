// JSON and YAML parsing for bundle files.
//
// Data files become engine values (src/rego/value.ts): integers beyond 2^53 must stay exact, which
// JSON.parse cannot do. JSON.parse is used whenever the text has no digit run long enough to be
// such an integer (and no exponent); otherwise a small exact parser runs, giving numbers through
// parseNumber. The same parser, with numbers kept as their source text, feeds the canonical
// hashing of signed structured files (see hash.ts), as OPA hashes json.Number literally.

import { parse as parseYamlText } from 'yaml';
import { normBig, parseNumber, type Value } from '../rego/value.js';
import { BundleError } from './errors.js';

/** A JSON number kept as the literal text it had in the file. */
export class RawNumber {
  constructor(readonly raw: string) {}
}

/** Tree produced by parseJSONRaw: like JSON values, with RawNumber for numbers. */
export type RawJSON = null | boolean | string | RawNumber | RawJSON[] | { [k: string]: RawJSON };

const MIGHT_NEED_EXACT = /\d{16}|\d[eE]/;

/** Parses a JSON data file into an engine value, keeping big integers exact. */
export function parseJSONValue(text: string, file: string): Value {
  if (!MIGHT_NEED_EXACT.test(text)) {
    try {
      return JSON.parse(text) as Value;
    } catch (e) {
      throw new BundleError('invalid_json', `invalid JSON: ${(e as Error).message}`, file);
    }
  }
  return new ExactParser(text, file, parseNumber).parse() as Value;
}

/** Parses JSON keeping numbers as their source text (for canonical hashing). */
export function parseJSONRaw(text: string, file: string): RawJSON {
  return new ExactParser(text, file, (raw) => new RawNumber(raw)).parse() as RawJSON;
}

/** Sets an own data property, also for the key "__proto__" (as JSON.parse does). */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

class ExactParser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly s: string,
    private readonly file: string,
    private readonly num: (raw: string) => unknown,
  ) {}

  parse(): unknown {
    try {
      return this.document();
    } catch (e) {
      if (e instanceof RangeError) this.fail('nesting too deep');
      throw e;
    }
  }

  private document(): unknown {
    this.ws();
    const v = this.value();
    this.ws();
    if (this.i < this.s.length) this.fail('unexpected data after the JSON value');
    return v;
  }

  private fail(msg: string): never {
    const before = this.s.slice(0, this.i);
    const line = before.split('\n').length;
    const col = this.i - before.lastIndexOf('\n');
    throw new BundleError('invalid_json', `invalid JSON at ${line}:${col}: ${msg}`, this.file);
  }

  private ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  private value(): unknown {
    const c = this.s.charCodeAt(this.i);
    if (c === 123) return this.object();
    if (c === 91) return this.array();
    if (c === 34) return this.string();
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    if (this.s.startsWith('true', this.i)) return (this.i += 4), true;
    if (this.s.startsWith('false', this.i)) return (this.i += 5), false;
    if (this.s.startsWith('null', this.i)) return (this.i += 4), null;
    return this.fail(this.i >= this.s.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(this.s[this.i])}`);
  }

  private enter(): void {
    if (++this.depth > 5_000) this.fail('nesting deeper than 5000');
  }

  private object(): Record<string, unknown> {
    this.enter();
    this.i++;
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) {
      this.i++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 34) this.fail('expected a string key');
      const k = this.string();
      this.ws();
      if (this.s.charCodeAt(this.i) !== 58) this.fail("expected ':'");
      this.i++;
      this.ws();
      setOwn(out, k, this.value());
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 44) continue;
      if (c === 125) break;
      this.i--;
      this.fail("expected ',' or '}'");
    }
    this.depth--;
    return out;
  }

  private array(): unknown[] {
    this.enter();
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.s.charCodeAt(this.i) === 93) {
      this.i++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 44) continue;
      if (c === 93) break;
      this.i--;
      this.fail("expected ',' or ']'");
    }
    this.depth--;
    return out;
  }

  private string(): string {
    const s = this.s;
    const start = this.i;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= s.length) {
        this.i = i;
        this.fail('unterminated string');
      }
      const c = s.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c < 32) {
        this.i = i;
        this.fail('control character in string');
      }
      i++;
    }
    this.i = i + 1;
    if (!escaped) return s.slice(start + 1, i);
    try {
      return JSON.parse(s.slice(start, i + 1)) as string;
    } catch {
      this.i = start;
      return this.fail('invalid escape in string');
    }
  }

  private number(): unknown {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (!r || r[0] === '-' || r[0].length === 0) this.fail('invalid number');
    this.i += r[0].length;
    return this.num(r[0]);
  }
}

/** Parses a YAML data file (YAML 1.1, as OPA's YAML library reads it) into an engine value. */
export function parseYAMLValue(text: string, file: string): Value {
  let doc: unknown;
  try {
    doc = parseYamlText(text, {
      version: '1.1',
      intAsBigInt: true,
      maxAliasCount: 1000,
      // OPA's YAML-to-JSON step leaves timestamps as strings.
      customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
    });
  } catch (e) {
    throw new BundleError('invalid_yaml', `invalid YAML: ${(e as Error).message}`, file);
  }
  return fromYaml(doc, file, 0);
}

function fromYaml(x: unknown, file: string, depth: number): Value {
  if (depth > 10_000) throw new BundleError('invalid_yaml', 'nesting deeper than 10000', file);
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'boolean':
    case 'string':
      return x;
    case 'bigint':
      return normBig(x);
    case 'number':
      if (!Number.isFinite(x)) throw new BundleError('invalid_yaml', `number ${x} has no JSON form`, file);
      return x;
  }
  if (Array.isArray(x)) return x.map((e) => fromYaml(e, file, depth + 1));
  if (x instanceof Set) return [...x].map((e) => fromYaml(e, file, depth + 1));
  if (x instanceof Uint8Array) return Buffer.from(x).toString('base64');
  if (x instanceof Date) return x.toISOString();
  const out: Record<string, Value> = {};
  const entries = x instanceof Map ? [...x.entries()] : Object.entries(x as object);
  for (const [k, v] of entries) setOwn(out, typeof k === 'string' ? k : String(k), fromYaml(v, file, depth + 1));
  return out;
}
