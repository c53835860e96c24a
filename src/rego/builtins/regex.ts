// Regular expressions with Go's RE2 syntax and semantics (re2js, linear time). Compiled
// patterns are cached by pattern text in a bounded map: regex.match runs per decision, so a
// cache hit is one Map lookup.

import { RE2JS } from 're2js';
import { BuiltinError } from '../errors.js';
import type { Value } from '../value.js';
import { goQuote } from './gofmt.js';
import { NATIVE_MAX_LENGTH, translateRE2 } from './regex-native.js';
import { argInt64 } from './strings.js';
import { argString, chargeChars, type BuiltinContext, type BuiltinDef } from './types.js';

/** The parts of re2js's internal RE2 object this family uses (Go's Regexp API). */
interface GoRegexp {
  numberOfCapturingGroups(): number;
  findAll(s: string, n: number): string[] | null;
  findAllSubmatch(s: string, n: number): (string | null)[][] | null;
  findAllSubmatchIndex(s: string, n: number): number[][] | null;
  namedGroups: Record<string, number>;
}

export interface Compiled {
  re: RE2JS;
  go: GoRegexp;
  /** The same pattern as a V8 RegExp when that is equivalent and cannot backtrack much (regex-native.ts). */
  native: RegExp | null;
}

const CACHE_MAX = 1000;

/** A bounded cache: a hit is a Map lookup; when full, the oldest entry is evicted. */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, v: V): void {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, v);
  }
}

const cache = new BoundedCache<Compiled | BuiltinError>(CACHE_MAX);

/** Compiles (or fetches) a pattern; a syntax error raises Go's message as a builtin error. */
export function compileRegex(pattern: string): Compiled {
  let c = cache.get(pattern);
  if (c === undefined) {
    try {
      const re = RE2JS.compile(pattern);
      c = { re, go: re.re2() as unknown as GoRegexp, native: translateRE2(pattern) };
    } catch (e) {
      c = new BuiltinError(e instanceof Error ? e.message : String(e));
    }
    cache.set(pattern, c);
  }
  if (c instanceof BuiltinError) throw new BuiltinError(c.message);
  return c;
}

/** True if the pattern compiles (OPA parses with syntax.Perl, as regexp.Compile does). */
export function isValidRegex(pattern: string): boolean {
  try {
    compileRegex(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Go's Regexp.Split(s, -1). */
function split(c: Compiled, pattern: string, s: string): string[] {
  if (pattern.length > 0 && s === '') return [''];
  const matches = c.go.findAllSubmatchIndex(s, -1) ?? [];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of matches) {
    end = m[0];
    if (m[1] !== 0) out.push(s.slice(beg, end));
    beg = m[1];
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

/** Go's Regexp.Expand for `$1`, `${1}`, `$name`, `${name}` and `$$`. */
function expand(template: string, s: string, m: number[], named: Record<string, number>): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    const brace = template[i] === '{';
    const rest = template.slice(brace ? i + 1 : i);
    const mm = /^[A-Za-z0-9_]+/.exec(rest);
    if (!mm || (brace && rest[mm[0].length] !== '}')) {
      out += '$'; // malformed: keep the dollar sign
      continue;
    }
    name = mm[0];
    i += name.length + (brace ? 2 : 0);
    let group = -1;
    if (/^[0-9]+$/.test(name)) group = Number(name);
    else if (Object.prototype.hasOwnProperty.call(named, name)) group = named[name];
    if (group >= 0 && 2 * group + 1 < m.length && m[2 * group] >= 0) out += s.slice(m[2 * group], m[2 * group + 1]);
  }
  return out;
}

/**
 * Go's Regexp.ReplaceAllString. The replacement text written is charged to the evaluation budget
 * every 65,536 characters: many matches times a long replacement is a repeat.
 */
function replaceAll(c: Compiled, s: string, repl: string, ctx: BuiltinContext): string {
  const matches = c.go.findAllSubmatchIndex(s, -1) ?? [];
  if (!matches.length) return s;
  let out = '';
  let last = 0;
  let pending = 0;
  for (const m of matches) {
    const r = expand(repl, s, m, c.go.namedGroups ?? {});
    if ((pending += r.length) >= 65536) {
      chargeChars(ctx, pending);
      pending = 0;
    }
    out += s.slice(last, m[0]) + r;
    last = m[1];
  }
  return out + s.slice(last);
}

// ---- regex.template_match ----

const templateCache = new BoundedCache<Compiled>(CACHE_MAX);

function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function compileTemplate(tpl: string, open: string, close: string): Compiled {
  const key = open + close + tpl;
  const hit = templateCache.get(key);
  if (hit) return hit;
  const idxs: number[] = [];
  let level = 0;
  let start = 0;
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === open) {
      if (++level === 1) start = i;
    } else if (tpl[i] === close) {
      if (--level === 0) idxs.push(start, i + 1);
      else if (level < 0) throw new BuiltinError(`unbalanced braces in ${goQuote(tpl)}`);
    }
  }
  if (level !== 0) throw new BuiltinError(`unbalanced braces in ${goQuote(tpl)}`);
  let pattern = '^';
  let end = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = tpl.slice(end, idxs[i]);
    end = idxs[i + 1];
    const patt = tpl.slice(idxs[i] + 1, end - 1);
    pattern += quoteMeta(raw) + '(' + patt + ')';
    compileRegex('^' + patt + '$');
  }
  pattern += quoteMeta(tpl.slice(end)) + '$';
  const c = compileRegex(pattern);
  templateCache.set(key, c);
  return c;
}

