// Bodies and the expressions in them: `not`, `some`, `every`, `:=`/`=`, and `with` modifiers.

import type { Body, EveryExpr, Expr, SomeDeclExpr, SomeInExpr, Term, VarTerm, WithModifier } from '../ast.js';
import { RegoError } from '../errors.js';
import { TermParser } from './terms.js';

export class BodyParser extends TermParser {
  /**
   * Expressions separated by `;` or line breaks, up to (not including) the `end` token:
   * `}` for rule bodies, `]`/`}` for comprehensions, `eof` for queries.
   */
  parseBody(end: string): Body {
    if (this.cur.t === end) throw this.unexpected(this.cur, 'found empty body');
    const body: Body = [];
    for (;;) {
      body.push(this.parseLiteral());
      if (this.cur.t === ';') {
        this.advance();
        continue;
      }
      if (this.cur.t === end) break;
      if (!this.cur.nl) throw this.unexpected(this.cur, `expected \\n or ; or ${end === 'eof' ? 'end of query' : end}`);
    }
    return body;
  }

  /** `{ body }`: from the `{` through the `}`. */
  protected parseBraceBody(): Body {
    this.expect('{', 'expected {');
    const body = this.parseBody('}');
    this.advance();
    return body;
  }

  parseLiteral(): Expr {
    const start = this.cur;
    let negated = false;
    if (this.atKeyword('not')) {
      negated = true;
      this.advance();
    }
    if (this.atKeyword('some')) {
      if (negated) throw this.unexpected(this.cur, "illegal negation of 'some'");
      return this.parseSome();
    }
    if (this.atKeyword('every')) {
      if (negated) throw this.unexpected(this.cur, "illegal negation of 'every'");
      return this.parseEvery();
    }
    const loc = this.loc(start);
    const lhs = this.parseInfix(true);
    let expr: Expr;
    if (this.cur.t === ':=' || this.cur.t === '=') {
      const assign = this.advance().t === ':=';
      const right = this.parseInfix(true);
      expr = { kind: assign ? 'assign' : 'unify', left: lhs, right, negated, with: [], loc };
    } else {
      expr = { kind: 'term', term: lhs, negated, with: [], loc };
    }
    expr.with = this.parseWith();
    return expr;
  }

  /** `some x, y` or `some x in xs` / `some k, v in xs`. */
  private parseSome(): SomeDeclExpr | SomeInExpr {
    const loc = this.loc(this.advance());
    const m = this.mark();
    let term: Term | undefined;
    let failure: RegoError | undefined;
    try {
      term = this.parseInfix(true);
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      failure = e;
    }
    if (term?.type === 'call' && (term.name === 'internal.member_2' || term.name === 'internal.member_3')) {
      const a = term.args;
      const expr: SomeInExpr =
        a.length === 3
          ? { kind: 'somein', key: a[0], value: a[1], collection: a[2], negated: false, with: [], loc }
          : { kind: 'somein', value: a[0], collection: a[1], negated: false, with: [], loc };
      expr.with = this.parseWith();
      return expr;
    }
    this.reset(m);
    const vars: VarTerm[] = [];
    for (;;) {
      const tok = this.cur;
      if (tok.t !== 'ident') throw failure ?? this.unexpected(tok, 'expected var');
      this.advance();
      vars.push({ type: 'var', name: tok.text, loc: this.loc(tok) });
      if (this.cur.t !== ',') break;
      this.advance();
    }
    // `some x in <bad>`: report why the domain failed, not that `in` is unexpected here.
    if (failure !== undefined && this.atKeyword('in')) throw failure;
    return { kind: 'some', vars, negated: false, with: [], loc };
  }

  /** `every v in xs { body }` / `every k, v in xs { body }`. */
  private parseEvery(): EveryExpr {
    const loc = this.loc(this.advance());
    const at = this.cur;
    const term = this.parseInfix(true);
    if (term.type !== 'call' || (term.name !== 'internal.member_2' && term.name !== 'internal.member_3')) {
      throw this.unexpected(at, 'expected `x[, y] in xs { ... }` expression');
    }
    const a = term.args;
    const key = a.length === 3 ? a[0] : undefined;
    const value = a.length === 3 ? a[1] : a[0];
    if (key !== undefined && key.type !== 'var') throw this.error('expected key to be a variable', key.loc);
    if (value.type !== 'var') throw this.error('expected value to be a variable', value.loc);
    if (this.cur.t !== '{') throw this.unexpected(this.cur, 'missing body, expected {');
    const body = this.parseBraceBody();
    const expr: EveryExpr = { kind: 'every', value, domain: a[a.length - 1], body, negated: false, with: [], loc };
    if (key !== undefined) expr.key = key;
    expr.with = this.parseWith();
    return expr;
  }

  /** Zero or more `with target as value`. */
  private parseWith(): WithModifier[] {
    const mods: WithModifier[] = [];
    while (this.atKeyword('with')) {
      const loc = this.loc(this.advance());
      if (this.cur.t !== 'ident' && !this.isRefKeyword()) throw this.unexpected(this.cur, 'expected with target path');
      const target = this.parseTerm();
      if (target.type !== 'var' && target.type !== 'ref') throw this.error('expected with target path', target.loc);
      if (!this.atKeyword('as')) throw this.unexpected(this.cur, 'expected as keyword');
      this.advance();
      mods.push({ target, value: this.parseInfix(true), loc });
    }
    return mods;
  }
}
