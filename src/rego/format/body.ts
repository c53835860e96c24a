// Printing expressions and bodies: `not`, `:=`/`=`, `some`, `every`, `with`, and blocks of
// expressions (rule bodies, `every` bodies, multi-line comprehensions): one expression per line,
// one blank line kept where the source had blank lines, comments kept at their rows.

import type { Body, Expr, SomeDeclExpr, WithModifier } from '../ast.js';
import { TermPrinter } from './terms.js';

export class BodyPrinter extends TermPrinter {
  protected writeExpr(expr: Expr): void {
    this.comments.before(expr.loc.row);
    this.comments.at(expr.loc.row);
    if (expr.negated) this.write('not ');
    switch (expr.kind) {
      case 'term':
        this.writeTerm(expr.term, 'top');
        break;
      case 'unify':
      case 'assign':
        this.writeTerm(expr.left, 'left');
        this.write(expr.kind === 'assign' ? ' := ' : ' = ');
        this.writeTerm(expr.right, 'plain');
        break;
      case 'some':
        this.writeSome(expr);
        break;
      case 'somein':
        this.write('some ');
        if (expr.key !== undefined) {
          this.writeTerm(expr.key, 'operand');
          this.write(', ');
        }
        this.writeTerm(expr.value, 'operand');
        this.write(' in ');
        this.writeTerm(expr.collection, 'operand');
        break;
      case 'every': {
        this.write('every ');
        if (expr.key !== undefined) {
          this.writeTerm(expr.key, 'operand');
          this.write(', ');
        }
        this.writeTerm(expr.value, 'operand');
        this.write(' in ');
        this.writeTerm(expr.domain, 'operand');
        this.write(' {');
        const open = this.src.indexAt(expr.body[0].loc) - 1;
        if (this.inlineBody(expr.body)) {
          this.write(' ');
          expr.body.forEach((e, i) => {
            if (i > 0) this.write('; ');
            this.writeExpr(e);
          });
          this.write(' }');
        } else {
          this.writeBlock(expr.body, this.src.match(open), true);
          this.write('}');
        }
        break;
      }
    }
    if (expr.with.length > 0) this.writeWiths(expr.with, false);
  }

  /** `some a, b`: variables the source put on later lines stay there, indented one more level. */
  private writeSome(expr: SomeDeclExpr): void {
    this.write('some ');
    let row = expr.loc.row;
    let indented = false;
    expr.vars.forEach((v, i) => {
      if (v.loc.row > row) {
        if (!indented) this.out.indent++;
        indented = true;
        this.out.newline();
        row = v.loc.row;
      } else if (i > 0) this.write(' ');
      this.writeTerm(v);
      if (i < expr.vars.length - 1) this.write(',');
    });
    if (indented) this.out.indent--;
  }

  /**
   * ` with target as value`, each on the current line, or on a new line indented one more level
   * when the source started it on a new line. Inside template strings (`inline`) always inline.
   */
  protected writeWiths(withs: WithModifier[], inline: boolean): void {
    let indented = false;
    for (const w of withs) {
      if (!inline && this.src.tokenAt(w.loc)?.nl === true) {
        if (!indented) this.out.indent++;
        indented = true;
        this.out.newline();
      } else this.write(' ');
      this.comments.before(w.loc.row);
      this.comments.at(w.loc.row);
      this.write('with ');
      this.writeRef(w.target);
      this.write(' as ');
      this.writeTerm(w.value, 'plain');
    }
    if (indented) this.out.indent--;
  }

  /**
   * A body as an indented block after an opener already written on the current line. `end` is
   * the index of the token after the body: its closing bracket when `closes` (comments up to it
   * are written inside the block, and one on its row after it), else the next statement or
   * `else`. Leaves the output at the start of the closing line, at the outer indentation.
   */
  protected writeBlock(body: Body, end: number, closes: boolean): void {
    this.out.newline();
    this.out.indent++;
    // The last source row written: a blank line is kept only between rows, not within one.
    let prevRow = this.src.tokens[Math.max(0, this.src.indexAt(body[0].loc) - 1)].row;
    body.forEach((expr, i) => {
      this.comments.before(expr.loc.row);
      const row = expr.loc.row;
      if (row - 1 > prevRow && this.src.isBlankLine(row - 1)) this.out.blank();
      this.writeExpr(expr);
      // Comments up to the last row of the expression end its line.
      const next = i + 1 < body.length ? this.src.indexAt(body[i + 1].loc) : end;
      let last = next - 1;
      while (last > 0 && this.src.tokens[last].t === ';') last--;
      if (next > 0 && last >= 0) {
        prevRow = this.src.endRow(last);
        this.comments.before(prevRow + 1);
      } else prevRow = row;
      this.out.newline();
    });
    if (closes && end >= 0) {
      const closeRow = this.src.tokens[end].row;
      this.comments.before(closeRow);
      this.out.indent--;
      this.comments.at(closeRow);
    } else this.out.indent--;
  }
}
