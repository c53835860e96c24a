// Arithmetic (+ - * / %), rounding, ranges, bit operations, to_number and rand.intn.
//
// Integers stay exact: results outside the safe range are computed with bigint and kept
// canonical with normBig (OPA rounds those to a 64-bit mantissa; exact is strictly better).
// Anything involving a fraction is computed as OPA does, with 64-bit-mantissa floats (below).

import { BuiltinError } from '../errors.js';
import { normBig, RSet, typeName, type Value } from '../value.js';
import { argNumber, argString, type BuiltinContext, type BuiltinDef } from './types.js';

/** OPA's operand type error with the expected types in the order given (OPA does not sort them). */
export function operandTypeError(index: number, got: Value | undefined, ...expected: string[]): never {
  const want = expected.length === 1 ? expected[0] : `one of {${expected.join(', ')}}`;
  throw new BuiltinError(`operand ${index + 1} must be ${want} but got ${typeName(got)}`, 'eval_type_error');
}

/** OPA's operand error with a free-form description: `operand 1 must be <detail>`. */
export function operandError(index: number, detail: string): never {
  throw new BuiltinError(`operand ${index + 1} must be ${detail}`, 'eval_type_error');
}

type Num = number | bigint;

function isInt(n: Num): boolean {
  return typeof n === 'bigint' || Number.isInteger(n);
}

/** A double result in canonical form: no -0, integers beyond the safe range as bigint. */
function canon(r: number): Num {
  if (r === 0) return 0;
  if (!Number.isFinite(r)) throw new BuiltinError('arithmetic result out of range');
  if (Number.isInteger(r) && !Number.isSafeInteger(r)) return BigInt(r);
  return r;
}

function big(n: Num): bigint {
  return typeof n === 'bigint' ? n : BigInt(n);
}

// ---- Floats as OPA computes them ----
// OPA parses each operand's decimal text into a big.Float with a 64-bit mantissa, operates at that
// precision and prints the shortest text for the result. Doing the same (from the shortest text of
// the double, which is what the policy or input wrote) makes `0.1 + 0.2 == 0.3` true, as in OPA.

/** m * 2^e with |m| in [2^63, 2^64), or m = 0. */
interface F64 {
  m: bigint;
  e: number;
}

const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;

function bitLength(n: bigint): number {
  if (n === 0n) return 0;
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(hex[0], 16)));
}

/** Rounds num/den * 2^e0 (den > 0) to a 64-bit mantissa, ties to even. */
function roundRat(num: bigint, den: bigint, e0: number): F64 {
  if (num === 0n) return { m: 0n, e: 0 };
  const neg = num < 0n;
  const n = neg ? -num : num;
  let s = 64 - (bitLength(n) - bitLength(den));
  let q = 0n;
  let r = 0n;
  let d = den;
  const divide = () => {
    if (s >= 0) {
      const nn = n << BigInt(s);
      d = den;
      q = nn / d;
      r = nn % d;
    } else {
      d = den << BigInt(-s);
      q = n / d;
      r = n % d;
    }
  };
  divide();
  while (q >= TWO64) {
    s--;
    divide();
  }
  while (q < TWO63) {
    s++;
    divide();
  }
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) {
    q++;
    if (q === TWO64) {
      q = TWO63;
      s--;
    }
  }
  return { m: neg ? -q : q, e: e0 - s };
}

function toF64(x: Num): F64 {
  if (typeof x === 'bigint') return roundRat(x, 1n, 0);
  if (Number.isSafeInteger(x)) return roundRat(BigInt(x), 1n, 0);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!m) throw new BuiltinError(`cannot convert ${x} to a number`);
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0') - frac.length;
  const digits = BigInt(m[1] + m[2] + frac);
  return exp >= 0 ? roundRat(digits * 10n ** BigInt(exp), 1n, 0) : roundRat(digits, 10n ** BigInt(-exp), 0);
}

/**
 * The value of a 64-bit float: an integer when it is one, else the nearest double. Integers of
 * 2^64 and more are printed by OPA with the fewest digits that still round to the same float.
 */
