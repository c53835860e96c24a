// Rego values as plain JavaScript values, so a request body from JSON.parse is already a value
// and needs no conversion on the hot path.
//
//   null, boolean, string        JS primitives
//   number                       JS number; integers beyond 2^53 are bigint so they stay exact
//   array                        JS array (never mutated once built)
//   object with string keys      plain JS object (own properties only; prototype keys are data)
//   object with any other key    RObject
//   set                          RSet
//
// `undefined` means "undefined" in Rego's sense. Objects and sets iterate in OPA's sorted order.

export type Value = null | boolean | number | bigint | string | Value[] | PlainObject | RObject | RSet;
export interface PlainObject {
  [key: string]: Value;
}
export type ObjectValue = PlainObject | RObject;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Canonical Map key for a value: primitives stand for themselves, composites get a string form. */
export function keyOf(v: Value): unknown {
  switch (typeof v) {
    case 'string':
      return v.charCodeAt(0) === 0 ? '\u0000s' + v : v;
    case 'number':
      return v > MAX_SAFE || v < -MAX_SAFE ? (Number.isFinite(v) ? BigInt(v) : v) : v;
    case 'bigint':
      return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
    default:
      return v === null || typeof v === 'boolean' ? v : '\u0000c' + canonical(v);
  }
}

function canonical(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isInteger(v) && (v > MAX_SAFE || v < -MAX_SAFE) ? BigInt(v).toString() : String(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 't' : 'f';
  }
  if (v === null) return 'n';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + canonical(v[i]);
    return s + ']';
  }
  if (v instanceof RSet) {
    let s = '<';
    const items = v.sorted();
    for (let i = 0; i < items.length; i++) s += (i ? ',' : '') + canonical(items[i]);
    return s + '>';
  }
  let s = '{';
  const keys = objectKeys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    s += (i ? ',' : '') + canonical(k) + ':' + canonical(objectGet(v, k) as Value);
  }
  return s + '}';
}

/** A Rego set. Membership by value; iteration in sorted order (computed once, then cached). */
export class RSet {
  /** Created on first insert: many sets (rule results per request) stay empty. */
  private m: Map<unknown, Value> | null = null;
  private order: Value[] | undefined;

  constructor(items?: Iterable<Value>) {
    if (items) for (const v of items) this.add(v);
  }
  /** Canonical key → element. */
  get map(): Map<unknown, Value> {
    return (this.m ??= new Map());
  }
  get size(): number {
    return this.m === null ? 0 : this.m.size;
  }
  add(v: Value): void {
    const k = keyOf(v);
    const m = (this.m ??= new Map());
    if (!m.has(k)) {
      m.set(k, v);
      this.order = undefined;
    }
  }
  has(v: Value): boolean {
    return this.m !== null && this.m.has(keyOf(v));
  }
  sorted(): Value[] {
    if (this.order === undefined) this.order = this.m === null ? [] : [...this.m.values()].sort(compare);
    return this.order;
  }
}

/** An object with at least one non-string key. Entries are kept by canonical key. */
export class RObject {
  readonly map = new Map<unknown, [Value, Value]>();
  private order: Value[] | undefined;

  get size(): number {
    return this.map.size;
  }
  get(k: Value): Value | undefined {
    const e = this.map.get(keyOf(k));
    return e === undefined ? undefined : e[1];
  }
  set(k: Value, v: Value): void {
    const ck = keyOf(k);
    if (!this.map.has(ck)) this.order = undefined;
    this.map.set(ck, [k, v]);
  }
  keys(): Value[] {
    if (this.order === undefined) this.order = [...this.map.values()].map((e) => e[0]).sort(compare);
    return this.order;
  }
}

