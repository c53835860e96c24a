// glob.match and glob.quote_meta with the semantics of github.com/gobwas/glob, which OPA uses.
//
//   *       any run of characters other than the delimiters
//   **      any run of characters, delimiters included
//   ?       one character other than a delimiter
//   [abc] [!abc] [a-z] [!a-z]   one character in (or not in) a list or range
//   {a,b}   one of the alternatives (which may themselves contain globs)
//   \x      a literal x
//
// The delimiters operand: null means none, an empty array means the default ["."].
// A pattern is lexed and parsed as gobwas does (including its errors), translated to an RE2
// expression and compiled once per (pattern, delimiters).

import { RE2JS } from 're2js';
import { BuiltinError } from '../errors.js';
import { typeName, type Value } from '../value.js';
import { operandTypeError } from './numbers.js';
import { BoundedCache } from './regex.js';
import { argString, type BuiltinDef } from './types.js';

type Tok =
  | { t: 'text'; s: string }
  | { t: 'any' | 'super' | 'single' | 'termsOpen' | 'sep' | 'termsClose' | 'rangeOpen' | 'rangeClose' | 'not' | 'between' }
  | { t: 'lo' | 'hi'; r: number };

class GlobSyntaxError extends Error {}

/** gobwas/glob's lexer, producing all tokens up front. */
function lex(src: string): Tok[] {
  const rs = Array.from(src, (c) => c.codePointAt(0) as number);
  const toks: Tok[] = [];
  let pos = 0;
  let terms = 0;
  const peek = () => (pos < rs.length ? rs[pos] : -1);

  const text = (breakers: number[]) => {
    let data = '';
    let escaped = false;
    while (pos < rs.length) {
      const r = rs[pos++];
      if (!escaped) {
        if (r === 0x5c) {
          escaped = true;
          continue;
        }
        if (breakers.includes(r)) {
          pos--;
          break;
        }
      }
      escaped = false;
      data += String.fromCodePoint(r);
    }
    if (data) toks.push({ t: 'text', s: data });
  };

  const range = () => {
    let wantHi = false;
    let wantClose = false;
    let seenNot = false;
    for (;;) {
      if (pos >= rs.length) throw new GlobSyntaxError('unexpected end of input');
      const r = rs[pos++];
      if (wantClose) {
        if (r !== 0x5d) throw new GlobSyntaxError('expected close range character');
        toks.push({ t: 'rangeClose' });
        return;
      }
      if (wantHi) {
        toks.push({ t: 'hi', r });
        wantClose = true;
        continue;
      }
      if (!seenNot && r === 0x21) {
        toks.push({ t: 'not' });
        seenNot = true;
        continue;
      }
      if (peek() === 0x2d) {
        pos++;
        toks.push({ t: 'lo', r }, { t: 'between' });
        wantHi = true;
        continue;
      }
      pos--;
      text([0x5d]);
      wantClose = true;
    }
  };

  const textBreakers = [0x3f, 0x2a, 0x5b, 0x7b];
  const termBreakers = [...textBreakers, 0x7d, 0x2c];
  while (pos < rs.length) {
    const r = rs[pos++];
    if (r === 0x7b) {
      terms++;
      toks.push({ t: 'termsOpen' });
    } else if (r === 0x2c && terms > 0) toks.push({ t: 'sep' });
    else if (r === 0x7d && terms > 0) {
      toks.push({ t: 'termsClose' });
      terms--;
    } else if (r === 0x5b) {
      toks.push({ t: 'rangeOpen' });
      range();
    } else if (r === 0x3f) toks.push({ t: 'single' });
    else if (r === 0x2a) {
      if (peek() === 0x2a) {
        pos++;
        toks.push({ t: 'super' });
      } else toks.push({ t: 'any' });
    } else {
      pos--;
      text(terms > 0 ? termBreakers : textBreakers);
    }
  }
  return toks;
}

