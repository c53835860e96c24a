// sprintf: Go's fmt.Sprintf over the operands OPA hands it.
//
// OPA converts each array element before formatting: an integer becomes a Go int (or a
// *big.Int beyond int64), any other number a float64, a string stays a string, and every
// other value becomes its Rego text (`true`, `null`, `[1, "a"]`, `{"a": 1}`, `{1, 2}`).
// Go's verbs then apply to those Go values, including its error forms such as
// `%!d(string=hi)`, `%!s(int=5)`, `%!d(MISSING)` and `%!(EXTRA int=1)`.

import type { Value } from '../value.js';
import {
  canBackquote,
  formatFloatAbs,
  goQuote,
  goQuoteRune,
  isPrint,
  numberText,
  regoString,
  runes,
  utf8,
} from './gofmt.js';
import { operandTypeError } from './numbers.js';
import { argString, chargeChars, type BuiltinContext, type BuiltinDef } from './types.js';

type GoArg =
  | { t: 'int'; v: bigint }
  | { t: 'big'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'string'; v: string };

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function toGoArg(v: Value): GoArg {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return toGoArg(BigInt(v));
    if (!Number.isFinite(v)) return { t: 'string', v: numberText(v) };
    return { t: 'float', v };
  }
  if (typeof v === 'bigint') return v >= INT64_MIN && v <= INT64_MAX ? { t: 'int', v } : { t: 'big', v };
  if (typeof v === 'string') return { t: 'string', v };
  return { t: 'string', v: regoString(v) };
}

const goTypeName: Record<GoArg['t'], string> = { int: 'int', big: '*big.Int', float: 'float64', string: 'string' };

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

function newFlags(): Flags {
  return {
    plus: false,
    minus: false,
    sharp: false,
    space: false,
    zero: false,
    plusV: false,
    sharpV: false,
    wid: 0,
    widPresent: false,
    prec: 0,
    precPresent: false,
  };
}

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      n++;
      i++;
    }
  }
  return n;
}

function padding(f: Flags, n: number, zeroOK: boolean): string {
  if (n <= 0) return '';
  return (f.zero && zeroOK && !f.minus ? '0' : ' ').repeat(n);
}

/** fmt.pad: width in runes, spaces (or zeros when allowed) on the left, spaces on the right. */
function pad(f: Flags, s: string, zeroOK = true): string {
  if (!f.widPresent || f.wid === 0) return s;
  const n = f.wid - runeCount(s);
  if (n <= 0) return s;
  return f.minus ? s + ' '.repeat(n) : padding(f, n, zeroOK) + s;
}

// ---- integers ----

function fmtInteger(f: Flags, value: bigint, base: number, verb: string, upper: boolean): string {
  const negative = value < 0n;
  const u = negative ? -value : value;
  let prec = 0;
  if (f.precPresent) {
    prec = f.prec;
    if (prec === 0 && u === 0n) return padding({ ...f, zero: false }, f.wid, false);
  } else if (f.zero && !f.minus && f.widPresent) {
    prec = f.wid;
    if (negative || f.plus || f.space) prec--;
  }
  let digits = u.toString(base);
  if (upper) digits = digits.toUpperCase();
  if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 2) digits = '0b' + digits;
    else if (base === 8 && digits[0] !== '0') digits = '0' + digits;
    else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
  }
  if (verb === 'O') digits = '0o' + digits;
  if (negative) digits = '-' + digits;
  else if (f.plus) digits = '+' + digits;
  else if (f.space) digits = ' ' + digits;
  return pad(f, digits, false);
}

function fmtUnicode(f: Flags, u: bigint): string {
  let prec = 4;
  if (f.precPresent && f.prec > 4) prec = f.prec;
  let hex = (u < 0n ? u + (1n << 64n) : u).toString(16).toUpperCase();
  if (hex.length < prec) hex = '0'.repeat(prec - hex.length) + hex;
  let s = 'U+' + hex;
  if (f.sharp && u >= 0n && u <= 0x10ffffn && isPrint(Number(u))) s += " '" + String.fromCodePoint(Number(u)) + "'";
  return pad(f, s, false);
}

function runeOf(u: bigint): number {
  if (u < 0n || u > 0x10ffffn) return 0xfffd;
  const n = Number(u);
  return n >= 0xd800 && n <= 0xdfff ? 0xfffd : n;
}

function fmtInt(f: Flags, v: bigint, verb: string): string | undefined {
  switch (verb) {
    case 'v':
    case 'd':
      return fmtInteger(f, v, 10, verb, false);
    case 'b':
      return fmtInteger(f, v, 2, verb, false);
    case 'o':
    case 'O':
      return fmtInteger(f, v, 8, verb, false);
    case 'x':
      return fmtInteger(f, v, 16, verb, false);
    case 'X':
      return fmtInteger(f, v, 16, verb, true);
    case 'c':
      return pad(f, String.fromCodePoint(runeOf(v)));
    case 'q':
      return pad(f, goQuoteRune(runeOf(v), f.plus));
    case 'U':
      return fmtUnicode(f, v);
  }
  return undefined;
}