function templateMatch(args: Value[]): boolean {
  const pattern = argString(args, 0);
  const match = argString(args, 1);
  const start = argString(args, 2);
  const end = argString(args, 3);
  const startLen = new TextEncoder().encode(start).length;
  const endLen = new TextEncoder().encode(end).length;
  if (startLen !== 1) throw new BuiltinError(`start delimiter has to be exactly one character long but is ${startLen} long`);
  if (endLen !== 1) throw new BuiltinError(`end delimiter has to be exactly one character long but is ${startLen} long`);
  return compileTemplate(pattern, start, end).re.matcher(match).find();
}

// ---- regex.globs_match (glob-intersection) ----

type GToken = { kind: 'char'; r: number; flag: number } | { kind: 'dot'; flag: number } | { kind: 'set'; runes: Set<number>; flag: number };
const FLAG_NONE = 0;
const FLAG_PLUS = 1;
const FLAG_STAR = 2;

class GlobError extends Error {}

function gtokenize(input: string): GToken[] {
  const rs = Array.from(input, (c) => c.codePointAt(0) as number);
  const err = (pos: number, msg: string): never => {
    throw new GlobError(`input:${input}, pos:${pos}, ${msg}: the input provided is invalid`);
  };
  const nextRune = (i: number): [number, number, boolean] | null => {
    if (i >= rs.length) return null;
    if (rs[i] === 0x5c) {
      if (i === rs.length - 1) err(i, 'input ends with a \\ (escape) character');
      return [i + 2, rs[i + 1], true];
    }
    return [i + 1, rs[i], false];
  };
  const tokens: GToken[] = [];
  let i = 0;
  for (;;) {
    const nr = nextRune(i);
    if (!nr) break;
    let [ni, r] = nr;
    const escaped = nr[2];
    let tok: GToken;
    if (!escaped && r === 0x2e) tok = { kind: 'dot', flag: FLAG_NONE };
    else if (!escaped && r === 0x5d) return err(ni, "set-close ']' with no preceding '['");
    else if (!escaped && r === 0x5b) {
      const set = new Set<number>();
      let complete = false;
      let prev = 0;
      let prevExists = false;
      let cur = nextRune(ni);
      while (!complete && cur) {
        [ni, r] = cur;
        if (!cur[2]) {
          if (r === 0x2d) {
            if (!prevExists) err(ni, "range character '-' must be preceded by a Unicode character");
            if (ni >= rs.length - 1) err(ni, "range character '-' must be followed by a Unicode character");
            const hi = nextRune(ni) as [number, number, boolean];
            [ni, r] = hi;
            if (!hi[2] && (r === 0x5d || r === 0x2d)) err(ni, "range character '-' cannot be followed by a special symbol");
            if (r < prev) {
              err(ni, `range is out of order: '${String.fromCodePoint(r)}' comes before '${String.fromCodePoint(prev)}' in Unicode`);
            }
            for (let x = prev; x <= r; x++) set.add(x);
            prevExists = false;
          } else if (r === 0x5d) complete = true;
          else {
            set.add(r);
            prev = r;
            prevExists = true;
          }
        } else {
          set.add(r);
          prev = r;
          prevExists = true;
        }
        if (!complete) cur = nextRune(ni);
      }
      if (!complete) err(ni, 'found [ without matching ]');
      tok = { kind: 'set', runes: set, flag: FLAG_NONE };
    } else if (!escaped && (r === 0x2b || r === 0x2a)) {
      return err(ni, `flag '${String.fromCodePoint(r)}' must be preceded by a non-flag`);
    } else tok = { kind: 'char', r, flag: FLAG_NONE };
    // An optional flag follows the token.
    const f = nextRune(ni);
    if (f && !f[2] && (f[1] === 0x2b || f[1] === 0x2a)) {
      tok.flag = f[1] === 0x2b ? FLAG_PLUS : FLAG_STAR;
      ni = f[0];
    }
    tokens.push(tok);
    i = ni;
  }
  return simplify(tokens);
}