function quoteMetaRE(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function classChars(s: string): string {
  return s.replace(/[\\\]\[^-]/g, '\\$&');
}

/** Parses the tokens as gobwas does and emits the equivalent RE2 expression. */
function toRegex(src: string, delims: string): string {
  const toks = lex(src);
  const anyChar = delims ? `[^${classChars(delims)}]` : '.';
  // Each open group collects its alternatives; the root is a single implicit alternative.
  const stack: string[][] = [['']];
  const append = (s: string) => {
    const alts = stack[stack.length - 1];
    alts[alts.length - 1] += s;
  };
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i];
    switch (tok.t) {
      case 'text':
        append(quoteMetaRE(tok.s));
        break;
      case 'any':
        append(anyChar + '*');
        break;
      case 'super':
        append('.*');
        break;
      case 'single':
        append(anyChar);
        break;
      case 'termsOpen':
        stack.push(['']);
        break;
      case 'sep':
        stack[stack.length - 1].push('');
        break;
      case 'termsClose': {
        const alts = stack.pop() as string[];
        append('(?:' + alts.join('|') + ')');
        break;
      }
      case 'rangeOpen': {
        let not = false;
        let lo = 0;
        let hi = 0;
        let chars = '';
        for (i++; ; i++) {
          const t = toks[i];
          if (t === undefined) throw new GlobSyntaxError('unexpected end');
          if (t.t === 'not') not = true;
          else if (t.t === 'lo') lo = t.r;
          else if (t.t === 'hi') {
            hi = t.r;
            if (hi < lo) {
              throw new GlobSyntaxError(
                `hi character '${String.fromCodePoint(hi)}' should be greater than lo '${String.fromCodePoint(lo)}'`,
              );
            }
          } else if (t.t === 'text') chars = t.s;
          else if (t.t === 'rangeClose') break;
        }
        const isRange = lo !== 0 && hi !== 0;
        if ((chars !== '') === isRange) throw new GlobSyntaxError('could not parse range');
        const body = isRange
          ? classChars(String.fromCodePoint(lo)) + '-' + classChars(String.fromCodePoint(hi))
          : classChars(chars);
        append('[' + (not ? '^' : '') + body + ']');
        break;
      }
    }
  }
  // An unclosed brace group ends at the end of the pattern.
  while (stack.length > 1) {
    const alts = stack.pop() as string[];
    append('(?:' + alts.join('|') + ')');
  }
  return '(?s)^' + stack[0][0] + '$';
}

type Matcher = (s: string) => boolean;

/**
 * Per delimiter set, pattern → matcher (or the pattern's syntax error). The default set (`[]`,
 * i.e. ".") has its own cache: nearly every call uses it, and it then costs one lookup.
 */
const defaultCache = new BoundedCache<Matcher | BuiltinError>(1000);
const caches = new Map<string, BoundedCache<Matcher | BuiltinError>>();

/** The last pattern matched and its matcher: a policy loop calls one pattern many times in a row. */
let lastPattern = '';
let lastDelims = '';
let lastMatcher: Matcher | undefined;

function compileGlob(pattern: string, delims: string): Matcher {
  if (pattern === lastPattern && delims === lastDelims && lastMatcher !== undefined) return lastMatcher;
  let cache = delims === '.' ? defaultCache : caches.get(delims);
  if (cache === undefined) {
    if (caches.size > 64) caches.clear();
    caches.set(delims, (cache = new BoundedCache<Matcher | BuiltinError>(1000)));
  }
  let c = cache.get(pattern);
  if (c === undefined) {
    try {
      c = simpleMatcher(pattern, delims) ?? regexMatcher(pattern, delims);
    } catch (e) {
      c = new BuiltinError(e instanceof Error ? e.message : String(e));
    }
    cache.set(pattern, c);
  }
  if (typeof c !== 'function') throw new BuiltinError(c.message);
  lastPattern = pattern;
  lastDelims = delims;
  lastMatcher = c;
  return c;
}

export function regexMatcher(pattern: string, delims: string): Matcher {
  const re = RE2JS.compile(toRegex(pattern, delims));
  return (s) => re.matches(s);
}

// Patterns made only of literals, `*`, `**` and `?` (nearly all policy globs) are matched by a
// small NFA simulation: linear in the text, no regex engine. Classes and `{a,b}` go to RE2.
const LIT = 0;
const STAR = 1;
const SUPER = 2;
const ANY = 3;

