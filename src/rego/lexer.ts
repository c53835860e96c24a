// Turns Rego source text into tokens, all at once, before parsing starts.
//
// Whitespace and comments are not tokens: each token instead records whether whitespace (`ws`) or
// a line break (`nl`) came before it, because Rego's grammar needs exactly that much of it: refs
// and calls must be written without gaps (`a.b`, `f(x)`), and expressions in a body are separated
// by a newline or `;`. Comments are collected on the side for Module.comments and METADATA.
//
// Template strings `$"a {x} b"` are split into parts: `$"a {` (open), then the embedded
// expression's own tokens, then `} b"` (a continuation that ends the string). The lexer finds
// the `}` that closes an embedded expression by counting braces per open template.
//
// Columns count UTF-16 code units from 1 (so `source.slice(offset)` finds the token).

import type { Comment } from './ast.js';
import { RegoError, type Location } from './errors.js';

export const KEYWORDS: ReadonlySet<string> = new Set([
  'package', 'import', 'as', 'default', 'else', 'if', 'contains', 'some', 'every', 'in', 'not',
  'with', 'null', 'true', 'false',
]);

export interface Token {
  /**
   * Kind: 'ident', 'number', 'string', 'tmpl', 'eof', a keyword ('if', 'in', ...) or an
   * operator/punctuation as written ('{', ':=', '==', ...).
   */
  t: string;
  /** The source text of the token. */
  text: string;
  /** Decoded value of a string or template part. */
  value?: string;
  /** A `raw string` or $`raw template`. */
  raw?: boolean;
  /** Template part that ends with `{`: an embedded expression follows. */
  open?: boolean;
  /** Template part that starts after the `}` of an embedded expression. */
  cont?: boolean;
  start: number;
  end: number;
  row: number;
  col: number;
  /** Whitespace or a comment came before this token. */
  ws: boolean;
  /** A line break came before this token. */
  nl: boolean;
}

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
}

const PUNCT1 = new Set(['[', ']', '{', '}', '(', ')', ',', ';', '+', '-', '*', '/', '%', '&', '|', '.']);

interface TemplateFrame {
  raw: boolean;
  /** Unclosed `{` inside the embedded expression. */
  depth: number;
}

export function tokenize(source: string, file: string): LexResult {
  return new Lexer(source, file).run();
}

class Lexer {
  private pos = 0;
  private row = 1;
  private lineStart = 0;
  private readonly tokens: Token[] = [];
  private readonly comments: Comment[] = [];
  private readonly frames: TemplateFrame[] = [];

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {
    if (src.charCodeAt(0) === 0xfeff) this.pos = this.lineStart = 1;
  }

  run(): LexResult {
    const src = this.src;
    let ws = false;
    let nl = false;
    for (;;) {
      // Skip whitespace and comments, noting what was skipped.
      while (this.pos < src.length) {
        const c = src.charCodeAt(this.pos);
        if (c === 10) {
          this.newline(this.pos + 1);
          this.pos++;
          ws = nl = true;
        } else if (c === 32 || c === 9 || c === 13) {
          this.pos++;
          ws = true;
        } else if (c === 35 /* # */) {
          this.comment();
          ws = true;
        } else break;
      }
      if (this.pos >= src.length) {
        if (this.frames.length > 0) {
          throw this.error('non-terminated template string expression', this.pos);
        }
        this.push('eof', this.pos, this.pos, ws, nl);
        return { tokens: this.tokens, comments: this.comments };
      }
      this.token(ws, nl);
      ws = nl = false;
    }
  }

  private newline(next: number): void {
    this.row++;
    this.lineStart = next;
  }

  private loc(offset: number): Location {
    return { file: this.file, row: this.row, col: offset - this.lineStart + 1, offset };
  }

  private error(msg: string, offset: number, loc?: Location): RegoError {
    return new RegoError('rego_parse_error', msg, loc ?? this.loc(offset));
  }

  private push(t: string, start: number, end: number, ws: boolean, nl: boolean, row = this.row, col?: number): Token {
    // All fields set up front, in one order: one object shape for every token.
    const tok: Token = {
      t,
      text: this.src.slice(start, end),
      value: undefined,
      raw: false,
      open: false,
      cont: false,
      start,
      end,
      row,
      col: col ?? start - this.lineStart + 1,
      ws,
      nl,
    };
    this.tokens.push(tok);
    return tok;
  }