export function isObject(v: unknown): v is ObjectValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RSet);
}
export function isPlainObject(v: unknown): v is PlainObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RSet) && !(v instanceof RObject);
}
export function isNumber(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

const hasOwn = Object.prototype.hasOwnProperty;
const sortedKeyCache = new WeakMap<object, string[]>();

/** Sorted own keys of a plain object. Cached per object: values are immutable once built. */
export function plainKeys(o: PlainObject): string[] {
  let ks = sortedKeyCache.get(o);
  if (ks === undefined) {
    ks = Object.keys(o);
    if (ks.length > 1) ks.sort(compareStrings);
    // Small objects (most request bodies) are cheaper to sort again than to remember: a WeakMap
    // entry per request object costs more than sorting a handful of keys.
    if (ks.length > 16) sortedKeyCache.set(o, ks);
  }
  return ks;
}

export function objectKeys(o: ObjectValue): Value[] {
  return o instanceof RObject ? o.keys() : plainKeys(o);
}
export function objectSize(o: ObjectValue): number {
  return o instanceof RObject ? o.size : plainKeys(o).length;
}
export function objectGet(o: ObjectValue, k: Value): Value | undefined {
  if (o instanceof RObject) return o.get(k);
  if (typeof k !== 'string') return undefined;
  return hasOwn.call(o, k) ? o[k] : undefined;
}
export function objectEntries(o: ObjectValue): [Value, Value][] {
  if (o instanceof RObject) return o.keys().map((k) => [k, o.get(k) as Value]);
  return plainKeys(o).map((k) => [k, o[k]]);
}

/** Builds an object, choosing the plain representation while every key is a string. */
export class ObjectBuilder {
  private plain: PlainObject | null = Object.create(null) as PlainObject;
  private rich: RObject | null = null;

  /** Sets k to v. Returns false (and changes nothing) if k is present with a different value. */
  set(k: Value, v: Value): boolean {
    if (this.plain !== null && typeof k === 'string') {
      if (hasOwn.call(this.plain, k)) return equal(this.plain[k], v);
      this.plain[k] = v;
      return true;
    }
    if (this.rich === null) {
      this.rich = new RObject();
      if (this.plain !== null) for (const key of Object.keys(this.plain)) this.rich.set(key, this.plain[key]);
      this.plain = null;
    }
    const prev = this.rich.get(k);
    if (prev !== undefined) return equal(prev, v);
    this.rich.set(k, v);
    return true;
  }
  /** Sets k to v, replacing any previous value. */
  put(k: Value, v: Value): void {
    if (this.plain !== null && typeof k === 'string') {
      this.plain[k] = v;
      return;
    }
    if (!this.set(k, v)) (this.rich as RObject).set(k, v);
  }
  get(k: Value): Value | undefined {
    if (this.plain !== null) return typeof k === 'string' && hasOwn.call(this.plain, k) ? this.plain[k] : undefined;
    return (this.rich as RObject).get(k);
  }
  build(): ObjectValue {
    return this.plain !== null ? this.plain : (this.rich as RObject);
  }
}

export function makeObject(entries: Iterable<[Value, Value]>): ObjectValue {
  const b = new ObjectBuilder();
  for (const [k, v] of entries) {
    // Later keys win, as in a JSON object literal built by a builtin.
    if (!b.set(k, v)) {
      const o = b.build();
      if (o instanceof RObject) o.set(k, v);
      else (o as PlainObject)[k as string] = v;
    }
  }
  return b.build();
}

// ---- Order and equality (OPA: null < boolean < number < string < array < object < set) ----

function rank(v: Value): number {
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
    case 'bigint':
      return 2;
    case 'string':
      return 3;
  }
  if (v === null) return 0;
  if (Array.isArray(v)) return 4;
  if (v instanceof RSet) return 6;
  return 5;
}