function sameToken(a: GToken, b: GToken): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'char') return a.r === (b as typeof a).r;
  if (a.kind === 'set') {
    const o = (b as typeof a).runes;
    if (o.size !== a.runes.size) return false;
    for (const r of a.runes) if (!o.has(r)) return false;
  }
  return true;
}

function simplify(tokens: GToken[]): GToken[] {
  if (!tokens.length) return tokens;
  const out = [tokens[0]];
  for (let i = 1; i < tokens.length; i++) {
    const latest = out[out.length - 1];
    const t = tokens[i];
    if (t.flag !== FLAG_NONE && latest.flag !== FLAG_NONE && sameToken(t, latest)) {
      latest.flag = t.flag === FLAG_PLUS || latest.flag === FLAG_PLUS ? FLAG_PLUS : FLAG_STAR;
      continue;
    }
    out.push(t);
  }
  return out;
}

function tokMatch(a: GToken, b: GToken): boolean {
  if (a.kind === 'dot' || b.kind === 'dot') return true;
  if (a.kind === 'char' && b.kind === 'char') return a.r === b.r;
  if (a.kind === 'char' && b.kind === 'set') return b.runes.has(a.r);
  if (a.kind === 'set' && b.kind === 'char') return a.runes.has(b.r);
  const x = a as Extract<GToken, { kind: 'set' }>;
  const y = b as Extract<GToken, { kind: 'set' }>;
  for (const r of x.runes) if (y.runes.has(r)) return true;
  return false;
}

function intersectNormal(g1: GToken[], g2: GToken[]): boolean {
  let i = 0;
  let j = 0;
  for (; i < g1.length && j < g2.length; i++, j++) {
    if (g1[i].flag === FLAG_NONE && g2[j].flag === FLAG_NONE) {
      if (!tokMatch(g1[i], g2[j])) return false;
    } else return intersectSpecial(g1.slice(i), g2.slice(j));
  }
  return i === g1.length && j === g2.length;
}

function intersectSpecial(g1: GToken[], g2: GToken[]): boolean {
  if (g1[0].flag !== FLAG_NONE) return g1[0].flag === FLAG_PLUS ? intersectPlus(g1, g2) : intersectStar(g1, g2);
  return g2[0].flag === FLAG_PLUS ? intersectPlus(g2, g1) : intersectStar(g2, g1);
}

function intersectPlus(plussed: GToken[], other: GToken[]): boolean {
  if (!other.length || !tokMatch(plussed[0], other[0])) return false;
  if (intersectStar(plussed, other.slice(1))) return true;
  return other[0].flag !== FLAG_NONE && intersectNormal(plussed.slice(1), other);
}

