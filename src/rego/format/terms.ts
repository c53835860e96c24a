// Printing terms: scalars, refs, collections, comprehensions, calls, infix operators and
// template strings.
//
// Parentheses are not in the syntax tree, so they are put back where the grammar needs them,
// as `opa fmt` does: an infix operand that is itself an infix call is parenthesized
// (`(x % 2) == 0`), except directly under the operator of an expression, where they are left
// out when precedence makes them unnecessary (`a + b == c`). A set union `a | b` is
// parenthesized inside collections and expressions (it would read as a comprehension), and
// comprehension heads and ref heads that are infix calls always are.

import type { Body, CallTerm, Expr, RefTerm, StringTerm, Term, TemplateTerm, VarTerm, WithModifier } from '../ast.js';
import { KEYWORDS } from '../lexer.js';
import type { Comments, Out } from './output.js';
import type { SourceIndex } from './source.js';

/** Infix operators by builtin name: text and binding level (higher binds tighter; `in` is 0). */
const INFIX: Record<string, readonly [string, number]> = {
  equal: ['==', 1],
  neq: ['!=', 1],
  lt: ['<', 1],
  lte: ['<=', 1],
  gt: ['>', 1],
  gte: ['>=', 1],
  or: ['|', 2],
  and: ['&', 3],
  plus: ['+', 4],
  minus: ['-', 4],
  mul: ['*', 5],
  div: ['/', 5],
  rem: ['%', 5],
  'internal.member_2': ['in', 0],
  'internal.member_3': ['in', 0],
};

const MEMBER_3 = 'internal.member_3';

/**
 * Where a term is written, which decides whether an infix call there needs parentheses.
 *   plain    call arguments, right of `:=`/`=`, rule heads, `with` values, ref brackets
 *   top      the term of an expression (`x in xs`, `a == b`)
 *   left     left of `:=`/`=`
 *   elem     element, key or value of a collection literal
 *   operand  operand of an infix call (other than under an expression's own operator), or of
 *            `in`; comprehension heads; ref heads
 *   under    operand of the infix call that is an expression's term: level and side given
 */