/** big.Int's own Format: it handles bad verbs itself as `%!f(big.Int=123)`. */
function fmtBig(f: Flags, x: bigint, verb: string): string {
  let base: number;
  switch (verb) {
    case 'b':
      base = 2;
      break;
    case 'o':
    case 'O':
      base = 8;
      break;
    case 'd':
    case 's':
    case 'v':
      base = 10;
      break;
    case 'x':
    case 'X':
      base = 16;
      break;
    default:
      return `%!${verb}(big.Int=${x.toString()})`;
  }
  const plus = f.plus || f.plusV;
  const sharp = f.sharp || f.sharpV;
  const sign = x < 0n ? '-' : plus ? '+' : f.space ? ' ' : '';
  let prefix = '';
  if (sharp) prefix = ({ b: '0b', o: '0', x: '0x', X: '0X' } as Record<string, string>)[verb] ?? '';
  if (verb === 'O') prefix = '0o';
  let digits = (x < 0n ? -x : x).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  let zeros = 0;
  if (f.precPresent) {
    if (digits.length < f.prec) zeros = f.prec - digits.length;
    else if (digits === '0' && f.prec === 0) return '';
  }
  const length = sign.length + prefix.length + zeros + digits.length;
  let left = 0;
  let right = 0;
  if (f.widPresent && length < f.wid) {
    const d = f.wid - length;
    if (f.minus) right = d;
    else if (f.zero && !f.precPresent) zeros = d;
    else left = d;
  }
  return ' '.repeat(left) + sign + prefix + '0'.repeat(zeros) + digits + ' '.repeat(right);
}

// ---- floats ----

function hexFloat(x: number, prec: number, upper: boolean): string {
  // strconv 'x' format: ±0x1.hhhp±dd
  if (x === 0) return (upper ? '0X0' : '0x0') + (prec > 0 ? '.' + '0'.repeat(prec) : '') + (upper ? 'P+00' : 'p+00');
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bexp = (view.getUint32(0) >>> 20) & 0x7ff;
  let mant = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let exp = bexp - 1023;
  if (bexp === 0) {
    exp = -1022;
    while ((mant & (1n << 52n)) === 0n) {
      mant <<= 1n;
      exp--;
    }
  } else mant |= 1n << 52n;
  // mant has 53 bits: 1 integer bit and 52 fraction bits (13 hex digits).
  let frac = mant & ((1n << 52n) - 1n);
  let lead = 1n;
  let nd = 13;
  if (prec >= 0 && prec < 13) {
    const shift = BigInt((13 - prec) * 4);
    const half = 1n << (shift - 1n);
    const rem = frac & ((1n << shift) - 1n);
    frac >>= shift;
    if (rem > half || (rem === half && (frac & 1n) === 1n)) frac++;
    if (frac >> BigInt(prec * 4) !== 0n) {
      frac = 0n;
      lead++;
      if (lead === 2n) {
        lead = 1n;
        exp++;
      }
    }
    nd = prec;
  }
  let fd = nd > 0 ? frac.toString(16).padStart(nd, '0') : '';
  if (prec < 0) fd = fd.replace(/0+$/, '');
  else if (prec > nd) fd = fd + '0'.repeat(prec - nd);
  let s = '0x' + lead.toString() + (fd ? '.' + fd : '');
  const e = Math.abs(exp);
  s += 'p' + (exp < 0 ? '-' : '+') + (e < 10 ? '0' : '') + e;
  return upper ? s.toUpperCase() : s;
}