function fromF64(f: F64): Num {
  if (f.m === 0n) return 0;
  if (f.e === 0) return normBig(f.m);
  if (f.e > 0) {
    const exact = f.m << BigInt(f.e);
    const neg = exact < 0n;
    const abs = neg ? -exact : exact;
    const len = abs.toString().length;
    for (let p = 1; p < len; p++) {
      const scale = 10n ** BigInt(len - p);
      let q = abs / scale;
      const r2 = (abs % scale) * 2n;
      if (r2 > scale || (r2 === scale && (q & 1n) === 1n)) q++;
      const cand = q * scale;
      const back = roundRat(cand, 1n, 0);
      if (back.m === (neg ? -f.m : f.m) && back.e === f.e) return neg ? -cand : cand;
    }
    return exact;
  }
  const unit = 1n << BigInt(-f.e);
  if (f.m % unit === 0n) return normBig(f.m / unit);
  const hi = Math.max(f.e, -1000);
  return canon(Number(f.m) * 2 ** hi * 2 ** (f.e - hi));
}

function add64(x: F64, y: F64): F64 {
  if (x.m === 0n) return y;
  if (y.m === 0n) return x;
  const e = Math.min(x.e, y.e);
  return roundRat((x.m << BigInt(x.e - e)) + (y.m << BigInt(y.e - e)), 1n, e);
}

function mul64(x: F64, y: F64): F64 {
  return roundRat(x.m * y.m, 1n, x.e + y.e);
}

function div64(x: F64, y: F64): F64 {
  return y.m < 0n ? roundRat(-x.m, -y.m, x.e - y.e) : roundRat(x.m, y.m, x.e - y.e);
}

/** Exact integer arithmetic when both operands are integers, OPA's 64-bit floats otherwise. */
function arith(a: Num, b: Num, g: (x: bigint, y: bigint) => bigint, h: (x: F64, y: F64) => F64): Num {
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) {
    const r = g(BigInt(a), BigInt(b));
    return normBig(r);
  }
  if (isInt(a) && isInt(b)) return normBig(g(big(a), big(b)));
  return fromF64(h(toF64(a), toF64(b)));
}

export function plus(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return arith(a, b, (x, y) => x + y, add64);
}
export function minus(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return arith(a, b, (x, y) => x - y, (x, y) => add64(x, { m: -y.m, e: y.e }));
}
export function mul(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  return arith(a, b, (x, y) => x * y, mul64);
}

function div(a: Num, b: Num): Num {
  if (typeof b === 'number' ? b === 0 : b === 0n) throw new BuiltinError('divide by zero');
  if (isInt(a) && isInt(b)) {
    const x = big(a);
    const y = big(b);
    if (x % y === 0n) return normBig(x / y);
  }
  return fromF64(div64(toF64(a), toF64(b)));
}

function rem(a: Num, b: Num): Num {
  if (!isInt(a) || !isInt(b)) throw new BuiltinError('modulo on floating-point number');
  if (typeof b === 'number' ? b === 0 : b === 0n) throw new BuiltinError('modulo by zero');
  if (typeof a === 'number' && typeof b === 'number') return canon(a % b);
  return normBig(big(a) % big(b));
}

/** An integer operand as bigint, with OPA's messages for non-numbers and fractions. */
export function argBigInt(args: Value[], i: number): bigint {
  const v = args[i];
  if (typeof v === 'bigint') return v;
  if (typeof v !== 'number') operandTypeError(i, v, 'integer');
  if (!Number.isInteger(v)) operandError(i, 'integer number but got floating-point number');
  return BigInt(v);
}

/** A non-negative integer operand (shift counts). */
function argUInt(args: Value[], i: number): bigint {
  const v = argNumber(args, i);
  if (!isInt(v)) operandError(i, 'integer number but got floating-point number');
  const b = big(v);
  if (b < 0n) operandError(i, 'an unsigned integer number but got a negative integer');
  return b;
}

function roundWith(f: (x: number) => number) {
  return (args: Value[]): Value => {
    const n = argNumber(args, 0);
    return typeof n === 'bigint' ? n : canon(f(n));
  };
}

/** Elements numbers.range builds between two charges to the evaluation budget. */
const RANGE_CHUNK = 4096;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * numbers.range(_step): `from` to `to` inclusive, `step` apart (counting down when from > to).
 * Each chunk of up to RANGE_CHUNK elements is charged to the evaluation budget before it is built,
 * one unit per element: a huge range stops at the budget, at most one chunk past it.
 */
