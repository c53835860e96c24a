// Type checking of builtin calls (OPA's CheckTypes, the part about builtin arguments).
//
// Conservative by design: a call is rejected only when an argument's type is known for certain
// and is none of the types the builtin declares for that position. Types are known for literals
// (null, booleans, numbers, strings, templates), collection literals and comprehensions, calls of
// builtins that declare a result type, and local variables assigned one of those with `:=`.
// Everything else (refs into input/data, rule values, function results, unified variables) is
// `any` and never rejected, so no policy OPA accepts is refused here.
//
// Runs after planning: names resolve the same way (`userPath` below mirrors Resolver.fnTarget),
// arity mismatches and undefined functions were already reported by the planner.

import type { Body, CallTerm, Expr, Module, Rule, Term } from '../ast.js';
import type { BuiltinDef } from '../builtins/types.js';
import { RegoError } from '../errors.js';
import { dottedName, patternVars } from './resolve.js';

/** A set of basic type names; undefined = any (unknown). */
type Types = ReadonlySet<string> | undefined;

const BASIC = ['null', 'boolean', 'number', 'string', 'array', 'object', 'set'];

export interface TypeCheckScope {
  /** Import aliases of the module (a call through one is a user call, not a builtin). */
  aliases: ReadonlySet<string>;
  /** Names of rules in the module's package. */
  rules: ReadonlySet<string>;
}

/** Checks every module; `pkgRules` maps a dotted package path to its rule names. */
export function checkTypes(
  modules: readonly Module[],
  builtins: ReadonlyMap<string, BuiltinDef>,
  pkgRules: ReadonlyMap<string, ReadonlySet<string>>,
): RegoError[] {
  const errors: RegoError[] = [];
  for (const m of modules) {
    const aliases = new Set<string>();
    for (const imp of m.imports) {
      const name = dottedName(imp.path);
      if (name === undefined) continue;
      const segs = name.split('.');
      if (segs[0] === 'data' || segs[0] === 'input') aliases.add(imp.alias ?? segs[segs.length - 1]);
    }
    const checker = new Checker(builtins, { aliases, rules: pkgRules.get(m.package.path.join('.')) ?? new Set() }, errors);
    for (const r of m.rules) checker.rule(r);
  }
  return errors;
}

/** Checks an ad-hoc query (no package, no imports). */
export function checkQueryTypes(body: Body, builtins: ReadonlyMap<string, BuiltinDef>): RegoError[] {
  const errors: RegoError[] = [];
  new Checker(builtins, { aliases: new Set(), rules: new Set() }, errors).body(body, new Map());
  return errors;
}

type Env = Map<string, Types>;

class Checker {
  constructor(
    private readonly builtins: ReadonlyMap<string, BuiltinDef>,
    private readonly scope: TypeCheckScope,
    private readonly errors: RegoError[],
  ) {}

  rule(r: Rule): void {
    // Function parameters are untyped; they shadow nothing we track (the env starts empty).
    const env = this.body(r.body, new Map());
    for (const t of r.head.ref.slice(1)) this.term(t, env);
    if (r.head.key) this.term(r.head.key, env);
    if (r.head.value) this.term(r.head.value, env);
    for (let e = r.else; e !== undefined; e = e.else) {
      const eenv = this.body(e.body, new Map());
      if (e.value) this.term(e.value, eenv);
    }
  }

  /** Checks a body in a scope below `outer`; returns the scope's final environment. */
  body(body: Body, outer: Env): Env {
    const env: Env = new Map(outer);
    // Names this body declares are unknown until their declaration (and shadow outer ones).
    for (const name of declaredNames(body)) env.delete(name);
    for (const e of body) this.expr(e, env);
    return env;
  }

  private expr(e: Expr, env: Env): void {
    // `with` may replace functions and data the expression depends on: leave it alone.
    if (e.with.length > 0) return;
    switch (e.kind) {
      case 'term':
        this.term(e.term, env);
        break;
      case 'unify':
        this.term(e.left, env);
        this.term(e.right, env);
        break;
      case 'assign': {
        this.term(e.left, env);
        this.term(e.right, env);
        if (e.left.type === 'var' && !e.negated) {
          const t = this.typeOf(e.right, env);
          if (t) env.set(e.left.name, t);
          else env.delete(e.left.name);
        }
        break;
      }
      case 'somein':
        this.term(e.collection, env);
        break;
      case 'every': {
        this.term(e.domain, env);
        const inner: Env = new Map(env);
        if (e.key) inner.delete(e.key.name);
        inner.delete(e.value.name);
        this.body(e.body, inner);
        break;
      }
      case 'some':
        break;
    }
  }

