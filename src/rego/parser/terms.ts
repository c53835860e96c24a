// Terms and infix operators.
//
// Binding, loosest first, as OPA's parser has it: `in` (membership), then comparisons
// (== != < <= > >=), then `|`, then `&`, then `+ -`, then `* / %`, then terms. Every level is
// left-associative. Operators become calls of their builtins (`a + b` → plus(a, b)).
//
// Refs and calls must be written without whitespace (`a.b[c]`, `f(x)`): `a [c]` is two terms.
// Newlines are otherwise insignificant inside an expression; the body parser uses them to
// separate expressions.

import type {
  Body,
  CallTerm,
  Expr,
  NumberTerm,
  RefTerm,
  Term,
  TemplateTerm,
  VarTerm,
  WithModifier,
} from '../ast.js';
import { RegoError, type Location } from '../errors.js';
import { KEYWORDS, type Token } from '../lexer.js';
import { parseNumber } from '../value.js';
import { ParserBase } from './base.js';

/** Infix operators: binding level (higher binds tighter) and builtin name. */
const BINARY: Record<string, readonly [number, string]> = {
  '==': [1, 'equal'],
  '!=': [1, 'neq'],
  '<': [1, 'lt'],
  '<=': [1, 'lte'],
  '>': [1, 'gt'],
  '>=': [1, 'gte'],
  '|': [2, 'or'],
  '&': [3, 'and'],
  '+': [4, 'plus'],
  '-': [4, 'minus'],
  '*': [5, 'mul'],
  '/': [5, 'div'],
  '%': [5, 'rem'],
};

/** Terms that may start a ref (`x.y`, `[1][0]`, `f(x).y`); OPA rejects scalars there. */
const REF_HEADS = new Set(['var', 'array', 'object', 'set', 'arraycompr', 'setcompr', 'objectcompr', 'call']);

type Memo = { term: Term; next: number } | { err: RegoError };

export abstract class TermParser extends ParserBase {
  /**
   * Results of parsing a `[`/`{` term at a token index. Comprehension-versus-collection is decided
   * by trying one reading and falling back to the other; remembering inner results keeps nested
   * retries linear instead of exponential.
   */
  private readonly memo = new Map<number, Memo>();
  /** First failed comprehension reading in the collection being parsed (see withComprFallback). */
  private comprError: RegoError | undefined;

  abstract parseBody(end: string): Body;
  abstract parseLiteral(): Expr;

  /**
   * A term with infix operators. With `keyVal`, `k, v in xs` is accepted too (where a comma
   * cannot mean a list separator: expressions, `some`, `every`, brackets, rule heads).
   */
  parseInfix(keyVal: boolean, first?: Term): Term {
    let lhs = this.parseBinary(1, first);
    if (keyVal && this.cur.t === ',') {
      const m = this.mark();
      this.advance();
      let mhs: Term | undefined;
      try {
        mhs = this.parseBinary(1);
      } catch (e) {
        if (!(e instanceof RegoError)) throw e;
      }
      if (mhs !== undefined && this.atKeyword('in')) {
        const op = this.advance();
        lhs = this.memberCall('member_3', op, [lhs, mhs, this.parseBinary(1)], lhs.loc);
      } else {
        this.reset(m);
      }
    }
    while (this.atKeyword('in')) {
      const op = this.advance();
      lhs = this.memberCall('member_2', op, [lhs, this.parseBinary(1)], lhs.loc);
    }
    return lhs;
  }

  private parseBinary(minLevel: number, first?: Term): Term {
    let lhs = first ?? this.parseTerm();
    for (;;) {
      const op = BINARY[this.cur.t];
      if (op === undefined || op[0] < minLevel) return lhs;
      const opTok = this.advance();
      const rhs = this.parseBinary(op[0] + 1);
      const l = this.loc(opTok);
      lhs = { type: 'call', name: op[1], operator: { type: 'var', name: op[1], loc: l }, args: [lhs, rhs], loc: lhs.loc };
    }
  }