function range(from: bigint, to: bigint, step: bigint, ctx: BuiltinContext): Value[] {
  const up = from <= to;
  let left = Number((up ? to - from : from - to) / step + 1n);
  const out: Value[] = [];
  if (from >= -MAX_SAFE && from <= MAX_SAFE && to >= -MAX_SAFE && to <= MAX_SAFE && step <= MAX_SAFE) {
    // Every element lies between from and to: plain numbers, exact.
    const d = up ? Number(step) : -Number(step);
    let v = Number(from);
    while (left > 0) {
      const n = Math.min(left, RANGE_CHUNK);
      ctx.charge(n);
      for (let k = 0; k < n; k++, v += d) out.push(v);
      left -= n;
    }
    return out;
  }
  const d = up ? step : -step;
  let v = from;
  while (left > 0) {
    const n = Math.min(left, RANGE_CHUNK);
    ctx.charge(n);
    for (let k = 0; k < n; k++, v += d) out.push(normBig(v));
    left -= n;
  }
  return out;
}

const GO_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const GO_HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/;

function toNumber(args: Value[]): Value {
  const a = args[0];
  switch (typeof a) {
    case 'number':
    case 'bigint':
      return a;
    case 'boolean':
      return a ? 1 : 0;
    case 'string':
      break;
    default:
      if (a === null) return 0;
      operandTypeError(0, a, 'null', 'boolean', 'number', 'string');
  }
  const lower = a.replace(/^[+-]+/, '').toLowerCase();
  if (lower === 'inf' || lower === 'infinity' || lower === 'nan') operandTypeError(0, a, 'valid number string');
  const quoted = JSON.stringify(a);
  if (GO_FLOAT.test(a)) {
    const text = a.startsWith('+') ? a.slice(1) : a;
    if (!Number.isFinite(Number(text))) {
      throw new BuiltinError(`strconv.ParseFloat: parsing ${quoted}: value out of range`);
    }
    return parseExact(text);
  }
  const hex = GO_HEX_FLOAT.exec(a);
  if (hex && (hex[2] !== '' || (hex[3] ?? '') !== '')) {
    const digits = hex[2] + (hex[3] ?? '');
    const r = Number(BigInt('0x' + digits)) * 2 ** (Number(hex[4]) - 4 * (hex[3] ?? '').length);
    if (!Number.isFinite(r)) throw new BuiltinError(`strconv.ParseFloat: parsing ${quoted}: value out of range`);
    return canon(hex[1] === '-' ? -r : r);
  }
  throw new BuiltinError(`strconv.ParseFloat: parsing ${quoted}: invalid syntax`);
}

/** A decimal number text as a value, exact for integers of any size. */
function parseExact(text: string): Num {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m) {
    const frac = (m[3] ?? '').replace(/0+$/, '');
    const exp = Number(m[4] ?? '0') - frac.length;
    const digits = (m[2] + frac).replace(/^0+/, '') || '0';
    if (exp >= 0 && exp <= 400 && digits.length + exp > 15) {
      return normBig(BigInt(m[1] + digits) * 10n ** BigInt(exp));
    }
  }
  return canon(Number(text));
}

function bitwise(f: (x: bigint, y: bigint) => bigint) {
  return (args: Value[]): Value => {
    const x = argBigInt(args, 0);
    const y = argBigInt(args, 1);
    return normBig(f(x, y));
  };
}

