// Arithmetic (+ - * / %), rounding, ranges, bit operations, to_number and rand.intn.
//
// Integers stay exact: results outside the safe range are computed with bigint and kept
// canonical with normBig. Anything involving a fraction is an IEEE double (OPA computes with
// big.Float; no conformance case depends on the difference).

import { BuiltinError } from '../errors.js';
import { normBig, RSet, typeName, type Value } from '../value.js';
import { argNumber, argString, type BuiltinDef } from './types.js';

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

/** Applies an operation exactly when both operands are integers, in doubles otherwise. */
function arith(a: Num, b: Num, f: (x: number, y: number) => number, g: (x: bigint, y: bigint) => bigint): Num {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = f(a, b);
    if (Number.isSafeInteger(r) || !Number.isInteger(a) || !Number.isInteger(b)) return canon(r);
    return normBig(g(BigInt(a), BigInt(b)));
  }
  if (isInt(a) && isInt(b)) return normBig(g(big(a), big(b)));
  return canon(f(Number(a), Number(b)));
}

export function plus(a: Num, b: Num): Num {
  return arith(a, b, (x, y) => x + y, (x, y) => x + y);
}
export function minus(a: Num, b: Num): Num {
  return arith(a, b, (x, y) => x - y, (x, y) => x - y);
}
export function mul(a: Num, b: Num): Num {
  return arith(a, b, (x, y) => x * y, (x, y) => x * y);
}

function div(a: Num, b: Num): Num {
  if (typeof b === 'number' ? b === 0 : b === 0n) throw new BuiltinError('divide by zero');
  if (typeof a === 'number' && typeof b === 'number') return canon(a / b);
  if (isInt(a) && isInt(b)) {
    const x = big(a);
    const y = big(b);
    if (x % y === 0n) return normBig(x / y);
  }
  return canon(Number(a) / Number(b));
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

function range(from: bigint, to: bigint, step: bigint): Value[] {
  const out: Value[] = [];
  if (from <= to) for (let i = from; i <= to; i += step) out.push(normBig(i));
  else for (let i = from; i >= to; i -= step) out.push(normBig(i));
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
    fn: (args) => {
      const a = argBigInt(args, 0);
      const b = argBigInt(args, 1);
      return range(a, b, 1n);
    },
  },
  {
    name: 'numbers.range_step',
    args: ['number', 'number', 'number'],
    result: 'array',
    fn: (args) => {
      const a = argBigInt(args, 0);
      const b = argBigInt(args, 1);
      const step = argBigInt(args, 2);
      if (step <= 0n) throw new BuiltinError('step must be a positive integer');
      return range(a, b, step);
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
    fn: (args) => {
      const x = argBigInt(args, 0);
      return normBig(x << argUInt(args, 1));
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
