// The formatter's output: lines with tab indentation, plus the comments of the source, handed
// out in source order as the printer reaches their rows.
//
// A comment on a row the printer reaches while writing a line (the row of a term, an expression
// or a closing bracket) becomes an end-of-line comment of the output line being written. A
// comment on an earlier row goes on a line of its own when the printer is at the start of a
// line; when it is in the middle of one (the source broke a line that the output joins), it is
// kept for the end of that line too. If one output line collects several comments, all but the
// last go on their own lines above it. Every comment is written exactly once, and a comment
// never ends up inside a token, so formatting cannot change what a policy means.

import type { Comment } from '../ast.js';
import type { SourceIndex } from './source.js';

const OPENS_BLOCK = /[{[(|]$/;

export class Out {
  private readonly lines: string[] = [];
  /** The line being written (with its indentation), or null at the start of a line. */
  private cur: string | null = null;
  /** The last finished line ends with an opening bracket (no blank line may follow it). */
  private opened = false;
  indent = 0;
  /** Comments for the end of the current line. */
  readonly pending: string[] = [];

  get atLineStart(): boolean {
    return this.cur === null;
  }

  get lineCount(): number {
    return this.lines.length;
  }

  write(s: string): void {
    if (this.cur === null) this.cur = '\t'.repeat(this.indent);
    this.cur += s;
  }

  /**
   * Ends the current line, adding the comments collected for it; with `keep`, they are left for
   * the next line instead.
   */
  newline(keep = false): void {
    if (keep && this.cur !== null) {
      const kept = this.pending.splice(0);
      this.newline();
      this.pending.push(...kept);
      return;
    }
    if (this.cur === null) {
      for (const c of this.pending) this.push('\t'.repeat(this.indent) + c, false);
      this.pending.length = 0;
      return;
    }
    const code = this.cur;
    this.cur = null;
    const lead = /^\t*/.exec(code)?.[0] ?? '';
    const last = this.pending.pop();
    for (const c of this.pending) this.push(lead + c, false);
    this.pending.length = 0;
    this.push(last === undefined ? code : `${code} ${last}`, OPENS_BLOCK.test(code));
  }

  /** A comment on a line of its own (only at the start of a line). */
  comment(text: string): void {
    this.push('\t'.repeat(this.indent) + text, false);
  }

  /** One blank line, unless at the top, after a blank line or right after an opening bracket. */
  blank(): void {
    if (this.lines.length === 0 || this.opened || this.lines[this.lines.length - 1] === '') return;
    this.push('', false);
  }

  /** A blank line before line i (written earlier), unless one is already there. */
  blankBefore(i: number): void {
    if (i <= 0 || i > this.lines.length) return;
    if (this.lines[i - 1] === '' || this.lines[i] === '') return;
    this.lines.splice(i, 0, '');
  }

  text(): string {
    if (this.cur !== null || this.pending.length > 0) this.newline();
    const out: string[] = [];
    for (const line of this.lines) {
      if (line === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
      out.push(line);
    }
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out.join('\n') + '\n';
  }

  private push(line: string, opened: boolean): void {
    this.lines.push(line);
    this.opened = opened;
  }
}

export class Comments {
  private readonly list: Comment[];
  private readonly used: Uint8Array;
  private readonly byRow = new Map<number, number>();
  private cursor = 0;

  constructor(
    comments: Comment[],
    private readonly out: Out,
    private readonly src: SourceIndex,
  ) {
    this.list = [...comments].sort((a, b) => a.loc.offset - b.loc.offset);
    this.used = new Uint8Array(this.list.length);
    this.list.forEach((c, i) => this.byRow.set(c.loc.row, i));
  }

  /**
   * Writes the comments on rows before `row`: on lines of their own at the start of a line
   * (keeping one blank line where the source had one, if `blanks`), else for the end of the line.
   */
  before(row: number, blanks = true): void {
    while (this.cursor < this.list.length && this.list[this.cursor].loc.row < row) {
      const i = this.cursor++;
      if (this.used[i]) continue;
      this.used[i] = 1;
      const c = this.list[i];
      const text = render(c);
      if (!this.out.atLineStart) this.out.pending.push(text);
      else {
        if (blanks && this.src.isBlankLine(c.loc.row - 1)) this.out.blank();
        this.out.comment(text);
      }
    }
  }

  /** The comment on this row, if not written yet, goes at the end of the current line. */
  at(row: number): void {
    const i = this.byRow.get(row);
    if (i === undefined || this.used[i]) return;
    this.used[i] = 1;
    this.out.pending.push(render(this.list[i]));
  }

  /** Whether a comment on a row before `row` is still to be written. */
  hasBefore(row: number): boolean {
    for (let i = this.cursor; i < this.list.length && this.list[i].loc.row < row; i++) {
      if (!this.used[i]) return true;
    }
    return false;
  }

  get remaining(): boolean {
    return this.hasBefore(Infinity);
  }
}

function render(c: Comment): string {
  return '#' + c.text.trimEnd();
}
