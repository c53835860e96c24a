// What the formatter needs from the source text beyond the syntax tree: the tokens (to find
// brackets, `with`/`if` positions and whether a line break came before a token), matching
// brackets, and which source lines are blank. The tree keeps only start locations; layout
// decisions that depend on where things end are answered here.

import type { Location } from '../errors.js';
import { tokenize, type Token } from '../lexer.js';

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);

export class SourceIndex {
  readonly tokens: Token[];
  private readonly byStart = new Map<number, number>();
  /** For an opening bracket token, the index of its closing token (and the other way round). */
  private readonly partner: Int32Array;
  /** Offset at which each line starts (index 0 is row 1). */
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly source: string,
    file: string,
  ) {
    this.tokens = tokenize(source, file).tokens;
    this.partner = new Int32Array(this.tokens.length).fill(-1);
    const stack: number[] = [];
    this.tokens.forEach((tok, i) => {
      this.byStart.set(tok.start, i);
      if (OPEN.has(tok.t)) stack.push(i);
      else if (CLOSE.has(tok.t) && stack.length > 0) {
        const open = stack.pop() as number;
        this.partner[open] = i;
        this.partner[i] = open;
      }
    });
    for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  /** Index of the token that starts at this offset (or at this location), -1 if none does. */
  indexAt(at: number | Location): number {
    return this.byStart.get(typeof at === 'number' ? at : at.offset) ?? -1;
  }

  tokenAt(at: number | Location): Token | undefined {
    const i = this.indexAt(at);
    return i < 0 ? undefined : this.tokens[i];
  }

  /** Index of the first token starting at or after offset (the eof token at worst). */
  indexFrom(offset: number): number {
    let lo = 0;
    let hi = this.tokens.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid].start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The matching bracket of the bracket token at index i, -1 if unbalanced. */
  match(i: number): number {
    return i >= 0 && i < this.partner.length ? this.partner[i] : -1;
  }

  /**
   * The `(` that opens the argument list of a call or function head whose operator starts at
   * token index i: the first `(` at bracket depth 0 (skipping `[...]` in refs such as `a[x](y)`).
   */
  argsOpen(i: number): number {
    for (let j = i; j >= 0 && j < this.tokens.length; j++) {
      const t = this.tokens[j].t;
      if (t === '(') return j;
      if (t === '[' || t === '{') {
        j = this.match(j);
        if (j < 0) return -1;
      } else if (t === 'eof') return -1;
    }
    return -1;
  }

  /** 1-based row of a source offset. */
  rowOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** The row on which token i ends (raw strings and templates may span lines). */
  endRow(i: number): number {
    const tok = this.tokens[i];
    return tok.end > tok.start ? this.rowOf(tok.end - 1) : tok.row;
  }

  /** Whether source line `row` holds nothing but whitespace. */
  isBlankLine(row: number): boolean {
    if (row < 1 || row > this.lineStarts.length) return false;
    const start = this.lineStarts[row - 1];
    const end = row < this.lineStarts.length ? this.lineStarts[row] : this.source.length;
    return this.source.slice(start, end).trim() === '';
  }
}