  private comment(): void {
    const src = this.src;
    const start = this.pos;
    let end = src.indexOf('\n', start);
    if (end < 0) end = src.length;
    this.pos = end;
    if (end > start && src.charCodeAt(end - 1) === 13) end--;
    this.comments.push({ text: src.slice(start + 1, end), loc: this.loc(start) });
  }

  private token(ws: boolean, nl: boolean): void {
    const src = this.src;
    const start = this.pos;
    const c = src.charCodeAt(start);
    if (isLetter(c)) {
      let i = start + 1;
      for (let w = identPart(src, i); w > 0; w = identPart(src, i)) i += w;
      this.pos = i;
      const word = src.slice(start, i);
      this.push(KEYWORDS.has(word) ? word : 'ident', start, i, ws, nl);
      return;
    }
    if (c >= 48 && c <= 57) {
      this.number(ws, nl);
      return;
    }
    switch (c) {
      case 34 /* " */:
        this.string(ws, nl);
        return;
      case 96 /* ` */:
        this.rawString(ws, nl);
        return;
      case 36 /* $ */: {
        const q = src.charCodeAt(start + 1);
        if (q !== 34 && q !== 96) throw this.error('illegal $ character', start);
        this.pos = start + 2;
        this.templatePart(start, q === 96, false, ws, nl);
        return;
      }
      case 123 /* { */:
        if (this.frames.length > 0) this.frames[this.frames.length - 1].depth++;
        break;
      case 125 /* } */: {
        const top = this.frames[this.frames.length - 1];
        if (top !== undefined) {
          if (top.depth === 0) {
            // This brace closes an embedded expression: the template string continues.
            this.frames.pop();
            this.pos = start + 1;
            this.templatePart(start, top.raw, true, ws, nl);
            return;
          }
          top.depth--;
        }
        break;
      }
    }
    const two = src.slice(start, start + 2);
    if (two === ':=' || two === '==' || two === '!=' || two === '<=' || two === '>=') {
      this.pos = start + 2;
      this.push(two, start, start + 2, ws, nl);
      return;
    }
    const one = src[start];
    if (PUNCT1.has(one) || one === ':' || one === '=' || one === '<' || one === '>') {
      this.pos = start + 1;
      this.push(one, start, start + 1, ws, nl);
      return;
    }
    if (c === 0) throw this.error('illegal null character', start);
    if (one === '!') throw this.error('illegal ! character', start);
    const cp = src.codePointAt(start) as number;
    throw this.error(`illegal character ${JSON.stringify(String.fromCodePoint(cp))}`, start);
  }