export function simpleMatcher(pattern: string, delims: string): Matcher | null {
  const kinds: number[] = [];
  const chars: string[] = [];
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const ch = cps[i];
    if (ch === '[' || ch === ']' || ch === '{' || ch === '}') return null;
    if (ch === '\\') {
      if (i + 1 >= cps.length) return null;
      kinds.push(LIT);
      chars.push(cps[++i]);
    } else if (ch === '*') {
      if (cps[i + 1] === '*') {
        i++;
        kinds.push(SUPER);
      } else kinds.push(STAR);
      chars.push('');
    } else if (ch === '?') {
      kinds.push(ANY);
      chars.push('');
    } else {
      kinds.push(LIT);
      chars.push(ch);
    }
  }
  const m = kinds.length;
  const isDelim = (c: string): boolean => delims.includes(c);
  if (kinds.every((k) => k === LIT)) {
    const literal = chars.join('');
    return (s) => s === literal;
  }
  // `prefix*`: the most common shape.
  if (kinds[m - 1] === STAR && kinds.slice(0, -1).every((k) => k === LIT) && !/[\uD800-\uDFFF]/.test(delims)) {
    const prefix = chars.slice(0, -1).join('');
    const codes = Array.from(delims, (d) => d.charCodeAt(0));
    if (delims.length === 1) {
      // One delimiter (the default "."): the builtin search for it.
      return prefix === '' ? (s) => !s.includes(delims) : (s) => s.startsWith(prefix) && s.indexOf(delims, prefix.length) === -1;
    }
    return (s) => {
      if (!s.startsWith(prefix)) return false;
      for (let i = prefix.length; i < s.length; i++) {
        const ch = s.charCodeAt(i);
        for (let j = 0; j < codes.length; j++) if (ch === codes[j]) return false;
      }
      return true;
    };
  }
  return (s) => {
    let cur = new Uint8Array(m + 1);
    let next = new Uint8Array(m + 1);
    cur[0] = 1;
    close(cur);
    for (const c of s) {
      next.fill(0);
      const delim = isDelim(c);
      let any = false;
      for (let i = 0; i < m; i++) {
        if (!cur[i]) continue;
        switch (kinds[i]) {
          case LIT:
            if (chars[i] === c) next[i + 1] = 1;
            break;
          case ANY:
            if (!delim) next[i + 1] = 1;
            break;
          case STAR:
            if (!delim) next[i] = 1;
            break;
          case SUPER:
            next[i] = 1;
            break;
        }
      }
      close(next);
      for (let i = 0; i <= m; i++) if (next[i]) any = true;
      if (!any) return false;
      const t = cur;
      cur = next;
      next = t;
    }
    return cur[m] === 1;
  };

  /** Stars match the empty string: a state before a star also enables the state after it. */
  function close(set: Uint8Array): void {
    for (let i = 0; i < m; i++) if (set[i] && (kinds[i] === STAR || kinds[i] === SUPER)) set[i + 1] = 1;
  }
}

function delimiters(v: Value): string {
  if (v === null) return '';
  if (!Array.isArray(v)) return operandTypeError(1, v, 'array', 'null');
  if (v.length === 0) return '.';
  let out = '';
  for (const d of v) {
    if (typeof d !== 'string') {
      throw new BuiltinError(`operand 2 must be array of strings but got array containing ${typeName(d)}`, 'eval_type_error');
    }
    const rs = Array.from(d);
    if (rs.length !== 1) {
      throw new BuiltinError(`operand 2 must be array of runes but got array containing ${typeName(d)}`, 'eval_type_error');
    }
    out += rs[0];
  }
  return out;
}

/** gobwas glob.QuoteMeta: escapes * ? \ [ ] { }. */
export function globQuoteMeta(s: string): string {
  return s.replace(/[*?\\[\]{}]/g, '\\$&');
}

export const globBuiltins: BuiltinDef[] = [
  {
    name: 'glob.match',
    args: ['string', 'array|null', 'string'],
    result: 'boolean',
    fn: (args) => {
      const pattern = argString(args, 0);
      const delims = delimiters(args[1]);
      const match = argString(args, 2);
      return compileGlob(pattern, delims)(match);
    },
  },
  { name: 'glob.quote_meta', args: ['string'], result: 'string', fn: (args) => globQuoteMeta(argString(args, 0)) },
];
