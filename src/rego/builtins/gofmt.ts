// Go text conventions shared by the string, encoding and regex families: strconv.Quote,
// the Rego text form of a value (OPA's Term.String()), UTF-8 byte views of strings and exact
// decimal digits of doubles for Go's %e/%f/%g.

import { objectKeys, objectGet, RSet, type Value } from '../value.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as Go would hold them). */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** A Go string from bytes: invalid sequences read as U+FFFD, which is how they serialize. */
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Code points of a string: OPA indexes strings in runes. */
export function runes(s: string): string[] {
  return Array.from(s);
}

export function isASCII(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

export function isPrint(cp: number): boolean {
  if (cp < 0x7f) return cp >= 0x20;
  return printable.test(String.fromCodePoint(cp));
}

const hexDigits = '0123456789abcdef';

function escapeRune(cp: number, ascii: boolean, quote: number): string {
  if (cp === quote || cp === 0x5c) return '\\' + String.fromCharCode(cp);
  if (ascii ? cp < 0x7f && isPrint(cp) : isPrint(cp)) return String.fromCodePoint(cp);
  switch (cp) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + hexDigits[cp >> 4] + hexDigits[cp & 15];
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x10000) return '\\u' + cp.toString(16).padStart(4, '0');
  return '\\U' + cp.toString(16).padStart(8, '0');
}

/** strconv.Quote (or QuoteToASCII when ascii is set). */
export function goQuote(s: string, ascii = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0) as number, ascii, 0x22);
  return out + '"';
}

/** strconv.QuoteRune. */
export function goQuoteRune(cp: number, ascii = false): string {
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0) cp = 0xfffd;
  return "'" + escapeRune(cp, ascii, 0x27) + "'";
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 0x60 || cp === 0xfeff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if ((cp < 0x20 && cp !== 9) || cp === 0x7f) return false;
  }
  return true;
}

/** The text of a number as OPA prints it: integers exactly, doubles in JS shortest form. */
export function numberText(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return BigInt(n).toString();
  return String(n);
}

/** A value in Rego syntax, as OPA's Term.String() prints it: `{"a": 1}`, `{1, 2}`, `set()`. */
export function regoString(v: Value): string {
  switch (typeof v) {
    case 'string':
      return goQuote(v);
    case 'number':
    case 'bigint':
      return numberText(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[' + v.map(regoString).join(', ') + ']';
  if (v instanceof RSet) return v.size === 0 ? 'set()' : '{' + v.sorted().map(regoString).join(', ') + '}';
  const parts: string[] = [];
  for (const k of objectKeys(v)) parts.push(regoString(k) + ': ' + regoString(objectGet(v, k) as Value));
  return '{' + parts.join(', ') + '}';
}

// ---- Decimal digits of doubles, for Go's float verbs ----

/** A decimal d1d2d3...dn × 10^(dp - n) with no leading or trailing zeros in `digits`. */
export interface Decimal {
  digits: string;
  /** Position of the decimal point relative to the first digit. */
  dp: number;
}

/** The shortest digits that read back as x (what strconv uses for precision -1). */
export function shortestDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', dp: 0 };
  const e = Math.abs(x).toExponential(); // shortest round-trip digits
  const [mant, exp] = e.split('e');
  const digits = mant.replace('.', '').replace(/0+$/, '');
  return { digits, dp: Number(exp) + 1 };
}

/** The exact decimal expansion of a finite double (every double is a finite decimal). */
export function exactDecimal(x: number): Decimal {
  x = Math.abs(x);
  if (x === 0) return { digits: '', dp: 0 };
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (bexp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = bexp - 1075;
  }
  let digits: string;
  let dp: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    dp = digits.length;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    dp = digits.length + e2;
  }
  const trimmed = digits.replace(/0+$/, '');
  return { digits: trimmed, dp };
}

/** Rounds to n significant digits, half to even on exact ties (Go's decimal.Round). */
export function roundDecimal(d: Decimal, n: number): Decimal {
  if (n < 0 || n >= d.digits.length) return d;
  const next = d.digits.charCodeAt(n) - 48;
  let up = next > 5 || (next === 5 && n + 1 < d.digits.length);
  if (next === 5 && n + 1 === d.digits.length) up = n > 0 && (d.digits.charCodeAt(n - 1) - 48) % 2 === 1;
  let digits = d.digits.slice(0, n);
  let dp = d.dp;
  if (up) {
    let i = n - 1;
    const arr = digits.split('');
    while (i >= 0 && arr[i] === '9') i--;
    if (i < 0) {
      digits = '1';
      dp++;
    } else {
      arr[i] = String.fromCharCode(arr[i].charCodeAt(0) + 1);
      digits = arr.slice(0, i + 1).join('');
    }
  }
  return { digits: digits.replace(/0+$/, ''), dp };
}

function digitAt(d: Decimal, i: number): string {
  return i >= 0 && i < d.digits.length ? d.digits[i] : '0';
}

/** %e body: d.ddd e±XX with prec digits after the point. */
export function fmtE(d: Decimal, prec: number, upper: boolean): string {
  let s = digitAt(d, 0);
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(d, i);
  }
  let exp = d.digits === '' ? 0 : d.dp - 1;
  const sign = exp < 0 ? '-' : '+';
  exp = Math.abs(exp);
  return s + (upper ? 'E' : 'e') + sign + (exp < 10 ? '0' : '') + exp;
}

/** %f body with prec digits after the point. */
export function fmtF(d: Decimal, prec: number): string {
  let s = '';
  if (d.dp > 0) for (let i = 0; i < d.dp; i++) s += digitAt(d, i);
  else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) s += digitAt(d, d.dp + i);
  }
  return s;
}

/**
 * strconv.FormatFloat(|x|, fmt, prec, 64) for fmt in e, E, f, g, G (sign handled by the caller).
 * prec -1 means the shortest representation.
 */
export function formatFloatAbs(x: number, fmt: string, prec: number): string {
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDecimal(x);
    if (fmt === 'e' || fmt === 'E') prec = Math.max(d.digits.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(d.digits.length - d.dp, 0);
    else prec = d.digits.length;
  } else {
    const exact = exactDecimal(x);
    if (fmt === 'e' || fmt === 'E') d = roundDecimal(exact, prec + 1);
    else if (fmt === 'f') d = roundDecimal(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      d = roundDecimal(exact, prec);
    }
  }
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(d, prec, fmt === 'E');
    case 'f':
      return fmtF(d, prec);
  }
  // %g / %G
  let eprec = prec;
  if (eprec > d.digits.length && d.digits.length >= d.dp) eprec = d.digits.length;
  if (shortest) eprec = 6;
  const exp = d.dp - 1;
  if (d.digits !== '' && (exp < -4 || exp >= eprec)) {
    if (prec > d.digits.length) prec = d.digits.length;
    return fmtE(d, prec - 1, fmt === 'G');
  }
  if (prec > d.dp) prec = d.digits.length;
  return fmtF(d, Math.max(prec - d.dp, 0));
}