  private number(ws: boolean, nl: boolean): void {
    const src = this.src;
    const start = this.pos;
    let i = start;
    while (isDigit(src.charCodeAt(i))) i++;
    if (src.charCodeAt(i) === 46 /* . */) {
      i++;
      if (!isDigit(src.charCodeAt(i))) throw this.error('expected fraction', i);
      while (isDigit(src.charCodeAt(i))) i++;
    }
    const e = src.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = src.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
      if (!isDigit(src.charCodeAt(i))) throw this.error('expected exponent', i);
      while (isDigit(src.charCodeAt(i))) i++;
    }
    if (i < src.length && isLetter(src.charCodeAt(i))) throw this.error('illegal number format', start);
    const c1 = src.charCodeAt(start + 1);
    if (src.charCodeAt(start) === 48 && i - start > 1 && c1 !== 46 && c1 !== 101 && c1 !== 69) {
      throw this.error('expected number without leading zero', start);
    }
    this.pos = i;
    this.push('number', start, i, ws, nl);
  }

  private string(ws: boolean, nl: boolean): void {
    const src = this.src;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= src.length || src.charCodeAt(i) === 10) throw this.error('non-terminated string', start);
      const ch = src.charCodeAt(i);
      if (ch === 34) break;
      if (ch === 92) {
        escaped = true;
        i++;
      }
      i++;
    }
    this.pos = i + 1;
    const tok = this.push('string', start, i + 1, ws, nl);
    tok.value = escaped ? this.unescape(start + 1, i, false) : src.slice(start + 1, i);
  }

  private rawString(ws: boolean, nl: boolean): void {
    const src = this.src;
    const start = this.pos;
    const row = this.row;
    const col = start - this.lineStart + 1;
    const end = src.indexOf('`', start + 1);
    if (end < 0) throw this.error('non-terminated string', start);
    for (let j = src.indexOf('\n', start + 1); j >= 0 && j < end; j = src.indexOf('\n', j + 1)) this.newline(j + 1);
    this.pos = end + 1;
    const tok = this.push('string', start, end + 1, ws, nl, row, col);
    tok.value = src.slice(start + 1, end);
    tok.raw = true;
  }

  /**
   * Scans a template part from this.pos up to and including its end: the closing quote, or the
   * `{` that opens an embedded expression. `start` is where the token began (`$` or `}`).
   */
  private templatePart(start: number, raw: boolean, cont: boolean, ws: boolean, nl: boolean): void {
    const src = this.src;
    const row = this.row;
    const col = start - this.lineStart + 1;
    const close = raw ? 96 : 34;
    const bodyStart = this.pos;
    let i = bodyStart;
    let escaped = false;
    let open = false;
    for (;;) {
      if (i >= src.length) throw this.error('non-terminated string', start, { file: this.file, row, col, offset: start });
      const ch = src.charCodeAt(i);
      if (ch === close) break;
      if (ch === 123 /* { */) {
        open = true;
        break;
      }
      if (ch === 10) {
        if (!raw) throw this.error('non-terminated string', start, { file: this.file, row, col, offset: start });
        this.newline(i + 1);
      } else if (ch === 92 /* \ */) {
        const next = src.charCodeAt(i + 1);
        if (!raw || next === 123) {
          escaped = true;
          i++;
        }
      }
      i++;
    }
    this.pos = i + 1;
    const tok = this.push('tmpl', start, i + 1, ws, nl, row, col);
    tok.raw = raw;
    tok.cont = cont;
    tok.open = open;
    const loc = { file: this.file, row, col, offset: start };
    tok.value = !escaped ? src.slice(bodyStart, i) : raw ? src.slice(bodyStart, i).replace(/\\\{/g, '{') : this.unescape(bodyStart, i, true, loc);
    if (open) this.frames.push({ raw, depth: 0 });
  }

  /** Decodes Go/JSON string escapes in src[from, to); `\{` too inside template strings. */
  private unescape(from: number, to: number, template: boolean, loc?: Location): string {
    const src = this.src;
    let out = '';
    let i = from;
    while (i < to) {
      const j = src.indexOf('\\', i);
      if (j < 0 || j >= to) {
        out += src.slice(i, to);
        break;
      }
      out += src.slice(i, j);
      const e = src[j + 1];
      i = j + 2;
      switch (e) {
        case '"': case '\\': case '/':
          out += e;
          break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const unit = hex4(src, j + 2);
          if (unit < 0) throw this.error('illegal escape sequence', j, loc);
          i = j + 6;
          if (unit >= 0xd800 && unit < 0xdc00 && src[i] === '\\' && src[i + 1] === 'u') {
            const low = hex4(src, i + 2);
            if (low >= 0xdc00 && low < 0xe000) {
              out += String.fromCharCode(unit, low);
              i += 6;
              break;
            }
          }
          // A lone surrogate cannot be represented; Go's JSON decoder substitutes U+FFFD too.
          out += unit >= 0xd800 && unit < 0xe000 ? '\ufffd' : String.fromCharCode(unit);
          break;
        }
        default:
          if (e !== '{' || !template) throw this.error('illegal escape sequence', j, loc ?? this.loc(j));
          out += '{';
      }
    }
    return out;
  }

}

function hex4(src: string, at: number): number {
  if (at + 4 > src.length) return -1;
  const s = src.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(s) ? parseInt(s, 16) : -1;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const UNICODE_DIGIT = /\p{Nd}/u;

/** Length (in UTF-16 units) of the identifier character at i, or 0 if there is none. */
function identPart(src: string, i: number): number {
  if (i >= src.length) return 0;
  const c = src.charCodeAt(i);
  if (isLetter(c) || isDigit(c)) return 1;
  if (c < 0x80) return 0;
  // OPA allows non-ASCII decimal digits after the first character of an identifier.
  const cp = src.codePointAt(i) as number;
  return UNICODE_DIGIT.test(String.fromCodePoint(cp)) ? (cp > 0xffff ? 2 : 1) : 0;
}
