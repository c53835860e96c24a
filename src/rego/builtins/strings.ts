// String builtins with Go's semantics: indexes and lengths count runes (code points), case
// mapping is per rune, trimming and splitting follow Go's strings package.

import { BuiltinError } from '../errors.js';
import { compare, objectKeys, objectGet, RSet, typeName, type Value } from '../value.js';
import { isASCII } from './gofmt.js';
import { renderTemplate } from './gotemplate.js';
import { operandError, operandTypeError } from './numbers.js';
import { sprintfBuiltins } from './sprintf.js';
import { argNumber, argString, chargeChars, type BuiltinContext, type BuiltinDef } from './types.js';

/** OPA's IntOperand: an integer that fits in an int64. */
export function argInt64(args: Value[], i: number): number {
  const v = args[i];
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v;
  } else if (typeof v === 'bigint') {
    if (v >= -(1n << 63n) && v < 1n << 63n) return Number(v);
  } else operandTypeError(i, v, 'number');
  throw new BuiltinError(`operand ${i + 1} must be integer number but got floating-point number`, 'eval_type_error');
}

/** OPA's NewOperandElementErr: `operand 2 must be array of strings but got array containing number`. */
function elementError(i: number, coll: Value, elem: Value, expected: string): never {
  const t = typeName(coll);
  throw new BuiltinError(`operand ${i + 1} must be ${t} of ${expected}s but got ${t} containing ${typeName(elem)}`, 'eval_type_error');
}

/** Strings of an array or set operand (OPA's StringSliceOperand). */
function stringSlice(v: Value, i: number): string[] {
  const items = Array.isArray(v) ? v : v instanceof RSet ? v.sorted() : operandTypeError(i, v, 'array', 'set');
  const out: string[] = [];
  for (const x of items) {
    if (typeof x !== 'string') elementError(i, v, x, 'string');
    out.push(x);
  }
  return out;
}

function stringsOrOne(v: Value, i: number): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) || v instanceof RSet) return stringSlice(v, i);
  return operandTypeError(i, v, 'string', 'set', 'array');
}

// ---- rune helpers ----

function runeArray(s: string): string[] {
  return Array.from(s);
}

function reverseRunes(s: string): string {
  return runeArray(s).reverse().join('');
}