export type Pos = 'plain' | 'top' | 'left' | 'elem' | 'operand' | { level: number; right: boolean };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export abstract class TermPrinter {
  constructor(
    protected readonly src: SourceIndex,
    protected readonly out: Out,
    protected readonly comments: Comments,
  ) {}

  /** Writes one expression (implemented by the body printer). */
  protected abstract writeExpr(expr: Expr): void;
  /**
   * Writes a body as a block after an opening bracket already written: one expression per line,
   * indented; `end` is the token that follows the body (the closing bracket if `closes`).
   */
  protected abstract writeBlock(body: Body, end: number, closes: boolean): void;
  /** Writes `with` modifiers after an expression or embedded template expression. */
  protected abstract writeWiths(withs: WithModifier[], inline: boolean): void;

  protected write(s: string): void {
    this.out.write(s);
  }

  /** The infix operator of a call written as an operator (not as `plus(1, 2)`), if it is one. */
  protected infix(t: Term): readonly [string, number] | undefined {
    if (t.type !== 'call') return undefined;
    const op = INFIX[t.name];
    if (op === undefined || t.args.length !== (t.name === MEMBER_3 ? 3 : 2)) return undefined;
    if (this.src.source.startsWith(t.name, t.operator.loc.offset)) return undefined;
    return op;
  }

  private needsParens(t: Term, pos: Pos): boolean {
    const op = this.infix(t);
    if (op === undefined) return false;
    const name = (t as CallTerm).name;
    const union = name === 'or';
    switch (pos) {
      case 'plain':
        return name === MEMBER_3;
      case 'top':
        return union;
      case 'left':
      case 'elem':
        return union || name === MEMBER_3;
      case 'operand':
        return true;
      default:
        if (op[1] === 0 || union) return true;
        return op[1] < pos.level || (op[1] === pos.level && pos.right);
    }
  }

  writeTerm(t: Term, pos: Pos = 'plain'): void {
    this.comments.before(t.loc.row);
    this.comments.at(t.loc.row);
    const parens = this.needsParens(t, pos);
    if (parens) this.write('(');
    switch (t.type) {
      case 'null':
        this.write('null');
        break;
      case 'boolean':
        this.write(t.value ? 'true' : 'false');
        break;
      case 'number':
        this.write(t.raw);
        break;
      case 'string':
        this.write(this.stringText(t));
        break;
      case 'var':
        this.write(t.name);
        break;
      case 'ref':
        this.writeRef(t);
        break;
      case 'array':
        this.write('[');
        this.writeItems(t.items, t.loc.offset, (x) => this.writeTerm(x, 'elem'));
        this.write(']');
        break;
      case 'set':
        if (t.items.length === 0) {
          this.write('set()');
          break;
        }
        this.write('{');
        this.writeItems(t.items, t.loc.offset, (x) => this.writeTerm(x, 'elem'));
        this.write('}');
        break;
      case 'object':
        this.write('{');
        this.writeItems(t.entries, t.loc.offset, ([k, v]) => {
          this.writeTerm(k, 'elem');
          this.write(': ');
          this.writeTerm(v, 'elem');
        });
        this.write('}');
        break;
      case 'arraycompr':
        this.write('[');
        this.writeTerm(t.term, 'operand');
        this.writeComprBody(t.body, t.loc.offset);
        this.write(']');
        break;
      case 'setcompr':
        this.write('{');
        this.writeTerm(t.term, 'operand');
        this.writeComprBody(t.body, t.loc.offset);
        this.write('}');
        break;
      case 'objectcompr':
        this.write('{');
        this.writeTerm(t.key, 'operand');
        this.write(': ');
        this.writeTerm(t.value, 'operand');
        this.writeComprBody(t.body, t.loc.offset);
        this.write('}');
        break;
      case 'call':
        this.writeCall(t, pos);
        break;
      case 'template':
        this.writeTemplate(t);
        break;
    }
    if (parens) this.write(')');
  }

  /** A string literal as written (escapes kept, raw strings stay raw), else quoted. */
  protected stringText(t: StringTerm): string {
    const tok = this.src.tokenAt(t.loc);
    return tok !== undefined && tok.t === 'string' ? tok.text : JSON.stringify(t.value);
  }

  /**
   * `.name` for a string segment that is an identifier (a keyword only if it was written that
   * way: `p.not`, but `p["not"]` stays), else `["..."]`.
   */
  protected dotted(seg: StringTerm): boolean {
    if (!IDENT.test(seg.value)) return false;
    if (!KEYWORDS.has(seg.value)) return true;
    return this.src.tokenAt(seg.loc)?.t !== 'string';
  }

  protected writeSegment(seg: Term): void {
    if (seg.type === 'string') {
      this.write(this.dotted(seg) ? `.${seg.value}` : `[${this.stringText(seg)}]`);
      return;
    }
    this.write('[');
    this.writeTerm(seg, 'plain');
    this.write(']');
  }

  protected writeRef(t: RefTerm | VarTerm): void {
    if (t.type === 'var') {
      this.write(t.name);
      return;
    }
    if (t.head.type === 'var') this.write(t.head.name);
    else this.writeTerm(t.head, 'operand');
    for (const seg of t.path) this.writeSegment(seg);
  }

  private writeCall(t: CallTerm, pos: Pos): void {
    const op = this.infix(t);
    if (op === undefined) {
      this.writeRef(t.operator);
      this.write('(');
      const open = this.src.argsOpen(this.src.indexAt(t.operator.loc));
      this.writeItems(t.args, open, (x) => this.writeTerm(x, 'plain'), open);
      this.write(')');
      return;
    }
    const [text, level] = op;
    if (level === 0) {
      const a = t.args;
      this.writeTerm(a[0], 'operand');
      if (a.length === 3) {
        this.write(', ');
        this.writeTerm(a[1], 'operand');
      }
      this.write(' in ');
      this.writeTerm(a[a.length - 1], 'operand');
      return;
    }
    const top = pos === 'top';
    this.writeTerm(t.args[0], top ? { level, right: false } : 'operand');
    this.write(` ${text} `);
    this.writeTerm(t.args[1], top ? { level, right: true } : 'operand');
  }

  /**
   * Elements of a collection or argument list, after its opening bracket (at `openAt`, an offset,
   * or a token index when `openIndex` is given). Elements the source wrote on separate lines stay
   * on separate lines, one source line per output line, with a trailing comma; otherwise they
   * are written on one line.
   */
  protected writeItems<T extends Term | [Term, Term]>(items: T[], openAt: number, each: (x: T) => void, openIndex?: number): void {
    const open = openIndex ?? this.src.indexAt(openAt);
    const close = this.src.match(open);
    const openRow = open >= 0 ? this.src.tokens[open].row : -1;
    const closeRow = close >= 0 ? this.src.tokens[close].row : -1;
    const rowOf = (x: T): number => (Array.isArray(x) ? x[0].loc.row : (x as Term).loc.row);
    const rows = items.map(rowOf);
    const multi = items.length > 0 && open >= 0 && (rows[0] > openRow || rows.some((r) => r !== rows[0]));
    if (!multi) {
      items.forEach((x, i) => {
        if (i > 0) this.write(', ');
        each(x);
      });
      if (closeRow >= 0) {
        this.comments.before(closeRow);
        this.comments.at(closeRow);
      }
      return;
    }
    // A comment on the opening line that follows the first elements (`{"a": 1, # c`) stays
    // with those elements rather than moving up to the opening bracket.
    this.out.newline(rows[0] === openRow);
    this.out.indent++;
    items.forEach((x, i) => {
      if (i > 0) {
        if (rows[i] > rows[i - 1]) {
          this.write(',');
          this.out.newline();
        } else this.write(', ');
      }
      each(x);
    });
    this.write(',');
    this.out.newline();
    if (closeRow >= 0) this.comments.before(closeRow);
    this.out.indent--;
    if (closeRow >= 0) this.comments.at(closeRow);
  }

  /**
   * ` | body` of a comprehension whose opening bracket is at `openAt`: on the same line when the
   * source had the whole body there (`[x | x := xs[_]; x > 1]`), else as an indented block.
   */
  private writeComprBody(body: Body, openAt: number): void {
    const close = this.src.match(this.src.indexAt(openAt));
    this.write(' |');
    if (this.inlineBody(body)) {
      this.write(' ');
      body.forEach((e, i) => {
        if (i > 0) this.write('; ');
        this.writeExpr(e);
      });
      return;
    }
    this.writeBlock(body, close, true);
  }

  /** Whether the source wrote every expression of a body on the line where the body starts. */
  protected inlineBody(body: Body): boolean {
    return body.every((e) => this.src.tokenAt(e.loc)?.nl === false);
  }

  /** `$"text {expr} text"`: literal parts re-escaped, embedded expressions formatted. */
  private writeTemplate(t: TemplateTerm): void {
    const raw = this.src.source[t.loc.offset + 1] === '`';
    const quote = raw ? '`' : '"';
    this.write('$' + quote);
    t.parts.forEach((p, i) => {
      if (typeof p === 'string') {
        this.write(raw ? p.replace(/\{/g, '\\{') : escapeTemplate(p));
        return;
      }
      this.write('{');
      this.writeTerm(p, 'plain');
      const withs = t.with?.[i];
      if (withs !== undefined) this.writeWiths(withs, true);
      this.write('}');
    });
    this.write(quote);
  }
}

/** A literal part of a `$"..."` template: JSON escapes plus `\{`. */
function escapeTemplate(s: string): string {
  return JSON.stringify(s).slice(1, -1).replace(/\{/g, '\\{');
}
