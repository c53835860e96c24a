// Reading into values: one step of a reference (`x[k]`), iteration over a collection, and
// copy-on-write updates used by `with input.a.b as v`.

import { ObjectBuilder, objectGet, objectKeys, plainKeys, RObject, RSet, type ObjectValue, type PlainObject, type Value } from '../value.js';

const hasOwn = Object.prototype.hasOwnProperty;

/** `v[k]`: array index, object key or set member; undefined when absent or not a collection. */
export function getKey(v: Value | undefined, k: Value): Value | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (Array.isArray(v)) {
    if (typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < v.length) return v[k];
    return undefined;
  }
  if (v instanceof RSet) return v.has(k) ? k : undefined;
  if (v instanceof RObject) return v.get(k);
  if (typeof k !== 'string') return undefined;
  return hasOwn.call(v, k) ? (v as PlainObject)[k] : undefined;
}

/** Calls each(key, value) for every element in OPA's order; stops when each returns true. */
export function iterate(v: Value | undefined, each: (k: Value, val: Value) => boolean): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (each(i, v[i])) return true;
    return false;
  }
  if (v instanceof RSet) {
    for (const x of v.sorted()) if (each(x, x)) return true;
    return false;
  }
  if (v instanceof RObject) {
    for (const k of v.keys()) if (each(k, v.get(k) as Value)) return true;
    return false;
  }
  const o = v as PlainObject;
  for (const k of plainKeys(o)) if (each(k, o[k])) return true;
  return false;
}

export function getPath(v: Value | undefined, path: readonly string[], from = 0): Value | undefined {
  for (let i = from; i < path.length && v !== undefined; i++) v = getKey(v, path[i]);
  return v;
}

/** A copy of `base` with `value` placed at `path`, creating objects on the way. */
export function setPath(base: Value | undefined, path: readonly Value[], value: Value, from = 0): Value {
  if (from >= path.length) return value;
  const key = path[from];
  const b = new ObjectBuilder();
  let child: Value | undefined;
  if (typeof base === 'object' && base !== null && !Array.isArray(base) && !(base instanceof RSet)) {
    const o = base as ObjectValue;
    for (const k of objectKeys(o)) {
      if (equalKey(k, key)) child = objectGet(o, k);
      else b.set(k, objectGet(o, k) as Value);
    }
  }
  b.set(key, setPath(child, path, value, from + 1));
  return b.build();
}

function equalKey(a: Value, b: Value): boolean {
  return a === b;
}
