// Aggregates over collections (count, sum, product, max, min, sort) and the membership
// helpers behind the `in` operator.

import { BuiltinError } from '../errors.js';
import {
  compare,
  equal,
  isObject,
  objectGet,
  objectKeys,
  objectSize,
  RSet,
  typeName,
  type Value,
} from '../value.js';
import { mul, operandTypeError, plus } from './numbers.js';
import type { BuiltinDef } from './types.js';

/** `operand 1 must be array of numbers but got array containing string` */
export function operandElementError(index: number, coll: Value, got: Value, expected: string): never {
  const t = typeName(coll);
  throw new BuiltinError(
    `operand ${index + 1} must be ${t} of ${expected}s but got ${t} containing ${typeName(got)}`,
    'eval_type_error',
  );
}

/** Elements of an array or set operand (sets in sorted order). */
function elements(args: Value[], i: number): Value[] {
  const v = args[i];
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.sorted();
  operandTypeError(i, v, 'set', 'array');
}

function fold(start: number, op: (a: number | bigint, b: number | bigint) => number | bigint) {
  return (args: Value[]): Value => {
    const coll = args[0];
    let acc: number | bigint = start;
    for (const x of elements(args, 0)) {
      if (typeof x !== 'number' && typeof x !== 'bigint') operandElementError(0, coll, x, 'number');
      acc = op(acc, x);
    }
    return acc;
  };
}

function extreme(sign: 1 | -1) {
  return (args: Value[]): Value | undefined => {
    const xs = elements(args, 0);
    if (xs.length === 0) return undefined;
    let best = xs[0];
    for (let i = 1; i < xs.length; i++) if (compare(xs[i], best) * sign > 0) best = xs[i];
    return best;
  };
}

/** Number of Unicode code points in a string. */
function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** `x in coll`: arrays and objects by value, sets by element; anything else is not a collection. */
export function member(x: Value, coll: Value): boolean {
  if (Array.isArray(coll)) {
    for (const e of coll) if (equal(e, x)) return true;
    return false;
  }
  if (coll instanceof RSet) return coll.has(x);
  if (isObject(coll)) {
    for (const k of objectKeys(coll)) if (equal(objectGet(coll, k) as Value, x)) return true;
  }
  return false;
}

/** `k, v in coll`: the value at key (object) or index (array) equals v. */
export function memberWithKey(k: Value, v: Value, coll: Value): boolean {
  if (Array.isArray(coll)) {
    // A bigint index is beyond any array.
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= coll.length) return false;
    return equal(coll[k], v);
  }
  if (isObject(coll)) {
    const got = objectGet(coll, k);
    return got !== undefined && equal(got, v);
  }
  return false;
}

export const aggregatesBuiltins: BuiltinDef[] = [
  {
    name: 'count',
    args: ['array|object|set|string'],
    result: 'number',
    fn: ([v]) => {
      if (Array.isArray(v)) return v.length;
      if (v instanceof RSet) return v.size;
      if (typeof v === 'string') return runeCount(v);
      if (isObject(v)) return objectSize(v);
      operandTypeError(0, v, 'array', 'object', 'set', 'string');
    },
  },
  { name: 'sum', args: ['array|set'], result: 'number', fn: fold(0, plus) },
  { name: 'product', args: ['array|set'], result: 'number', fn: fold(1, mul) },
  { name: 'max', args: ['array|set'], result: 'any', fn: extreme(1) },
  { name: 'min', args: ['array|set'], result: 'any', fn: extreme(-1) },
  {
    name: 'sort',
    args: ['array|set'],
    result: 'array',
    fn: (args) => {
      const v = args[0];
      if (v instanceof RSet) return v.sorted().slice();
      return elements(args, 0).slice().sort(compare);
    },
  },
  { name: 'internal.member_2', args: ['any', 'any'], result: 'boolean', fn: ([x, c]) => member(x, c), binary: member },
  {
    name: 'internal.member_3',
    args: ['any', 'any', 'any'],
    result: 'boolean',
    fn: ([k, v, c]) => memberWithKey(k, v, c),
  },
];