  private memberCall(name: string, opTok: Token, args: Term[], loc: Location): CallTerm {
    const l = this.loc(opTok);
    const operator: RefTerm = {
      type: 'ref',
      head: { type: 'var', name: 'internal', loc: l },
      path: [{ type: 'string', value: name, loc: l }],
      loc: l,
    };
    return { type: 'call', name: `internal.${name}`, operator, args, loc };
  }

  /** A single term (no infix operators), including any ref or call suffix. */
  parseTerm(): Term {
    const at = this.i;
    const t = this.tokens[at].t;
    if (t !== '[' && t !== '{') return this.parseTermUncached();
    const hit = this.memo.get(at);
    if (hit !== undefined) {
      if ('err' in hit) throw hit.err;
      this.i = hit.next;
      return hit.term;
    }
    try {
      const term = this.parseTermUncached();
      this.memo.set(at, { term, next: this.i });
      return term;
    } catch (e) {
      if (e instanceof RegoError) this.memo.set(at, { err: e });
      throw e;
    }
  }

  /** Every nesting (brackets, braces, parentheses, templates) passes here: the depth is counted here. */
  private parseTermUncached(): Term {
    this.enter();
    const tok = this.cur;
    const loc = this.loc(tok);
    let term: Term;
    switch (tok.t) {
      case 'null':
      case 'true':
      case 'false':
        this.advance();
        if (this.isRefKeyword(this.i - 1)) term = { type: 'var', name: tok.t, loc };
        else term = tok.t === 'null' ? { type: 'null', loc } : { type: 'boolean', value: tok.t === 'true', loc };
        break;
      case 'number':
        this.advance();
        term = this.number(tok.text, tok);
        break;
      case '-':
      case '.':
        term = this.signedNumber();
        break;
      case 'string':
        this.advance();
        term = tok.raw ? { type: 'string', value: tok.value as string, raw: true, loc } : { type: 'string', value: tok.value as string, loc };
        break;
      case 'tmpl':
        if (tok.cont) throw this.unexpected(tok, 'expected term');
        term = this.parseTemplate();
        break;
      case 'ident':
      case 'contains': // outside rule heads `contains` is the builtin: contains(s, "x")
        this.advance();
        term = { type: 'var', name: tok.text, loc };
        break;
      case '[':
        term = this.parseArray();
        break;
      case '{':
        term = this.parseBraces();
        break;
      case '(':
        this.advance();
        term = this.parseInfix(true);
        if (this.cur.t !== ')') throw this.unexpected(this.cur, 'non-terminated expression, expected )');
        this.advance();
        break;
      default:
        if (KEYWORDS.has(tok.t) && this.isRefKeyword()) {
          this.advance();
          term = { type: 'var', name: tok.t, loc };
          break;
        }
        throw this.unexpected(tok, 'expected term');
    }
    term = this.refTail(term);
    this.leave();
    return term;
  }

  /**
   * OPA keeps literals as arbitrary-precision decimals and rejects only absurd exponents (a guard
   * against slow formatting). Values beyond float64 (`2e308`) are accepted: `value` is then
   * ±Infinity and `raw` keeps the exact text.
   */
  private number(raw: string, tok: Token): NumberTerm {
    const m = /^-?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(raw);
    const exp = m ? Number(m[3] ?? '0') + (m[1] ?? '').replace(/^0+/, '').length : 0;
    if (Math.abs(exp) > 30000) throw this.error('number too big', this.loc(tok));
    return { type: 'number', value: parseNumber(raw), raw, loc: this.loc(tok) };
  }

  /** `-1`, `- 1`, `.5`, `-.5`: a sign or point in term position must start a number literal. */
  private signedNumber(): NumberTerm {
    const first = this.advance();
    let raw = first.t;
    if (first.t === '-' && this.cur.t === '.') {
      this.advance();
      raw = '-.';
    }
    const n = this.cur;
    if (n.t !== 'number' || (raw.endsWith('.') && /[.]/.test(n.text))) throw this.unexpected(n, 'expected number');
    this.advance();
    return this.number(raw + n.text, first);
  }

