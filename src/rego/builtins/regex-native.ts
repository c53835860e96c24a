// A faster path for regex.match: many policy patterns use only a small part of RE2's syntax
// (literals, groups, alternation, repetition, \b \s \d, simple classes, a leading (?i)). For
// those, V8's own RegExp finds the same matches, because for a pattern without backreferences
// the set of strings matched does not depend on the engine. This translates such a pattern to an
// equivalent JavaScript RegExp, spelling out every place where the two syntaxes differ:
//
//   .        RE2 matches any character but \n; JS also excludes \r, U+2028, U+2029 → [^\n]
//   \s       RE2 is [\t\n\f\r ]; JS adds \v and Unicode spaces → written out
//   (?i)     RE2 folds case per Unicode simple folding, but keeps \b ASCII. JS's `i` flag would
//            widen \b and \w (ſ, K), so instead each letter becomes a class of its fold
//            orbit: k → [kK\u212A], s → [sS\u017F], e → [eE].
//
// Anything else (named groups, Unicode classes, \A \z, flags other than a leading (?i),
// non-ASCII literals, case-folded ranges) is left to re2js: translate returns null.
// Only patterns RE2 accepts reach here, so syntax errors are already RE2's.
//
// RE2 runs in linear time; V8 backtracks. So only patterns that cannot backtrack much are
// translated: at most one repetition, applied to a single character or class (never to a group,
// so no `(a+)+`), and the caller uses the native RegExp only on short strings (NATIVE_MAX_LENGTH).
// The worst case is then one scan of the string per start position: quadratic in at most 256
// characters, about as costly as re2js's linear scan.

/** Unicode simple case-folding orbits of the ASCII letters that have members outside ASCII. */
const EXTRA_FOLDS: Record<string, string> = { k: '\\u212A', s: '\\u017F' };

const SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

function isLetter(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/** A literal character, case-folded when (?i) is on; `inClass` when written inside [...]. */
function literal(ch: string, fold: boolean, inClass: boolean): string {
  if (fold && isLetter(ch)) {
    const lo = ch.toLowerCase();
    const set = lo + lo.toUpperCase() + (EXTRA_FOLDS[lo] ?? '');
    return inClass ? set : `[${set}]`;
  }
  if (inClass ? ch === ']' || ch === '\\' || ch === '^' || ch === '-' || ch === '[' : SYNTAX.has(ch)) return '\\' + ch;
  return ch;
}

const PERL_CLASSES: Record<string, string> = {
  d: '0-9',
  s: '\\t\\n\\f\\r ',
  w: '0-9A-Za-z_',
};

/** Strings longer than this are matched by re2js even when the pattern translated. */
export const NATIVE_MAX_LENGTH = 256;

/** Returns an equivalent RegExp for the pattern, or null when it uses syntax not handled here. */
export function translateRE2(pattern: string): RegExp | null {
  let src = '';
  let i = 0;
  let fold = false;
  let repetitions = 0;
  /** A repetition must follow a single-character atom, never a group or another repetition. */
  let afterAtom = false;
  if (pattern.startsWith('(?i)')) {
    fold = true;
    i = 4;
  }
  const n = pattern.length;
  while (i < n) {
    const ch = pattern[i];
    if (ch.charCodeAt(0) > 0x7e || ch.charCodeAt(0) < 0x20) return null;
    if (ch === '*' || ch === '+' || ch === '?' || ch === '{') {
      if (!afterAtom || ++repetitions > 1) return null;
      afterAtom = false;
    } else afterAtom = ch !== '(' && ch !== ')' && ch !== '|' && ch !== '^' && ch !== '$';
    if (ch === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) return null;
      i += 2;
      if (e === 'b' || e === 'B') src += '\\' + e;
      else if (e === 'd' || e === 's' || (e === 'w' && !fold)) src += `[${PERL_CLASSES[e]}]`;
      else if (e === 'D' || e === 'S' || (e === 'W' && !fold)) src += `[^${PERL_CLASSES[e.toLowerCase()]}]`;
      else if (e === 'n' || e === 't' || e === 'r' || e === 'f') src += '\\' + e;
      else if (!isLetter(e) && !(e >= '0' && e <= '9') && e.charCodeAt(0) >= 0x20 && e.charCodeAt(0) <= 0x7e) {
        src += literal(e, fold, false);
      } else return null;
      continue;
    }
    if (ch === '(') {
      if (pattern[i + 1] === '?') {
        if (pattern[i + 2] !== ':') return null;
        src += '(?:';
        i += 3;
      } else {
        src += '(';
        i++;
      }
      continue;
    }
    if (ch === '[') {
      const cls = translateClass(pattern, i, fold);
      if (cls === null) return null;
      src += cls.src;
      i = cls.end;
      continue;
    }
    if (ch === '.') src += '[^\\n]';
    else if (')|^$*+?'.includes(ch)) src += ch;
    else if (ch === '{') {
      // A repetition {n}, {n,}, {n,m}; RE2 has already checked the bounds.
      const m = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
      if (m === null) return null;
      src += m[0];
      i += m[0].length;
      continue;
    } else src += literal(ch, fold, false);
    i++;
  }
  try {
    return new RegExp(src, 'u');
  } catch {
    return null;
  }
}

/** A bracketed class from pattern[start] = '['; ranges and letters under (?i) are refused. */
function translateClass(pattern: string, start: number, fold: boolean): { src: string; end: number } | null {
  let i = start + 1;
  let out = '[';
  if (pattern[i] === '^') {
    if (fold) return null;
    out += '^';
    i++;
  }
  let first = true;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === ']' && !first) return { src: out + ']', end: i + 1 };
    first = false;
    if (ch.charCodeAt(0) > 0x7e || ch.charCodeAt(0) < 0x20 || ch === '[') return null;
    if (ch === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) return null;
      if (e === 'd' || e === 's' || (e === 'w' && !fold)) out += PERL_CLASSES[e];
      else if (e === 'n' || e === 't' || e === 'r' || e === 'f') out += '\\' + e;
      else if (!isLetter(e) && !(e >= '0' && e <= '9') && e.charCodeAt(0) >= 0x20 && e.charCodeAt(0) <= 0x7e) out += literal(e, fold, true);
      else return null;
      i += 2;
      continue;
    }
    if (pattern[i + 1] === '-' && pattern[i + 2] !== undefined && pattern[i + 2] !== ']') {
      const hi = pattern[i + 2];
      if (fold || hi === '\\' || hi === '[' || hi.charCodeAt(0) > 0x7e || hi.charCodeAt(0) < 0x20) return null;
      out += literal(ch, false, true) + '-' + literal(hi, false, true);
      i += 3;
      continue;
    }
    out += literal(ch, fold, true);
    i++;
  }
  return null;
}
