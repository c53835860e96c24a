// The token cursor every parser layer builds on: position, lookahead, locations, errors and the
// nesting guard. Parsing throws a RegoError at the first syntax error (OPA collects several, but
// one precise error is what a policy author needs, and it keeps the parser simple).

import { RegoError, type Location } from '../errors.js';
import { KEYWORDS, type Token } from '../lexer.js';

/**
 * Nesting allowed before "nesting too deep". Each level costs a few JS frames; this stays well
 * inside Node's default stack, so hostile input gets a parse error instead of a RangeError.
 */
export const MAX_DEPTH = 1000;

export class ParserBase {
  protected i = 0;
  private depth = 0;

  constructor(
    protected readonly tokens: Token[],
    protected readonly file: string,
  ) {}

  protected get cur(): Token {
    return this.tokens[this.i];
  }

  protected advance(): Token {
    const tok = this.tokens[this.i];
    if (this.i < this.tokens.length - 1) this.i++;
    return tok;
  }

  /** End offset of the last consumed token. */
  protected get lastEnd(): number {
    return this.i > 0 ? this.tokens[this.i - 1].end : 0;
  }

  protected loc(tok: Token = this.cur): Location {
    return { file: this.file, row: tok.row, col: tok.col, offset: tok.start };
  }

  /**
   * A keyword written as the first segment of a ref (`in.foo`, `not[x]`, `else.x := 1`): OPA reads
   * it as an identifier when `.` or `[` follows without a gap.
   */
  protected isRefKeyword(at = this.i): boolean {
    const tok = this.tokens[at];
    if (!KEYWORDS.has(tok.t)) return false;
    const next = this.tokens[at + 1];
    return next !== undefined && !next.ws && (next.t === '.' || next.t === '[');
  }

  /** The current token is this keyword, used as a keyword (not as a ref head). */
  protected atKeyword(kw: string): boolean {
    return this.cur.t === kw && !this.isRefKeyword();
  }

  protected expect(t: string, expected = `expected ${t}`): Token {
    if (this.cur.t !== t) throw this.unexpected(this.cur, expected);
    return this.advance();
  }

  protected error(msg: string, loc: Location = this.loc()): RegoError {
    return new RegoError('rego_parse_error', msg, loc);
  }

  /** `unexpected } token: expected term`, as OPA words it. */
  protected unexpected(tok: Token, expected?: string): RegoError {
    const what = describe(tok);
    return this.error(expected ? `unexpected ${what}: ${expected}` : `unexpected ${what}`, this.loc(tok));
  }

  protected enter(): void {
    if (++this.depth > MAX_DEPTH) throw this.error('nesting too deep');
  }

  protected leave(): void {
    this.depth--;
  }

  /** Restores the position (and nesting level) saved before a speculative parse. */
  protected mark(): [number, number] {
    return [this.i, this.depth];
  }

  protected reset(m: [number, number]): void {
    this.i = m[0];
    this.depth = m[1];
  }
}

export function describe(tok: Token): string {
  switch (tok.t) {
    case 'ident':
    case 'number':
    case 'string':
    case 'eof':
      return `${tok.t} token`;
    case 'tmpl':
      return 'template string token';
    default:
      return KEYWORDS.has(tok.t) ? `${tok.t} keyword` : `${tok.t} token`;
  }
}
