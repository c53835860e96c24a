// units.parse (SI and binary SI suffixes, exact rational arithmetic as OPA's big.Rat) and
// units.parse_bytes (byte units, Go big.Float arithmetic at 64-bit precision, truncated to an
// integer). Both accept scientific notation in the amount and ignore double quotes.

import { BuiltinError } from '../errors.js';
import { normBig, type Value } from '../value.js';
import { argString, type BuiltinDef } from './types.js';

const MAX_EXPONENT_DIGITS = 6;

/** Splits "10.5e3KiB" into the amount and the unit, as OPA's extractNumAndUnit. */
function extractNumAndUnit(s: string, fail: (msg: string) => never): [string, string] {
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  let first = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (!isDigit(c) && c !== '.' && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') {
      first = i;
      break;
    }
    if (c === 'e' || c === 'E') {
      const next = s[i + 1];
      if (i === s.length - 1 || (!isDigit(next) && next !== '+' && next !== '-')) {
        first = i;
        break;
      }
      if (next === '+' || next === '-') i++;
      let end = i + 1;
      while (end < s.length && isDigit(s[end])) end++;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) fail('exponent too large');
    }
  }
  if (first === -1) return [s, ''];
  if (first === 0) return ['', s];
  return [s.slice(0, first), s.slice(first)];
}

interface Rat {
  n: bigint; // signed numerator
  d: bigint; // positive denominator
}

/** big.Rat.SetString for decimal amounts (sign, digits, point, exponent). */
function parseRat(num: string): Rat | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(num);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  let n = BigInt((m[2] || '0') + frac);
  let d = 10n ** BigInt(frac.length);
  const exp = Number(m[4] ?? '0');
  if (exp > 0) n *= 10n ** BigInt(exp);
  else if (exp < 0) d *= 10n ** BigInt(-exp);
  if (m[1] === '-') n = -n;
  return { n, d };
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Rounds |n|/d to a 64-bit mantissa, half to even: returns m and e with |n|/d ≈ m·2^e. */
function toFloat64Bits(n: bigint, d: bigint): { m: bigint; e: number } {
  if (n === 0n) return { m: 0n, e: 0 };
  const prec = 64;
  let e = bitLength(n) - bitLength(d) - prec;
  for (;;) {
    const num = e < 0 ? n << BigInt(-e) : n;
    const den = e > 0 ? d << BigInt(e) : d;
    let q = num / den;
    const r = num % den;
    if (q >= 1n << BigInt(prec)) {
      e++;
      continue;
    }
    if (q < 1n << BigInt(prec - 1)) {
      e--;
      continue;
    }
    if (2n * r > den || (2n * r === den && (q & 1n) === 1n)) q++;
    if (q === 1n << BigInt(prec)) {
      q >>= 1n;
      e++;
    }
    return { m: q, e };
  }
}

/** big.Rat.FloatString(10): ten decimals, halves rounded away from zero. */
function floatString10(r: Rat): string {
  const neg = r.n < 0n;
  const a = neg ? -r.n : r.n;
  const scale = 10n ** 10n;
  let q = (a * scale) / r.d;
  const rem = (a * scale) % r.d;
  if (2n * rem >= r.d) q++;
  const s = q.toString().padStart(11, '0');
  return (neg ? '-' : '') + s.slice(0, -10) + '.' + s.slice(-10);
}

// The exact rational value of the float64 0.001 (OPA sets the milli factor with SetFloat64).
const MILLI: Rat = (() => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, 0.001);
  const bexp = (view.getUint32(0) >>> 20) & 0x7ff;
  const mant = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4)) | (1n << 52n);
  return { n: mant, d: 1n << BigInt(1075 - bexp) };
})();

const K = 1000n;
const KI = 1024n;
const si: Record<string, bigint> = { '': 1n, k: K, K: K, M: K ** 2n, g: K ** 3n, G: K ** 3n, t: K ** 4n, T: K ** 4n };
Object.assign(si, { p: K ** 5n, P: K ** 5n, e: K ** 6n, E: K ** 6n });
for (const [i, p] of ['k', 'm', 'g', 't', 'p', 'e'].entries()) {
  si[p + 'i'] = KI ** BigInt(i + 1);
  si[p.toUpperCase() + 'i'] = KI ** BigInt(i + 1);
}

function unitsParse(raw: string): Value {
  const fail = (msg: string): never => {
    throw new BuiltinError(msg);
  };
  const s = raw.replace(/"/g, '');
  if (s.includes(' ')) fail('spaces not allowed in resource strings');
  const [num, rawUnit] = extractNumAndUnit(s, () => fail('exponent too large'));
  if (num === '') fail('no amount provided');
  const unit = rawUnit.length > 1 ? rawUnit[0] + rawUnit.slice(1).toLowerCase() : rawUnit;
  let factor: Rat;
  if (unit === 'm') factor = MILLI;
  else if (Object.prototype.hasOwnProperty.call(si, unit) && unit !== 'm') factor = { n: si[unit], d: 1n };
  else return fail(`unit ${unit} not recognized`);
  const amount = parseRat(num);
  if (!amount) return fail('could not parse amount to a number');
  const r: Rat = { n: amount.n * factor.n, d: amount.d * factor.d };
  if (r.n % r.d === 0n) return normBig(r.n / r.d);
  return Number(floatString10(r));
}

const byteUnits: Record<string, bigint> = { '': 1n };
for (const [i, p] of ['k', 'm', 'g', 't', 'p', 'e'].entries()) {
  byteUnits[p] = byteUnits[p + 'b'] = K ** BigInt(i + 1);
  byteUnits[p + 'i'] = byteUnits[p + 'ib'] = KI ** BigInt(i + 1);
}

function unitsParseBytes(raw: string): Value {
  const fail = (msg: string): never => {
    throw new BuiltinError(msg);
  };
  const s = raw.toLowerCase().replace(/"/g, '');
  if (s.includes(' ')) fail('spaces not allowed in resource strings');
  const [num, unit] = extractNumAndUnit(s, () => fail('exponent too large'));
  if (num === '') fail('no byte amount provided');
  if (!Object.prototype.hasOwnProperty.call(byteUnits, unit)) fail(`byte unit ${unit} not recognized`);
  const amount = parseRat(num);
  if (!amount) return fail('could not parse byte amount to a number');
  const neg = amount.n < 0n;
  // big.Float: the amount rounded to 64 bits, times the unit, rounded to 64 bits, truncated.
  const a = toFloat64Bits(neg ? -amount.n : amount.n, amount.d);
  const p = toFloat64Bits(a.m * byteUnits[unit], 1n);
  const e = p.e + a.e;
  const whole = e >= 0 ? p.m << BigInt(e) : p.m >> BigInt(-e);
  return normBig(neg ? -whole : whole);
}

export const unitsBuiltins: BuiltinDef[] = [
  { name: 'units.parse', args: ['string'], result: 'number', fn: (args) => unitsParse(argString(args, 0)) },
  { name: 'units.parse_bytes', args: ['string'], result: 'number', fn: (args) => unitsParseBytes(argString(args, 0)) },
];
