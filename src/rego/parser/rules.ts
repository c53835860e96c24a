// Rules: heads (`p`, `p.q[r]`, `f(x)`, `p contains x`, `:= v`), bodies after `if`, `default`
// rules and `else` chains. Only Rego v1 is accepted: a body needs `if`, a multi-value rule needs
// `contains`.

import type { Body, ElseClause, Expr, Rule, RuleHead, Term } from '../ast.js';
import { RegoError } from '../errors.js';
import { KEYWORDS } from '../lexer.js';
import { BodyParser } from './body.js';

export class RuleParser extends BodyParser {
  /** One rule statement; several rules when bodies are chained (`p if { a } { b }`). */
  parseRules(): Rule[] {
    const startTok = this.cur;
    const loc = this.loc(startTok);
    let isDefault = false;
    if (this.atKeyword('default')) {
      isDefault = true;
      this.advance();
    }
    const head = this.parseHead();
    const rule: Rule = { isDefault, head, body: [], loc, end: 0 };

    if (isDefault) {
      this.checkDefault(rule);
      rule.end = this.lastEnd;
      return [rule];
    }

    if (this.atKeyword('if')) {
      this.advance();
      rule.body = this.parseIfBody();
    } else if (this.cur.t === '{') {
      throw this.error('`if` keyword is required before rule body', loc);
    } else if (head.value === undefined && !head.contains) {
      if (head.ref.length > 1 && head.args === undefined) {
        throw this.error('`contains` keyword is required for partial set rules', loc);
      }
      throw this.unexpected(this.cur, 'expected := or = or if or contains after rule head');
    }

    if (this.atKeyword('else')) {
      if (rule.body.length === 0) throw this.unexpected(this.cur, 'else requires a rule body (use if)');
      if (head.contains) throw this.error('else keyword cannot be used on multi-value rules');
      if (!head.ref.slice(1).every(isGround)) {
        throw this.error('else keyword cannot be used on rules with variables in head');
      }
      rule.else = this.parseElse();
    }
    rule.end = this.lastEnd;

    const rules = [rule];
    // OPA still accepts further bodies for the same head: `p if { a } { b }` is two rules.
    while (this.cur.t === '{' && rule.body.length > 0) {
      if (rule.else !== undefined) throw this.unexpected(this.cur, 'expected else keyword');
      const braceLoc = this.loc();
      const body = this.parseBraceBody();
      rules.push({ isDefault: false, head, body, loc: braceLoc, end: this.lastEnd });
    }
    return rules;
  }

  private parseHead(): RuleHead {
    const nameTok = this.cur;
    if (nameTok.t !== 'ident' && !this.isRefKeyword()) throw this.unexpected(nameTok, 'expected rule');
    this.advance();
    const loc = this.loc(nameTok);
    const ref: Term[] = [{ type: 'var', name: nameTok.text, loc }];
    const head: RuleHead = { ref, assign: false, contains: false, loc };

    // OPA allows a gap between the name and its first suffix only: `f (x)`, `p [x]`.
    let first = true;
    while (first || !this.cur.ws) {
      const tok = this.cur;
      if (tok.t === '.') {
        this.advance();
        const w = this.cur;
        if (w.ws || (w.t !== 'ident' && !KEYWORDS.has(w.t))) throw this.unexpected(w, 'expected ident');
        this.advance();
        ref.push({ type: 'string', value: w.text, loc: this.loc(w) });
      } else if (tok.t === '[') {
        this.advance();
        ref.push(this.parseInfix(true));
        this.expect(']', 'expected ]');
      } else if (tok.t === '(') {
        this.advance();
        head.args = this.parseList(')');
        break;
      } else break;
      first = false;
    }

    if (this.atKeyword('contains')) {
      if (head.args !== undefined) {
        throw this.unexpected(this.cur, 'the contains keyword can only be used with multi-value rule definitions (e.g., p contains <VALUE> { ... })');
      }
      this.advance();
      head.key = this.parseInfix(true);
      head.contains = true;
    } else if (this.cur.t === ':=' || this.cur.t === '=') {
      head.assign = this.advance().t === ':=';
      head.value = this.parseInfix(true);
    }
    return head;
  }