  /** Checks every call inside a term. */
  private term(t: Term, env: Env): void {
    switch (t.type) {
      case 'call':
        for (const a of t.args) this.term(a, env);
        this.call(t, env);
        break;
      case 'ref':
        this.term(t.head, env);
        for (const p of t.path) this.term(p, env);
        break;
      case 'array':
      case 'set':
        for (const x of t.items) this.term(x, env);
        break;
      case 'object':
        for (const [k, v] of t.entries) {
          this.term(k, env);
          this.term(v, env);
        }
        break;
      case 'arraycompr':
      case 'setcompr': {
        const inner = this.body(t.body, env);
        this.term(t.term, inner);
        break;
      }
      case 'objectcompr': {
        const inner = this.body(t.body, env);
        this.term(t.key, inner);
        this.term(t.value, inner);
        break;
      }
      case 'template':
        for (const p of t.parts) if (typeof p !== 'string') this.term(p, env);
        break;
      default:
        break;
    }
  }

  /** The builtin a call resolves to, unless the name can reach a user function. */
  private builtinOf(c: CallTerm): BuiltinDef | undefined {
    const first = c.name.split('.')[0];
    if (first === 'data' || this.scope.aliases.has(first) || this.scope.rules.has(first)) return undefined;
    return this.builtins.get(c.name);
  }

  private call(c: CallTerm, env: Env): void {
    const def = this.builtinOf(c);
    if (def === undefined) return;
    const arity = def.args.length;
    if (c.args.length !== arity && c.args.length !== arity + 1) return; // reported by the planner
    const have: Types[] = c.args.slice(0, arity).map((a) => this.typeOf(a, env));
    let bad = false;
    for (let i = 0; i < arity; i++) {
      const want = declared(def.args[i]);
      const got = have[i];
      if (want && got && ![...got].some((x) => want.has(x))) bad = true;
    }
    if (!bad) return;
    const detail =
      `${c.name}: invalid argument(s)\n\thave: (${have.map(render).join(', ')})\n\twant: (${def.args.map((a) => render(declared(a))).join(', ')})`;
    this.errors.push(new RegoError('rego_type_error', detail, c.loc));
  }

  /** The type of a term when it is certain; undefined (any) otherwise. */
  typeOf(t: Term, env: Env): Types {
    switch (t.type) {
      case 'null':
      case 'boolean':
      case 'number':
      case 'string':
        return one(t.type);
      case 'template':
        return one('string');
      case 'array':
      case 'arraycompr':
        return one('array');
      case 'set':
      case 'setcompr':
        return one('set');
      case 'object':
      case 'objectcompr':
        return one('object');
      case 'var':
        return env.get(t.name);
      case 'call': {
        const def = this.builtinOf(t);
        if (def === undefined || def.relation || t.args.length !== def.args.length) return undefined;
        return declared(def.result);
      }
      default:
        return undefined;
    }
  }
}

const singletons = new Map(BASIC.map((b) => [b, new Set([b]) as ReadonlySet<string>]));
function one(name: string): Types {
  return singletons.get(name);
}

const parsedDecls = new Map<string, Types>();
/** A declared type name (`string`, `array|set`, `any`) as a set; undefined for any. */
function declared(decl: string): Types {
  let t = parsedDecls.get(decl);
  if (t === undefined && !parsedDecls.has(decl)) {
    const parts = decl.split('|').map((s) => s.trim());
    t = parts.some((p) => !BASIC.includes(p)) ? undefined : new Set(parts);
    parsedDecls.set(decl, t);
  }
  return t;
}

/** OPA's rendering: `number`, `array[any]`, `any<set[any], string>`. */
function render(t: Types): string {
  if (t === undefined) return 'any';
  const names = [...t].map((n) => (n === 'array' ? 'array[any]' : n === 'set' ? 'set[any]' : n === 'object' ? 'object[any: any]' : n)).sort();
  return names.length === 1 ? names[0] : `any<${names.join(', ')}>`;
}

/** Names `some`, `:=` and `some ... in` declare in a body (not in nested bodies). */
function declaredNames(body: Body): Set<string> {
  const out = new Set<string>();
  for (const e of body) {
    if (e.kind === 'some') e.vars.forEach((v) => out.add(v.name));
    else if (e.kind === 'assign') patternVars(e.left).forEach((v) => out.add(v.name));
    else if (e.kind === 'somein') {
      if (e.key) patternVars(e.key).forEach((v) => out.add(v.name));
      patternVars(e.value).forEach((v) => out.add(v.name));
    }
  }
  return out;
}