/** Number of runes in s[start:end] (UTF-16 offsets). */
function runeCount(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Rune offsets of every (possibly overlapping) occurrence of search in base. */
function runeIndexes(base: string, search: string, all: boolean): number[] {
  const out: number[] = [];
  let from = 0;
  let unit = 0;
  let rune = 0;
  for (;;) {
    const at = base.indexOf(search, from);
    if (at < 0) return out;
    rune += runeCount(base, unit, at);
    unit = at;
    out.push(rune);
    if (!all) return out;
    const c = base.charCodeAt(at);
    from = at + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
  }
}

/** Go's per-rune case mapping (simple mappings only: no `ß` → `SS`, no final sigma). */
function mapCase(s: string, upper: boolean): string {
  if (isASCII(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const ch of s) {
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    if (m.length === ch.length || [...m].length === 1) out += m;
    else if (!upper && ch === '\u0130') out += 'i';
    else out += ch;
  }
  return out;
}

// unicode.IsSpace
function isSpace(cp: number): boolean {
  if (cp <= 0xff) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0x85 || cp === 0xa0;
  return (
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

function trimFunc(s: string, drop: (cp: number) => boolean, left: boolean, right: boolean): string {
  const rs = runeArray(s);
  let a = 0;
  let b = rs.length;
  if (left) while (a < b && drop(rs[a].codePointAt(0) as number)) a++;
  if (right) while (b > a && drop(rs[b - 1].codePointAt(0) as number)) b--;
  return a === 0 && b === rs.length ? s : rs.slice(a, b).join('');
}

function cutsetFn(cutset: string): (cp: number) => boolean {
  const set = new Set<number>();
  for (const ch of cutset) set.add(ch.codePointAt(0) as number);
  return (cp) => set.has(cp);
}

/** Replacement characters written between two charges to the evaluation budget. */
const REPLACE_CHUNK = 65536;

/**
 * Go's strings.NewReplacer(oldnew...).Replace: at each position the earliest pair that matches wins.
 * The replacement text written is charged to the evaluation budget as it is written, every
 * REPLACE_CHUNK characters: many matches times a long replacement is a repeat.
 */
function replacePairs(s: string, pairs: [string, string][], ctx: BuiltinContext): string {
  if (pairs.length === 1 && pairs[0][0] !== '') {
    const parts = s.split(pairs[0][0]);
    const repl = pairs[0][1];
    if ((parts.length - 1) * repl.length <= REPLACE_CHUNK) {
      chargeChars(ctx, (parts.length - 1) * repl.length);
      return parts.join(repl);
    }
    // Joined a slice of parts at a time, each slice's replacements charged before it is built.
    const per = Math.max(1, Math.floor(REPLACE_CHUNK / repl.length));
    let out = parts[0];
    for (let i = 1; i < parts.length; i += per) {
      const j = Math.min(parts.length, i + per);
      chargeChars(ctx, (j - i) * repl.length);
      out += repl + parts.slice(i, j).join(repl);
    }
    return out;
  }
  let out = '';
  let last = 0;
  let prevEmpty = false;
  let pending = 0;
  for (let i = 0; i <= s.length; ) {
    let hit: [string, string] | undefined;
    for (const p of pairs) {
      if (p[0] === '' ? !prevEmpty : s.startsWith(p[0], i)) {
        hit = p;
        break;
      }
    }
    prevEmpty = hit !== undefined && hit[0] === '';
    if (hit) {
      if ((pending += hit[1].length) >= REPLACE_CHUNK) {
        chargeChars(ctx, pending);
        pending = 0;
      }
      out += s.slice(last, i) + hit[1];
      i += hit[0].length;
      last = i;
      continue;
    }
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return out + s.slice(last);
}

function anyStartsWithAny(strs: string[], prefixes: string[]): boolean {
  for (const p of prefixes) for (const s of strs) if (s.startsWith(p)) return true;
  return false;
}

function formatInt(args: Value[]): string {
  const input = argNumber(args, 0);
  const base = argNumber(args, 1);
  const radix = typeof base === 'bigint' ? Number(base) : base;
  if (radix !== 2 && radix !== 8 && radix !== 10 && radix !== 16) operandError(1, 'one of {2, 8, 10, 16}');
  let i: bigint;
  if (typeof input === 'bigint') i = input;
  else if (!Number.isFinite(input)) throw new BuiltinError('illegal value');
  else i = BigInt(Math.trunc(input));
  return i.toString(radix);
}

function concat(args: Value[]): string {
  const sep = argString(args, 0);
  const coll = args[1];
  let items: Value[];
  if (Array.isArray(coll)) items = coll;
  else if (coll instanceof RSet) items = coll.sorted();
  else return operandTypeError(1, coll, 'set', 'array');
  for (const x of items) if (typeof x !== 'string') elementError(1, coll, x, 'string');
  return (items as string[]).join(sep);
}

function substring(args: Value[]): string {
  const s = argString(args, 0);
  const start = argInt64(args, 1);
  const length = argInt64(args, 2);
  if (start < 0) throw new BuiltinError('negative offset');
  if (isASCII(s)) {
    if (start >= s.length) return '';
    if (length < 0) return s.slice(start);
    return s.slice(start, Math.min(s.length, start + length));
  }
  const rs = runeArray(s);
  if (start >= rs.length) return '';
  return (length < 0 ? rs.slice(start) : rs.slice(start, Math.min(rs.length, start + length))).join('');
}

function replaceN(args: Value[], ctx: BuiltinContext): string {
  const patterns = args[0];
  if (typeof patterns !== 'object' || patterns === null || Array.isArray(patterns) || patterns instanceof RSet) {
    return operandTypeError(0, patterns, 'object');
  }
  const s = argString(args, 1);
  const keys = [...objectKeys(patterns)].sort(compare);
  const pairs: [string, string][] = [];
  for (const k of keys) {
    if (typeof k !== 'string') throw new BuiltinError('operand 1 non-string key found in pattern object', 'eval_type_error');
    const v = objectGet(patterns, k);
    if (typeof v !== 'string') throw new BuiltinError('operand 1 non-string value found in pattern object', 'eval_type_error');
    pairs.push([k, v]);
  }
  if (pairs.length === 0) return s;
  return replacePairs(s, pairs, ctx);
}

function renderTemplateBuiltin(args: Value[], ctx: BuiltinContext): string {
  const tpl = argString(args, 0);
  const vars = args[1];
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars) || vars instanceof RSet) {
    return operandTypeError(1, vars, 'object');
  }
  return renderTemplate(tpl, vars, ctx);
}

const str2 = (f: (a: string, b: string) => Value) => (args: Value[]) => f(argString(args, 0), argString(args, 1));

export const stringsBuiltins: BuiltinDef[] = [
  ...sprintfBuiltins,
  { name: 'concat', args: ['string', 'array|set'], result: 'string', fn: concat },
  { name: 'contains', args: ['string', 'string'], result: 'boolean', fn: str2((s, sub) => s.includes(sub)) },
  { name: 'startswith', args: ['string', 'string'], result: 'boolean', fn: str2((s, p) => s.startsWith(p)) },
  { name: 'endswith', args: ['string', 'string'], result: 'boolean', fn: str2((s, p) => s.endsWith(p)) },
  { name: 'format_int', args: ['number', 'number'], result: 'string', fn: formatInt },
  {
    name: 'indexof',
    args: ['string', 'string'],
    result: 'number',
    fn: str2((base, search) => {
      if (search === '') throw new BuiltinError('empty search character');
      const at = runeIndexes(base, search, false);
      return at.length ? at[0] : -1;
    }),
  },
  {
    name: 'indexof_n',
    args: ['string', 'string'],
    result: 'array',
    fn: str2((base, search) => {
      if (search === '') throw new BuiltinError('empty search character');
      return runeIndexes(base, search, true);
    }),
  },
  { name: 'lower', args: ['string'], result: 'string', fn: (args) => mapCase(argString(args, 0), false) },
  { name: 'upper', args: ['string'], result: 'string', fn: (args) => mapCase(argString(args, 0), true) },
  {
    name: 'replace',
    args: ['string', 'string', 'string'],
    result: 'string',
    fn: (args, ctx) => {
      const s = argString(args, 0);
      const old = argString(args, 1);
      const repl = argString(args, 2);
      return replacePairs(s, [[old, repl]], ctx);
    },
  },
  {
    name: 'split',
    args: ['string', 'string'],
    result: 'array',
    fn: str2((s, d) => (d === '' ? runeArray(s) : s.split(d))),
  },
  { name: 'substring', args: ['string', 'number', 'number'], result: 'string', fn: substring },
  {
    name: 'strings.any_prefix_match',
    args: ['string|array|set', 'string|array|set'],
    result: 'boolean',
    fn: (args) => anyStartsWithAny(stringsOrOne(args[0], 0), stringsOrOne(args[1], 1)),
  },
  {
    name: 'strings.any_suffix_match',
    args: ['string|array|set', 'string|array|set'],
    result: 'boolean',
    fn: (args) => {
      const strs = stringsOrOne(args[0], 0).map(reverseRunes);
      const suffixes = stringsOrOne(args[1], 1).map(reverseRunes);
      return anyStartsWithAny(strs, suffixes);
    },
  },
  {
    name: 'strings.count',
    args: ['string', 'string'],
    result: 'number',
    fn: str2((s, sub) => (sub === '' ? runeArray(s).length + 1 : s.split(sub).length - 1)),
  },
  { name: 'strings.replace_n', args: ['object', 'string'], result: 'string', fn: replaceN },
  { name: 'strings.reverse', args: ['string'], result: 'string', fn: (args) => reverseRunes(argString(args, 0)) },
  { name: 'strings.render_template', args: ['string', 'object'], result: 'string', fn: renderTemplateBuiltin },
  { name: 'trim', args: ['string', 'string'], result: 'string', fn: str2((s, c) => trimFunc(s, cutsetFn(c), true, true)) },
  { name: 'trim_left', args: ['string', 'string'], result: 'string', fn: str2((s, c) => trimFunc(s, cutsetFn(c), true, false)) },
  { name: 'trim_right', args: ['string', 'string'], result: 'string', fn: str2((s, c) => trimFunc(s, cutsetFn(c), false, true)) },
  {
    name: 'trim_prefix',
    args: ['string', 'string'],
    result: 'string',
    fn: str2((s, p) => (s.startsWith(p) ? s.slice(p.length) : s)),
  },
  {
    name: 'trim_suffix',
    args: ['string', 'string'],
    result: 'string',
    fn: str2((s, p) => (p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s)),
  },
  { name: 'trim_space', args: ['string'], result: 'string', fn: (args) => trimFunc(argString(args, 0), isSpace, true, true) },
];
