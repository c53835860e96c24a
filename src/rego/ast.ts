// The Rego syntax tree produced by the parser and consumed by the compiler and formatter.
// Operators are already turned into calls of their builtins (`a + b` → plus(a, b),
// `a == b` → equal(a, b), `x in xs` → internal.member_2(x, xs)), as OPA does.

import type { Location } from './errors.js';

export type Term =
  | NullTerm
  | BooleanTerm
  | NumberTerm
  | StringTerm
  | VarTerm
  | RefTerm
  | ArrayTerm
  | ObjectTerm
  | SetTerm
  | ArrayComprehension
  | SetComprehension
  | ObjectComprehension
  | CallTerm
  | TemplateTerm;

export interface NullTerm {
  type: 'null';
  loc: Location;
}
export interface BooleanTerm {
  type: 'boolean';
  value: boolean;
  loc: Location;
}
export interface NumberTerm {
  type: 'number';
  /** Exact value: bigint only when an integer is outside the safe range (see value.parseNumber). */
  value: number | bigint;
  /** The literal as written, e.g. "1.50" or "1e3". */
  raw: string;
  loc: Location;
}
export interface StringTerm {
  type: 'string';
  value: string;
  /** Written as a `raw string` with backquotes. */
  raw?: boolean;
  loc: Location;
}
/** A variable. `_` is the wildcard: every occurrence is a fresh anonymous variable. */
export interface VarTerm {
  type: 'var';
  name: string;
  loc: Location;
}
/**
 * `head.path[0][path[1]]...`. The head is a var (`data`, `input`, a local, an import alias or a
 * rule name) or any other term (`[1,2][0]`, `f(x).y`). `.name` segments are string terms.
 */
export interface RefTerm {
  type: 'ref';
  head: Term;
  path: Term[];
  loc: Location;
}
export interface ArrayTerm {
  type: 'array';
  items: Term[];
  loc: Location;
}
export interface ObjectTerm {
  type: 'object';
  entries: [Term, Term][];
  loc: Location;
}
/** `{1, 2}`; `set()` is an empty set term. */
export interface SetTerm {
  type: 'set';
  items: Term[];
  loc: Location;
}
export interface ArrayComprehension {
  type: 'arraycompr';
  term: Term;
  body: Body;
  loc: Location;
}
export interface SetComprehension {
  type: 'setcompr';
  term: Term;
  body: Body;
  loc: Location;
}
export interface ObjectComprehension {
  type: 'objectcompr';
  key: Term;
  value: Term;
  body: Body;
  loc: Location;
}
/**
 * A call: `count(x)`, `strings.concat(...)`, `data.lib.f(x)`, `lib.f(x)` through an import alias,
 * or an operator. `name` is the dotted operator as written (`count`, `strings.concat`,
 * `data.lib.f`, `plus`, `internal.member_2`); `operator` is the same as a term.
 */
export interface CallTerm {
  type: 'call';
  name: string;
  operator: VarTerm | RefTerm;
  args: Term[];
  loc: Location;
}
/** `$"text {expr} text"`: literal parts are strings, embedded expressions are terms. */
export interface TemplateTerm {
  type: 'template';
  parts: (string | Term)[];
  /** `with` modifiers of an embedded expression (`{a with input as x}`), by index in `parts`. */
  with?: Record<number, WithModifier[]>;
  loc: Location;
}

export interface WithModifier {
  /** `input`, `input.x.y`, `data.a.b`, or a function/builtin ref such as `time.now_ns`. */
  target: VarTerm | RefTerm;
  value: Term;
  loc: Location;
}

interface ExprBase {
  negated: boolean;
  with: WithModifier[];
  loc: Location;
}
/** A term used as an expression: true when defined and not `false`. */
export interface TermExpr extends ExprBase {
  kind: 'term';
  term: Term;
}
/** `left = right` (unification). */
export interface UnifyExpr extends ExprBase {
  kind: 'unify';
  left: Term;
  right: Term;
}
/** `left := right` (declares the vars in `left`). */
export interface AssignExpr extends ExprBase {
  kind: 'assign';
  left: Term;
  right: Term;
}
/** `some x, y` (declares local vars). */
export interface SomeDeclExpr extends ExprBase {
  kind: 'some';
  vars: VarTerm[];
}
/** `some v in coll` / `some k, v in coll` (k and v may be patterns such as `[a, b]`). */
export interface SomeInExpr extends ExprBase {
  kind: 'somein';
  key?: Term;
  value: Term;
  collection: Term;
}
/** `every v in domain { body }` / `every k, v in domain { body }`. */
export interface EveryExpr extends ExprBase {
  kind: 'every';
  key?: VarTerm;
  value: VarTerm;
  domain: Term;
  body: Body;
}
export type Expr = TermExpr | UnifyExpr | AssignExpr | SomeDeclExpr | SomeInExpr | EveryExpr;
export type Body = Expr[];

export interface RuleHead {
  /**
   * The rule's reference, name first: `p` → [var p]; `p.q[r].s` → [var p, string q, var r,
   * string s]; `p[x]` → [var p, var x]. Segments after the first are terms.
   */
  ref: Term[];
  /** Function parameters (`f(x, [y, z])`); absent for non-functions. */
  args?: Term[];
  /** `p contains key` (multi-value rule): the element. */
  key?: Term;
  /** `:= v` or `= v`; absent means the value `true`. */
  value?: Term;
  /** Written with `:=`. */
  assign: boolean;
  /** Written with `contains`. */
  contains: boolean;
  loc: Location;
}

export interface Rule {
  isDefault: boolean;
  head: RuleHead;
  /** Empty when the rule has no body (`p := 1`), which is the same as `if { true }`. */
  body: Body;
  /** The next link of an `else` chain: its value (absent → true) and body. */
  else?: ElseClause;
  loc: Location;
  /** Offset one past the last character of the rule (for the formatter and metadata). */
  end: number;
  /** Annotations from a `# METADATA` comment block directly above the rule, as parsed YAML. */
  annotations?: Annotations;
}
export interface ElseClause {
  value?: Term;
  assign: boolean;
  body: Body;
  else?: ElseClause;
  loc: Location;
}

export interface Annotations {
  scope: string;
  /** The YAML mapping from the METADATA block, with scope and location added by the parser. */
  data: Record<string, unknown>;
  loc: Location;
}

export interface Import {
  /** `data.x.y` or `input.x`, or `rego.v1` / `future.keywords[.name]` (kept for the formatter). */
  path: RefTerm | VarTerm;
  alias?: string;
  loc: Location;
}

export interface Comment {
  text: string;
  loc: Location;
}

export interface Module {
  file: string;
  source: string;
  package: { path: string[]; loc: Location; annotations?: Annotations };
  imports: Import[];
  rules: Rule[];
  comments: Comment[];
}
