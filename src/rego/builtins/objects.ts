// Object builtins: object.get, object.keys, object.remove, object.filter, object.union,
// object.union_n, object.subset.

import { BuiltinError } from '../errors.js';
import {
  equal,
  isObject,
  keyOf,
  makeObject,
  objectEntries,
  objectGet,
  objectKeys,
  RSet,
  type ObjectValue,
  type Value,
} from '../value.js';
import { operandElementError } from './aggregates.js';
import { operandTypeError } from './numbers.js';
import { argArray, typeError, type BuiltinDef } from './types.js';

export function argObject(args: Value[], i: number): ObjectValue {
  const v = args[i];
  if (!isObject(v)) typeError(i, 'object', v);
  return v;
}

/** The keys named by object.remove/object.filter's second operand (object keys, set or array elements). */
function keyParam(args: Value[], i: number): Set<unknown> {
  const v = args[i];
  let keys: Value[];
  if (Array.isArray(v)) keys = v;
  else if (v instanceof RSet) keys = [...v.map.values()];
  else if (isObject(v)) keys = objectKeys(v);
  else operandTypeError(i, v, 'object', 'set', 'array');
  return new Set(keys.map(keyOf));
}

/** Looks a path up through objects, arrays (integer index) and sets (element); undefined if absent. */
function find(v: Value, path: Value[]): Value | undefined {
  let cur: Value = v;
  for (const k of path) {
    if (Array.isArray(cur)) {
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= cur.length) return undefined;
      cur = cur[k];
    } else if (cur instanceof RSet) {
      if (!cur.has(k)) return undefined;
      cur = cur.map.get(keyOf(k)) as Value;
    } else if (isObject(cur)) {
      const next = objectGet(cur, k);
      if (next === undefined) return undefined;
      cur = next;
    } else {
      return undefined;
    }
  }
  return cur;
}

/** Recursive merge: where both sides hold objects they are merged, otherwise the right side wins. */
function union(a: ObjectValue, b: ObjectValue): ObjectValue {
  const bEntries = objectEntries(b);
  if (bEntries.length === 0) return a;
  const aEntries = objectEntries(a);
  if (aEntries.length === 0) return b;
  const out: [Value, Value][] = [];
  for (const [k, v] of aEntries) {
    const w = objectGet(b, k);
    if (w === undefined) out.push([k, v]);
    else out.push([k, isObject(v) && isObject(w) ? union(v, w) : w]);
  }
  for (const [k, w] of bEntries) if (objectGet(a, k) === undefined) out.push([k, w]);
  return makeObject(out);
}

function arraySubset(sup: Value[], sub: Value[]): boolean {
  if (sub.length === 0) return true;
  if (sub.length > sup.length) return false;
  for (let i = 0; i + sub.length <= sup.length; i++) {
    let ok = true;
    for (let j = 0; j < sub.length && ok; j++) ok = equal(sup[i + j], sub[j]);
    if (ok) return true;
  }
  return false;
}

function setSubset(sup: RSet, sub: RSet): boolean {
  for (const k of sub.map.keys()) if (!sup.map.has(k)) return false;
  return true;
}

/** OPA counts matches of array elements in the set (an element may match more than once). */
function arraySetSubset(sup: Value[], sub: RSet): boolean {
  let unmatched = sub.size;
  for (const x of sup) {
    if (sub.has(x)) unmatched--;
    if (unmatched <= 0) return true;
  }
  return false;
}

function objectSubset(sup: ObjectValue, sub: ObjectValue): boolean {
  for (const [k, subV] of objectEntries(sub)) {
    const supV = objectGet(sup, k);
    if (supV === undefined) return false;
    if (equal(subV, supV)) continue;
    if (isObject(supV) && isObject(subV) && objectSubset(supV, subV)) continue;
    if (supV instanceof RSet && subV instanceof RSet && setSubset(supV, subV)) continue;
    if (Array.isArray(supV) && Array.isArray(subV) && arraySubset(supV, subV)) continue;
    return false;
  }
  return true;
}

export const objectsBuiltins: BuiltinDef[] = [
  {
    name: 'object.get',
    args: ['object', 'any', 'any'],
    result: 'any',
    fn: (args) => {
      const o = argObject(args, 0);
      const [, key, dflt] = args;
      // Not `??`: a null value is found, not absent.
      const got = !Array.isArray(key) ? objectGet(o, key) : key.length === 0 ? o : find(o, key);
      return got === undefined ? dflt : got;
    },
  },
  {
    name: 'object.keys',
    args: ['object'],
    result: 'set',
    fn: (args) => new RSet(objectKeys(argObject(args, 0))),
  },
  {
    name: 'object.remove',
    args: ['object', 'object|set|array'],
    result: 'object',
    fn: (args) => {
      const o = argObject(args, 0);
      const drop = keyParam(args, 1);
      const entries = objectEntries(o);
      const kept = entries.filter(([k]) => !drop.has(keyOf(k)));
      return kept.length === entries.length ? o : makeObject(kept);
    },
  },
  {
    name: 'object.filter',
    args: ['object', 'object|set|array'],
    result: 'object',
    fn: (args) => {
      const o = argObject(args, 0);
      const keep = keyParam(args, 1);
      const entries = objectEntries(o);
      const kept = entries.filter(([k]) => keep.has(keyOf(k)));
      return kept.length === entries.length ? o : makeObject(kept);
    },
  },
  {
    name: 'object.union',
    args: ['object', 'object'],
    result: 'object',
    fn: (args) => {
      const a = argObject(args, 0);
      const b = argObject(args, 1);
      return union(a, b);
    },
  },
  {
    name: 'object.union_n',
    args: ['array'],
    result: 'object',
    fn: (args) => {
      const arr = argArray(args, 0);
      let acc: ObjectValue = makeObject([]);
      for (const x of arr) {
        if (!isObject(x)) operandElementError(0, arr, x, 'object');
        acc = union(acc, x);
      }
      return acc;
    },
  },
  {
    name: 'object.subset',
    args: ['object|array|set', 'object|array|set'],
    result: 'boolean',
    fn: ([sup, sub]) => {
      if (isObject(sup) && isObject(sub)) return objectSubset(sup, sub);
      if (sup instanceof RSet && sub instanceof RSet) return setSubset(sup, sub);
      if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
      if (Array.isArray(sup) && sub instanceof RSet) return arraySetSubset(sup, sub);
      throw new BuiltinError(
        'both arguments object.subset must be of the same type or array and set',
        'eval_type_error',
      );
    },
  },
];