/** OPA orders strings by their UTF-8 bytes, which is code point order (not UTF-16 units). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // A surrogate (part of a code point above U+FFFF) sorts after U+E000..U+FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        const xs = x <= 0xdfff;
        if (xs !== y <= 0xdfff) return xs ? 1 : -1;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  // Mixed: compare exactly. A float with a fractional part never equals a bigint.
  if (typeof a === 'number') {
    if (!Number.isFinite(a)) return a > 0 ? 1 : -1;
    const ia = BigInt(Math.floor(a));
    if (ia !== b) return ia < (b as bigint) ? -1 : 1;
    return a === Math.floor(a) ? 0 : 1;
  }
  return -compareNumbers(b, a);
}

export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return a ? 1 : -1;
    case 2:
      return compareNumbers(a as number, b as number);
    case 3:
      return compareStrings(a as string, b as string);
    case 4: {
      const x = a as Value[];
      const y = b as Value[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 5: {
      const x = a as ObjectValue;
      const y = b as ObjectValue;
      const kx = objectKeys(x);
      const ky = objectKeys(y);
      const n = Math.min(kx.length, ky.length);
      for (let i = 0; i < n; i++) {
        let c = compare(kx[i], ky[i]);
        if (c !== 0) return c;
        c = compare(objectGet(x, kx[i]) as Value, objectGet(y, ky[i]) as Value);
        if (c !== 0) return c;
      }
      return kx.length === ky.length ? 0 : kx.length < ky.length ? -1 : 1;
    }
    default: {
      const x = (a as RSet).sorted();
      const y = (b as RSet).sorted();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
  }
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta !== 'object' || typeof b !== 'object' || a === null || b === null) {
    if ((ta === 'number' || ta === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
      return compareNumbers(a as number, b as number) === 0;
    }
    return false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof RSet) {
    if (!(b instanceof RSet) || a.size !== b.size) return false;
    for (const k of a.map.keys()) if (!b.map.has(k)) return false;
    return true;
  }
  if (b instanceof RSet) return false;
  if (a instanceof RObject || b instanceof RObject) {
    if (!(a instanceof RObject) || !(b instanceof RObject) || a.size !== b.size) return false;
    for (const [ck, [, v]] of a.map) {
      const e = b.map.get(ck);
      if (e === undefined || !equal(v, e[1])) return false;
    }
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!hasOwn.call(b, k) || !equal((a as PlainObject)[k], (b as PlainObject)[k])) return false;
  }
  return true;
}

export function typeName(v: Value | undefined): string {
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
    case 'undefined':
      return 'undefined';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof RSet) return 'set';
  return 'object';
}

// ---- Numbers ----

/** Keeps the representation canonical: bigint only outside the safe integer range. */
export function normBig(b: bigint): number | bigint {
  return b <= MAX_SAFE && b >= -MAX_SAFE ? Number(b) : b;
}

export function isInteger(v: number | bigint): boolean {
  return typeof v === 'bigint' || Number.isInteger(v);
}

/** Converts a JSON/Rego number literal to a value, keeping big integers exact. */
export function parseNumber(raw: string): number | bigint {
  if (/^-?\d+$/.test(raw)) {
    if (raw.length < 16) return Number(raw);
    return normBig(BigInt(raw));
  }
  const n = Number(raw);
  if (Number.isInteger(n) && (n > MAX_SAFE || n < -MAX_SAFE) && /^-?\d+(\.0*)?([eE]\+?\d+)?$/.test(raw)) {
    return exactFromExponent(raw) ?? n;
  }
  return n;
}

function exactFromExponent(raw: string): bigint | undefined {
  const m = /^(-?)(\d+)(?:\.(\d*))?(?:[eE]\+?(\d+))?$/.exec(raw);
  if (!m) return undefined;
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const exp = Number(m[4] ?? '0') - frac.length;
  if (exp < 0 || exp > 400) return undefined;
  return BigInt(m[1] + m[2] + frac) * 10n ** BigInt(exp);
}

// ---- JSON conversion ----

/**
 * Converts a value to plain JSON data as OPA's ast.JSON does: sets become sorted arrays and
 * non-string object keys become their JSON text. Big integers stay bigint (see toJSONText).
 */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RSet) return v.sorted().map(toJSON);
  const out: Record<string, unknown> = Object.create(null);
  if (v instanceof RObject) {
    for (const k of v.keys()) out[typeof k === 'string' ? k : toJSONText(k)] = toJSON(v.get(k) as Value);
  } else {
    for (const k of plainKeys(v)) out[k] = toJSON(v[k]);
  }
  return out;
}

/** JSON text of a value, with exact big integers and sorted object keys. */
export function toJSONText(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[' + v.map(toJSONText).join(',') + ']';
  if (v instanceof RSet) return '[' + v.sorted().map(toJSONText).join(',') + ']';
  const parts: string[] = [];
  for (const k of objectKeys(v)) {
    const ks = typeof k === 'string' ? k : toJSONText(k);
    parts.push(JSON.stringify(ks) + ':' + toJSONText(objectGet(v, k) as Value));
  }
  return '{' + parts.join(',') + '}';
}