  /** `.name`, `[term]` and `(args)` written directly after a term. */
  private refTail(head: Term): Term {
    let term = head;
    let path: Term[] | undefined;
    for (;;) {
      const tok = this.cur;
      if (tok.ws) break;
      if (tok.t === '.' || tok.t === '[') {
        if (path === undefined) {
          if (!REF_HEADS.has(term.type)) throw this.error(`illegal ref (head cannot be ${term.type})`, term.loc);
          path = [];
        }
        this.advance();
        if (tok.t === '.') {
          const w = this.cur;
          if (w.ws || (w.t !== 'ident' && !KEYWORDS.has(w.t))) throw this.unexpected(w, 'expected ident');
          this.advance();
          path.push({ type: 'string', value: w.text, loc: this.loc(w) });
        } else {
          path.push(this.parseInfix(true));
          this.expect(']', 'expected ]');
        }
      } else if (tok.t === '(') {
        const op = path === undefined ? term : this.ref(term, path);
        if (op.type !== 'var' && op.type !== 'ref') throw this.error(`illegal call (operator cannot be ${op.type})`, op.loc);
        this.advance();
        const args = this.parseList(')');
        term =
          op.type === 'var' && op.name === 'set' && args.length === 0
            ? { type: 'set', items: [], loc: op.loc }
            : { type: 'call', name: refName(op), operator: op, args, loc: op.loc };
        path = undefined;
      } else break;
    }
    return path === undefined ? term : this.ref(term, path);
  }

  private ref(head: Term, path: Term[]): RefTerm {
    return { type: 'ref', head, path, loc: head.loc };
  }

  /** Comma-separated terms up to `end` (a trailing comma is allowed); consumes `end`. */
  protected parseList(end: string, items: Term[] = []): Term[] {
    while (this.cur.t !== end) {
      items.push(this.parseInfix(false));
      if (this.cur.t === ',') this.advance();
      else if (this.cur.t !== end) throw this.unexpected(this.cur, `expected , or ${end}`);
    }
    this.advance();
    return items;
  }

  /**
   * Tries `[head | body]`-style comprehension bodies; returns undefined (position restored) if
   * the text is not one, so the caller can read `head | x` as an `or` call instead.
   */
  private tryComprehension(end: string): Body | undefined {
    const m = this.mark();
    try {
      this.advance();
      const body = this.parseBody(end);
      this.advance();
      return body;
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      this.reset(m);
      this.comprError ??= e;
      return undefined;
    }
  }
  /** Runs f (a collection parse); if it fails after a comprehension reading failed, reports that. */
  private withComprFallback<T>(f: () => T): T {
    const saved = this.comprError;
    this.comprError = undefined;
    try {
      return f();
    } catch (e) {
      if (e instanceof RegoError && this.comprError !== undefined) throw this.comprError;
      throw e;
    } finally {
      this.comprError = saved;
    }
  }

  private parseArray(): Term {
    const loc = this.loc(this.advance());
    if (this.cur.t === ']') {
      this.advance();
      return { type: 'array', items: [], loc };
    }
    let compr = true;
    if (this.cur.t === ',') {
      // `[, x]` is accepted for compatibility, and rules out a comprehension.
      compr = false;
      this.advance();
    }
    return this.withComprFallback(() => {
      let head = this.parseTerm();
      if (compr && this.cur.t === '|') {
        const body = this.tryComprehension(']');
        if (body !== undefined) return { type: 'arraycompr', term: head, body, loc };
      }
      if (this.cur.t !== ']' && this.cur.t !== ',') head = this.parseInfix(false, head);
      const items = [head];
      if (this.cur.t === ',') {
        this.advance();
        this.parseList(']', items);
      } else this.expect(']', 'expected , or ]');
      return { type: 'array', items, loc };
    });
  }