function intersectStar(starred: GToken[], other: GToken[]): boolean {
  const star = starred[0];
  const next = starred.length > 1 ? starred[1] : undefined;
  for (let i = 0; i < other.length; i++) {
    const t = other[i];
    if (next !== undefined && tokMatch(t, next)) {
      if (intersectNormal(starred.slice(1), other.slice(i))) return true;
      if (!tokMatch(t, star)) return false;
    } else if (!tokMatch(t, star)) return false;
  }
  return next === undefined;
}

function trimGlobs(g1: GToken[], g2: GToken[]): [GToken[], GToken[]] | null {
  let l = 0;
  for (; l < g1.length && l < g2.length && g1[l].flag === FLAG_NONE && g2[l].flag === FLAG_NONE; l++) {
    if (!tokMatch(g1[l], g2[l])) return null;
  }
  if (l > 0) l--;
  let r1 = g1.length - 1;
  let r2 = g2.length - 1;
  for (; r1 >= 0 && r1 >= l && r2 >= 0 && r2 >= l && g1[r1].flag === FLAG_NONE && g2[r2].flag === FLAG_NONE; r1--, r2--) {
    if (!tokMatch(g1[r1], g2[r2])) return null;
  }
  if (r1 < g1.length - 1) {
    r1++;
    r2++;
  }
  return [g1.slice(l, r1 + 1), g2.slice(l, r2 + 1)];
}

/** gintersect.NonEmpty: whether two "regex-like globs" share a non-empty string. */
export function globsIntersect(lhs: string, rhs: string): boolean {
  let g1: GToken[];
  let g2: GToken[];
  try {
    g1 = gtokenize(lhs);
    g2 = gtokenize(rhs);
  } catch (e) {
    if (e instanceof GlobError) throw new BuiltinError(e.message);
    throw e;
  }
  const trimmed = trimGlobs(g1, g2);
  if (!trimmed) return false;
  return intersectNormal(trimmed[0], trimmed[1]);
}

function regexMatch(args: Value[]): boolean {
  const pattern = argString(args, 0);
  const value = argString(args, 1);
  const c = compileRegex(pattern);
  if (c.native !== null && value.length <= NATIVE_MAX_LENGTH) return c.native.test(value);
  return c.re.matcher(value).find();
}

export const regexBuiltins: BuiltinDef[] = [
  { name: 'regex.match', args: ['string', 'string'], result: 'boolean', fn: regexMatch },
  { name: 're_match', args: ['string', 'string'], result: 'boolean', fn: regexMatch, deprecated: true },
  {
    name: 'regex.is_valid',
    args: ['string'],
    result: 'boolean',
    fn: (args) => typeof args[0] === 'string' && isValidRegex(args[0]),
  },
  {
    name: 'regex.split',
    args: ['string', 'string'],
    result: 'array',
    fn: (args) => {
      const pattern = argString(args, 0);
      const s = argString(args, 1);
      return split(compileRegex(pattern), pattern, s);
    },
  },
  {
    name: 'regex.find_n',
    args: ['string', 'string', 'number'],
    result: 'array',
    fn: (args) => {
      const pattern = argString(args, 0);
      const s = argString(args, 1);
      const n = argInt64(args, 2);
      return compileRegex(pattern).go.findAll(s, n) ?? [];
    },
  },
  {
    name: 'regex.find_all_string_submatch_n',
    args: ['string', 'string', 'number'],
    result: 'array',
    fn: (args) => {
      const pattern = argString(args, 0);
      const s = argString(args, 1);
      const n = argInt64(args, 2);
      const all = compileRegex(pattern).go.findAllSubmatch(s, n) ?? [];
      return all.map((m) => m.map((g) => g ?? ''));
    },
  },
  {
    name: 'regex.replace',
    args: ['string', 'string', 'string'],
    result: 'string',
    fn: (args, ctx) => {
      const s = argString(args, 0);
      const pattern = argString(args, 1);
      const value = argString(args, 2);
      return replaceAll(compileRegex(pattern), s, value, ctx);
    },
  },
  { name: 'regex.template_match', args: ['string', 'string', 'string', 'string'], result: 'boolean', fn: templateMatch },
  {
    name: 'regex.globs_match',
    args: ['string', 'string'],
    result: 'boolean',
    fn: (args) => globsIntersect(argString(args, 0), argString(args, 1)),
  },
];