export const numbersBuiltins: BuiltinDef[] = [
  {
    name: 'plus',
    args: ['number', 'number'],
    result: 'number',
    fn: (args) => plus(argNumber(args, 0), argNumber(args, 1)),
  },
  {
    name: 'minus',
    args: ['number|set', 'number|set'],
    result: 'number|set',
    fn: ([a, b]) => {
      const n1 = typeof a === 'number' || typeof a === 'bigint';
      const n2 = typeof b === 'number' || typeof b === 'bigint';
      if (n1 && n2) return minus(a as Num, b as Num);
      if (a instanceof RSet && b instanceof RSet) {
        const out = new RSet();
        for (const [k, v] of a.map) if (!b.map.has(k)) out.add(v);
        return out;
      }
      if (!n1 && !(a instanceof RSet)) operandTypeError(0, a, 'number', 'set');
      if (n2) operandTypeError(1, b, 'set');
      operandTypeError(1, b, 'number');
    },
  },
  {
    name: 'mul',
    args: ['number', 'number'],
    result: 'number',
    fn: (args) => mul(argNumber(args, 0), argNumber(args, 1)),
  },
  {
    name: 'div',
    args: ['number', 'number'],
    result: 'number',
    fn: (args) => div(argNumber(args, 0), argNumber(args, 1)),
  },
  {
    name: 'rem',
    args: ['number', 'number'],
    result: 'number',
    fn: (args) => rem(argNumber(args, 0), argNumber(args, 1)),
  },
  {
    name: 'abs',
    args: ['number'],
    result: 'number',
    fn: (args) => {
      const n = argNumber(args, 0);
      return typeof n === 'bigint' ? (n < 0n ? -n : n) : canon(Math.abs(n));
    },
  },
  { name: 'ceil', args: ['number'], result: 'number', fn: roundWith(Math.ceil) },
  { name: 'floor', args: ['number'], result: 'number', fn: roundWith(Math.floor) },
  // Half away from zero, as Go's big.Float rounding in OPA.
  { name: 'round', args: ['number'], result: 'number', fn: roundWith((x) => Math.sign(x) * Math.round(Math.abs(x))) },
  {
    name: 'numbers.range',
    args: ['number', 'number'],
    result: 'array',
    fn: (args, ctx) => {
      const a = argBigInt(args, 0);
      const b = argBigInt(args, 1);
      return range(a, b, 1n, ctx);
    },
  },
  {
    name: 'numbers.range_step',
    args: ['number', 'number', 'number'],
    result: 'array',
    fn: (args, ctx) => {
      const a = argBigInt(args, 0);
      const b = argBigInt(args, 1);
      const step = argBigInt(args, 2);
      if (step <= 0n) throw new BuiltinError('step must be a positive integer');
      return range(a, b, step, ctx);
    },
  },
  {
    name: 'rand.intn',
    args: ['string', 'number'],
    result: 'number',
    nondeterministic: true,
    fn: (args, ctx) => {
      const s = argString(args, 0);
      const v = argNumber(args, 1);
      if (!isInt(v)) operandError(1, 'integer number but got floating-point number');
      let n = big(v);
      if (n === 0n) return 0;
      if (n < 0n) n = -n;
      const key = 'rand.intn:' + JSON.stringify([s, n.toString()]);
      const hit = ctx.memo.get(key);
      if (hit !== undefined) return hit;
      const r = n <= BigInt(Number.MAX_SAFE_INTEGER) ? Math.floor(Math.random() * Number(n)) : randomBelow(n);
      const out = typeof r === 'bigint' ? normBig(r) : r;
      ctx.memo.set(key, out);
      return out;
    },
  },
  { name: 'to_number', args: ['null|boolean|number|string'], result: 'number', fn: toNumber },
  { name: 'bits.and', args: ['number', 'number'], result: 'number', fn: bitwise((x, y) => x & y) },
  { name: 'bits.or', args: ['number', 'number'], result: 'number', fn: bitwise((x, y) => x | y) },
  { name: 'bits.xor', args: ['number', 'number'], result: 'number', fn: bitwise((x, y) => x ^ y) },
  { name: 'bits.negate', args: ['number'], result: 'number', fn: (args) => normBig(~argBigInt(args, 0)) },
  {
    name: 'bits.lsh',
    args: ['number', 'number'],
    result: 'number',
    fn: (args, ctx) => {
      const x = argBigInt(args, 0);
      const n = argUInt(args, 1);
      // The result grows by n bits (and printing it costs more than linearly): one unit per bit.
      if (x !== 0n) ctx.charge(n > 1n << 31n ? 2 ** 31 : Number(n));
      return normBig(x << n);
    },
  },
  {
    name: 'bits.rsh',
    args: ['number', 'number'],
    result: 'number',
    fn: (args) => {
      const x = argBigInt(args, 0);
      return normBig(x >> argUInt(args, 1));
    },
  },
];

function randomBelow(n: bigint): bigint {
  let r = 0n;
  for (let bits = 0n; 1n << bits < n * 2n; bits += 30n) r = (r << 30n) | BigInt(Math.floor(Math.random() * 2 ** 30));
  return r % n;
}