  private parseBraces(): Term {
    const loc = this.loc(this.advance());
    if (this.cur.t === '}') {
      this.advance();
      return { type: 'object', entries: [], loc };
    }
    let compr = true;
    if (this.cur.t === ',') {
      compr = false;
      this.advance();
    }
    return this.withComprFallback(() => {
      let head = this.parseTerm();
      if (compr && this.cur.t === '|') {
        const body = this.tryComprehension('}');
        if (body !== undefined) return { type: 'setcompr', term: head, body, loc };
      }
      if (this.cur.t === ':') return this.parseObject(loc, head, compr);
      if (this.cur.t !== '}' && this.cur.t !== ',') head = this.parseInfix(false, head);
      if (this.cur.t === ':') return this.parseObject(loc, head, compr);
      const items = [head];
      if (this.cur.t === ',') {
        this.advance();
        this.parseList('}', items);
      } else this.expect('}', 'non-terminated set, expected , or }');
      return { type: 'set', items, loc };
    });
  }

  private parseObject(loc: Location, key: Term, compr: boolean): Term {
    this.advance(); // ':'
    let value = this.parseTerm();
    if (compr && this.cur.t === '|') {
      const body = this.tryComprehension('}');
      if (body !== undefined) return { type: 'objectcompr', key, value, body, loc };
    }
    if (this.cur.t !== '}' && this.cur.t !== ',') value = this.parseInfix(false, value);
    const entries: [Term, Term][] = [[key, value]];
    while (this.cur.t === ',') {
      this.advance();
      if ((this.cur.t as string) === '}') break; // trailing comma
      const k = this.parseInfix(false);
      this.expect(':', 'expected :');
      entries.push([k, this.parseInfix(false)]);
    }
    this.expect('}', 'non-terminated object, expected , or }');
    return { type: 'object', entries, loc };
  }

  /** `$"text {expr} text"`: the lexer has split it into parts around the embedded expressions. */
  private parseTemplate(): TemplateTerm {
    let tok = this.advance();
    const loc = this.loc(tok);
    const parts: (string | Term)[] = [];
    let withs: Record<number, WithModifier[]> | undefined;
    for (;;) {
      if (tok.value) parts.push(tok.value);
      if (!tok.open) break;
      const expr = this.parseLiteral();
      const problem = templateExprProblem(expr);
      if (problem) throw this.error(`unexpected ${problem} in template-string expression`, expr.loc);
      parts.push((expr as { term: Term }).term);
      if (expr.with.length > 0) (withs ??= {})[parts.length - 1] = expr.with;
      tok = this.cur;
      if (tok.t !== 'tmpl' || !tok.cont) throw this.unexpected(tok, 'expected } to end template string expression');
      this.advance();
    }
    const term: TemplateTerm = { type: 'template', parts, loc };
    if (withs !== undefined) term.with = withs;
    return term;
  }
}

/** Only plain value expressions (with optional `with`) may be embedded in a template string. */
function templateExprProblem(expr: Expr): string | undefined {
  if (expr.negated) return "negation ('not')";
  switch (expr.kind) {
    case 'term':
      return undefined;
    case 'unify':
      return "unification ('=')";
    case 'assign':
      return "assignment (':=')";
    case 'every':
      return "'every'";
    default:
      return "'some'";
  }
}

/** The dotted name of a call operator: `count`, `data.lib.f`, `a.b["c-d"]`. */
export function refName(op: VarTerm | RefTerm): string {
  if (op.type === 'var') return op.name;
  let s = op.head.type === 'var' ? op.head.name : op.head.type;
  for (const seg of op.path) {
    if (seg.type === 'string') s += /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg.value) ? `.${seg.value}` : `[${JSON.stringify(seg.value)}]`;
    else if (seg.type === 'var') s += `[${seg.name}]`;
    else if (seg.type === 'number') s += `[${seg.raw}]`;
    else s += `[${seg.type}]`;
  }
  return s;
}