  /**
   * After `if`: a single expression (`p if x > 1`) or a braced body. `if { ... }` is first read
   * as an expression, as OPA does, so `p if {"a": 1}` is an object term; a set literal would
   * always be true, so `{ x }` is taken as a body instead.
   */
  private parseIfBody(): Body {
    const tok = this.cur;
    if (tok.t === 'eof' || tok.t === '}' || tok.t === ']' || tok.t === ')' || tok.t === ';') {
      throw this.unexpected(tok, 'expected rule body after if');
    }
    if (tok.t !== '{') return [this.parseLiteral()];
    if (!this.mayBeBraceTerm()) return this.parseBraceBody();
    const m = this.mark();
    let expr: Expr | undefined;
    try {
      expr = this.parseLiteral();
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
    }
    if (expr !== undefined && !(expr.kind === 'term' && expr.term.type === 'set')) return [expr];
    this.reset(m);
    return this.parseBraceBody();
  }

  /**
   * Whether the `{` here could be read as a term other than a plain set: it holds a `:` or `|` at
   * its top level (object, comprehension), or the expression goes on after its `}`. If not, it
   * can only be a body, and the speculative parse (which throws) is skipped.
   */
  private mayBeBraceTerm(): boolean {
    let depth = 0;
    for (let j = this.i; j < this.tokens.length; j++) {
      const t = this.tokens[j].t;
      if (t === '{' || t === '[' || t === '(') depth++;
      else if (t === '}' || t === ']' || t === ')') {
        if (--depth === 0) {
          const next = this.tokens[j + 1];
          return next !== undefined && !next.nl && next.t !== 'else' && next.t !== 'eof' && next.t !== '{';
        }
      } else if (depth === 1 && (t === ':' || t === '|')) return true;
      else if (t === 'eof') return true;
    }
    return true;
  }

  /** `else [:= v | = v] [if] [{ body } | expr]`, repeated: a loop, so long chains cost no stack. */
  private parseElse(): ElseClause {
    let first: ElseClause | undefined;
    let last: ElseClause | undefined;
    for (;;) {
      const clause = this.parseElseClause();
      if (last === undefined) first = clause;
      else last.else = clause;
      last = clause;
      // A clause without a body ends the chain (`else := 3`).
      if (clause.body.length === 0 || !this.atKeyword('else')) return first as ElseClause;
    }
  }

  private parseElseClause(): ElseClause {
    const loc = this.loc(this.advance());
    const clause: ElseClause = { assign: false, body: [], loc };
    const op = this.cur.t;
    if (op === ':=' || op === '=') {
      this.advance();
      clause.assign = op === ':=';
      clause.value = this.parseInfix(true);
    } else if (op !== '{' && !this.atKeyword('if')) {
      throw this.unexpected(this.cur, 'expected else value term or rule body');
    }
    const hasIf = this.atKeyword('if');
    if (!hasIf && this.cur.t !== '{') return clause;
    if (hasIf) this.advance();
    if (this.cur.t === '{') clause.body = this.parseBraceBody();
    else if (this.cur.t === 'eof') throw this.unexpected(this.cur, 'expected rule body after if');
    else clause.body = [this.parseLiteral()];
    return clause;
  }

  /** OPA's checks: a default rule has a constant value, and plain distinct variables as arguments. */
  private checkDefault(rule: Rule): void {
    const head = rule.head;
    if (head.value === undefined) throw this.error('illegal default rule (must have a value)', rule.loc);
    const bad = nonConstant(head.value);
    if (bad) throw this.error(`illegal default rule (value cannot contain ${bad})`, rule.loc);
    if (head.args !== undefined) {
      const seen = new Set<string>();
      for (const a of head.args) {
        if (a.type !== 'var') throw this.error(`illegal default rule (arguments cannot contain ${a.type})`, rule.loc);
        if (a.name !== '_' && seen.has(a.name)) {
          throw this.error(`illegal default rule (arguments cannot be repeated ${a.name})`, rule.loc);
        }
        seen.add(a.name);
      }
    }
  }
}

/** No variables anywhere (refs and calls contain some). */
function isGround(t: Term): boolean {
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
      return t.items.every(isGround);
    case 'object':
      return t.entries.every(([k, v]) => isGround(k) && isGround(v));
    default:
      return false;
  }
}

/** What makes a default value non-constant ('var', 'ref', 'call'), looking past comprehensions. */
function nonConstant(t: Term): string | undefined {
  switch (t.type) {
    case 'var':
    case 'ref':
    case 'call':
      return t.type;
    case 'array':
    case 'set':
      for (const x of t.items) {
        const bad = nonConstant(x);
        if (bad) return bad;
      }
      return undefined;
    case 'object':
      for (const [k, v] of t.entries) {
        const bad = nonConstant(k) ?? nonConstant(v);
        if (bad) return bad;
      }
      return undefined;
    case 'template':
      for (const p of t.parts) {
        const bad = typeof p === 'string' ? undefined : nonConstant(p);
        if (bad) return bad;
      }
      return undefined;
    default:
      return undefined;
  }
}