function binaryFloat(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bexp = (view.getUint32(0) >>> 20) & 0x7ff;
  let mant = (BigInt(view.getUint32(0) & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let exp = bexp - 1075;
  if (bexp === 0) exp = -1074;
  else mant |= 1n << 52n;
  return mant.toString() + 'p' + (exp >= 0 ? '+' : '') + exp;
}

function fmtFloat(f: Flags, v: number, verb: string): string | undefined {
  let fmt: string;
  let prec: number;
  switch (verb) {
    case 'v':
      fmt = 'g';
      prec = -1;
      break;
    case 'b':
    case 'g':
    case 'G':
    case 'x':
    case 'X':
      fmt = verb;
      prec = -1;
      break;
    case 'f':
    case 'F':
    case 'e':
    case 'E':
      fmt = verb === 'F' ? 'f' : verb;
      prec = 6;
      break;
    default:
      return undefined;
  }
  if (f.precPresent) prec = f.prec;
  let num: string;
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  if (Number.isNaN(v)) num = '+NaN';
  else if (!Number.isFinite(v)) num = (neg ? '-' : '+') + 'Inf';
  else {
    let body: string;
    if (fmt === 'b') body = binaryFloat(a);
    else if (fmt === 'x' || fmt === 'X') body = hexFloat(a, prec, fmt === 'X');
    else body = formatFloatAbs(a, fmt, prec);
    num = (neg ? '-' : '+') + body;
  }
  if (f.space && num[0] === '+' && !f.plus) num = ' ' + num.slice(1);
  if (num[1] === 'I' || num[1] === 'N') {
    if (num[1] === 'N' && !f.space && !f.plus) num = num.slice(1);
    return pad(f, num, false);
  }
  if (f.sharp && fmt !== 'b') {
    let digits = 0;
    if (verb === 'v' || fmt === 'g' || fmt === 'G' || fmt === 'x') digits = prec === -1 ? 6 : prec;
    let tail = '';
    let body = num;
    const m = /[eEpP]/.exec(body.slice(1));
    if (m && (m[0] === 'p' || m[0] === 'P' || (fmt !== 'x' && fmt !== 'X'))) {
      const at = m.index + 1;
      tail = body.slice(at);
      body = body.slice(0, at);
    }
    let hasPoint = false;
    let sawNonzero = false;
    for (let i = 1; i < body.length; i++) {
      const c = body[i];
      if (c === '.') hasPoint = true;
      else {
        if (c !== '0') sawNonzero = true;
        if (sawNonzero) digits--;
      }
    }
    if (!hasPoint) {
      if (body.length === 2 && body[1] === '0') digits--;
      body += '.';
    }
    while (digits-- > 0) body += '0';
    num = body + tail;
  }
  if (f.plus || num[0] !== '+') {
    if (f.zero && !f.minus && f.widPresent && f.wid > num.length) {
      return num[0] + '0'.repeat(f.wid - num.length) + num.slice(1);
    }
    return pad(f, num);
  }
  return pad(f, num.slice(1));
}

// ---- strings ----

function fmtString(f0: Flags, s: string, verb: string): string | undefined {
  const f = { ...f0, zero: false }; // Go ignores the 0 flag for strings
  const truncate = (x: string) => (f.precPresent ? runes(x).slice(0, f.prec).join('') : x);
  switch (verb) {
    case 'v':
      if (f.sharpV) return pad(f, goQuote(truncate(s)));
      return pad(f, truncate(s));
    case 's':
      return pad(f, truncate(s));
    case 'q': {
      const t = truncate(s);
      if (f.sharp && canBackquote(t)) return pad(f, '`' + t + '`');
      return pad(f, goQuote(t, f.plus));
    }
    case 'x':
    case 'X': {
      const digits = verb === 'X' ? '0123456789ABCDEF' : '0123456789abcdef';
      const prefix = verb === 'X' ? '0X' : '0x';
      const bytes = utf8(s);
      let length = bytes.length;
      if (f.precPresent && f.prec < length) length = f.prec;
      if (length === 0) return f.widPresent ? ' '.repeat(f.wid) : '';
      let out = f.sharp ? prefix : '';
      for (let i = 0; i < length; i++) {
        if (f.space && i > 0) out += ' ' + (f.sharp ? prefix : '');
        out += digits[bytes[i] >> 4] + digits[bytes[i] & 15];
      }
      return pad(f, out);
    }
  }
  return undefined;
}

function formatArg(f: Flags, arg: GoArg, verb: string): string {
  if (verb === 'T') return pad({ ...f, zero: false }, goTypeName[arg.t]);
  let out: string | undefined;
  switch (arg.t) {
    case 'int':
      out = fmtInt(f, arg.v, verb);
      break;
    case 'big':
      return fmtBig(f, arg.v, verb);
    case 'float':
      out = fmtFloat(f, arg.v, verb);
      break;
    case 'string':
      out = fmtString(f, arg.v, verb);
      break;
  }
  if (out !== undefined) return out;
  return `%!${verb}(${goTypeName[arg.t]}=${formatArg(f, arg, 'v')})`;
}

const TOO_LARGE = 1e6;

function parseNum(s: string, i: number, end: number): [number, boolean, number] {
  let num = 0;
  let isnum = false;
  if (i >= end) return [0, false, end];
  for (; i < end && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57; i++) {
    if (num > TOO_LARGE || num < -TOO_LARGE) return [0, false, end];
    num = num * 10 + (s.charCodeAt(i) - 48);
    isnum = true;
  }
  return [num, isnum, i];
}

/** Go's fmt.Sprintf over converted arguments. */
/**
 * fmt.Sprintf. With `ctx`, each verb's width and precision (up to 10^6 each, Go's limit) are
 * charged to the evaluation budget before it is formatted: they are the padding and digits the
 * verb may generate beyond its operand's own text.
 */
export function goSprintf(format: string, a: GoArg[], ctx?: BuiltinContext): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  const end = format.length;
  let i = 0;

  while (i < end) {
    let goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== '%') i++;
    if (i > lasti) out += format.slice(lasti, i);
    if (i >= end) break;
    i++; // skip %
    const f = newFlags();
    let afterIndex = false;

    flags: for (; i < end; i++) {
      switch (format[i]) {
        case '#':
          f.sharp = true;
          break;
        case '0':
          f.zero = !f.minus;
          break;
        case '+':
          f.plus = true;
          break;
        case '-':
          f.minus = true;
          f.zero = false;
          break;
        case ' ':
          f.space = true;
          break;
        default:
          break flags;
      }
    }

    const argNumber = (): void => {
      if (i >= end || format[i] !== '[') {
        afterIndex = false;
        return;
      }
      reordered = true;
      // parseArgNumber
      let ok = false;
      let index = 0;
      let wid = 1;
      const rest = format.slice(i);
      if (rest.length >= 3) {
        for (let j = 1; j < rest.length; j++) {
          if (rest[j] === ']') {
            const [n, isnum, newi] = parseNum(rest, 1, j);
            if (!isnum || newi !== j) {
              wid = j + 1;
            } else {
              index = n - 1;
              wid = j + 1;
              ok = true;
            }
            break;
          }
        }
      }
      if (ok && index >= 0 && index < a.length) {
        argNum = index;
        i += wid;
        afterIndex = true;
        return;
      }
      goodArgNum = false;
      i += wid;
      afterIndex = ok;
    };

    const intFromArg = (): [number, boolean] => {
      if (argNum < a.length) {
        const arg = a[argNum++];
        if (arg.t === 'int' && arg.v <= BigInt(TOO_LARGE) && arg.v >= BigInt(-TOO_LARGE)) return [Number(arg.v), true];
        return [0, false];
      }
      return [0, false];
    };

    argNumber();

    if (i < end && format[i] === '*') {
      i++;
      [f.wid, f.widPresent] = intFromArg();
      if (!f.widPresent) out += '%!(BADWIDTH)';
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
      afterIndex = false;
    } else {
      [f.wid, f.widPresent, i] = parseNum(format, i, end);
      if (afterIndex && f.widPresent) goodArgNum = false;
    }

    if (i + 1 < end && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false;
      argNumber();
      if (i < end && format[i] === '*') {
        i++;
        [f.prec, f.precPresent] = intFromArg();
        if (f.prec < 0) {
          f.prec = 0;
          f.precPresent = false;
        }
        if (!f.precPresent) out += '%!(BADPREC)';
        afterIndex = false;
      } else {
        [f.prec, f.precPresent, i] = parseNum(format, i, end);
        if (!f.precPresent) {
          f.prec = 0;
          f.precPresent = true;
        }
      }
    }

    if (!afterIndex) argNumber();

    if (i >= end) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) as number);
    i += verb.length;

    if (verb === '%') {
      out += '%';
    } else if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
    } else if (argNum >= a.length) {
      out += `%!${verb}(MISSING)`;
    } else {
      if (verb === 'v') {
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plusV = f.plus;
        f.plus = false;
      }
      if (ctx !== undefined) chargeChars(ctx, f.wid + f.prec);
      out += formatArg(f, a[argNum], verb);
      argNum++;
    }
  }

  if (!reordered && argNum < a.length) {
    const f = newFlags();
    out +=
      '%!(EXTRA ' +
      a
        .slice(argNum)
        .map((arg) => goTypeName[arg.t] + '=' + formatArg(f, arg, 'v'))
        .join(', ') +
      ')';
  }
  return out;
}

/** sprintf(format, values): OPA's argument conversion, then Go's formatting. */
export function regoSprintf(format: string, values: Value[], ctx?: BuiltinContext): string {
  // OPA's fast path: sprintf("%d", [int]) is the integer's text.
  if (format === '%d' && values.length === 1) {
    const v = values[0];
    if ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint') {
      const b = BigInt(v);
      if (b >= INT64_MIN && b <= INT64_MAX) return b.toString();
    }
  }
  return goSprintf(format, values.map(toGoArg), ctx);
}

export const sprintfBuiltins: BuiltinDef[] = [
  {
    name: 'sprintf',
    args: ['string', 'array'],
    result: 'string',
    fn: (args, ctx) => {
      const format = argString(args, 0);
      const values = args[1];
      if (!Array.isArray(values)) operandTypeError(1, values, 'array');
      return regoSprintf(format, values, ctx);
    },
  },
];
