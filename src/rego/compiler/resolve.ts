// Name resolution: turns AST bodies into IR. Variables become frame slots (with Rego's scoping:
// `some` and `:=` declare, other names are locals of the body they first appear in unless an
// enclosing body has them), rule names and import aliases become `data` refs, and every call
// learns its target (builtin or user function).

import type { Body, Expr, Term, VarTerm, RefTerm, WithModifier } from '../ast.js';
import type { BuiltinDef } from '../builtins/types.js';
import { RegoError, type Location } from '../errors.js';
import { makeObject, RSet, type Value } from '../value.js';
import type { FnTarget, RBody, RExpr, RTerm, RWith } from './ir.js';
import type { ModuleInfo, RuleTree } from './ruletree.js';

export class SlotAlloc {
  n = 0;
}

export class Scope {
  readonly names = new Map<string, number>();
  constructor(
    readonly parent: Scope | null,
    readonly alloc: SlotAlloc,
  ) {}
  find(name: string): number | undefined {
    for (let s: Scope | null = this; s !== null; s = s.parent) {
      const slot = s.names.get(name);
      if (slot !== undefined) return slot;
    }
    return undefined;
  }
  declare(name: string): number {
    const slot = this.alloc.n++;
    this.names.set(name, slot);
    return slot;
  }
  /** Slots visible from enclosing scopes. */
  outerSlots(): Set<number> {
    const out = new Set<number>();
    for (let s = this.parent; s !== null; s = s.parent) for (const v of s.names.values()) out.add(v);
    return out;
  }
}

export class Resolver {
  constructor(
    readonly module: ModuleInfo,
    /** Names of rules in the module's package (first head segment). */
    readonly pkgRules: Set<string>,
    readonly tree: RuleTree,
    readonly builtins: ReadonlyMap<string, BuiltinDef>,
    readonly errors: RegoError[],
  ) {}

  error(code: 'rego_compile_error' | 'rego_type_error' | 'rego_unsafe_var_error', msg: string, loc: Location): void {
    this.errors.push(new RegoError(code, msg, loc));
  }

  /**
   * Resolves a body in a new scope below `parent`; `extra` are head terms that share the scope.
   * `some` and `:=` declare a variable from that point on (an earlier use, e.g. in a comprehension
   * above the declaration, is a different variable); other variables belong to the whole body.
   */
  body(body: Body, parent: Scope | null, alloc: SlotAlloc, extra: Term[] = [], loc?: Location): { body: RBody; scope: Scope } {
    const scope = new Scope(parent, alloc);
    const explicit = explicitNames(body);
    const implicit = new Set<string>();
    for (const e of body) this.collectExprVars(e, implicit);
    for (const t of extra) this.collectTermVars(t, implicit);
    for (const name of implicit) {
      if (!explicit.has(name) && scope.find(name) === undefined && !this.isGlobalName(name)) scope.declare(name);
    }
    const outer = scope.outerSlots();
    const declared = new Set<string>();
    const exprs = body.map((e) => this.exprInOrder(e, scope, declared));
    return { body: { exprs, outer, loc: loc ?? body[0]?.loc ?? dummyLoc(this.module.file) }, scope };
  }

  private declare(v: VarTerm, scope: Scope, declared: Set<string>, assign: boolean): void {
    if (v.name === '_') return;
    if (declared.has(v.name)) {
      this.error('rego_compile_error', `var ${v.name} ${assign ? 'assigned' : 'declared'} above`, v.loc);
      return;
    }
    declared.add(v.name);
    scope.declare(v.name);
  }

  private exprInOrder(e: Expr, scope: Scope, declared: Set<string>): RExpr {
    switch (e.kind) {
      case 'some':
        for (const v of e.vars) this.declare(v, scope, declared, false);
        return this.expr(e, scope);
      case 'assign': {
        const base = { negated: e.negated, with: e.with.map((w) => this.withMod(w, scope)), loc: e.loc };
        const right = this.term(e.right, scope);
        for (const v of patternVars(e.left)) this.declare(v, scope, declared, true);
        return { ...base, kind: 'unify', left: this.term(e.left, scope), right };
      }
      case 'somein': {
        const base = { negated: e.negated, with: e.with.map((w) => this.withMod(w, scope)), loc: e.loc };
        const collection = this.term(e.collection, scope);
        if (e.key) for (const v of patternVars(e.key)) this.declare(v, scope, declared, false);
        for (const v of patternVars(e.value)) this.declare(v, scope, declared, false);
        return {
          ...base,
          kind: 'somein',
          key: e.key ? this.term(e.key, scope) : undefined,
          value: this.term(e.value, scope),
          collection,
        };
      }
      default:
        return this.expr(e, scope);
    }
  }

  private isGlobalName(name: string): boolean {
    return name === 'input' || name === 'data' || this.module.imports.has(name) || this.pkgRules.has(name);
  }

  /** Variable names used by an expression, not looking inside nested bodies. */
  private collectExprVars(e: Expr, out: Set<string>): void {
    switch (e.kind) {
      case 'term':
        this.collectTermVars(e.term, out);
        break;
      case 'unify':
      case 'assign':
        this.collectTermVars(e.left, out);
        this.collectTermVars(e.right, out);
        break;
      case 'somein':
        this.collectTermVars(e.collection, out);
        break;
      case 'every':
        this.collectTermVars(e.domain, out);
        break;
      case 'some':
        break;
    }
    for (const w of e.with) {
      // `with f as count`: a function name is not a variable of the body.
      const name = dottedName(w.value);
      if (name !== undefined && this.namesFunction(name)) continue;
      this.collectTermVars(w.value, out);
    }
  }

  private collectTermVars(t: Term, out: Set<string>): void {
    switch (t.type) {
      case 'var':
        if (t.name !== '_') out.add(t.name);
        break;
      case 'ref':
        this.collectTermVars(t.head, out);
        for (const p of t.path) this.collectTermVars(p, out);
        break;
      case 'array':
      case 'set':
        for (const x of t.items) this.collectTermVars(x, out);
        break;
      case 'object':
        for (const [k, v] of t.entries) {
          this.collectTermVars(k, out);
          this.collectTermVars(v, out);
        }
        break;
      case 'call':
        for (const a of t.args) this.collectTermVars(a, out);
        break;
      case 'template':
        for (const p of t.parts) if (typeof p !== 'string') this.collectTermVars(p, out);
        break;
      default:
        break; // literals; comprehensions have their own scope
    }
  }

  expr(e: Expr, scope: Scope): RExpr {
    const base = { negated: e.negated, with: e.with.map((w) => this.withMod(w, scope)), loc: e.loc };
    switch (e.kind) {
      case 'term':
        return { ...base, kind: 'term', term: this.term(e.term, scope) };
      case 'unify':
      case 'assign':
        return { ...base, kind: 'unify', left: this.term(e.left, scope), right: this.term(e.right, scope) };
      case 'some':
        return { ...base, kind: 'true' };
      case 'somein':
        return {
          ...base,
          kind: 'somein',
          key: e.key ? this.term(e.key, scope) : undefined,
          value: this.term(e.value, scope),
          collection: this.term(e.collection, scope),
        };
      case 'every': {
        const inner = new Scope(scope, scope.alloc);
        const key = e.key ? this.localVar(e.key, inner) : undefined;
        const value = this.localVar(e.value, inner);
        const { body } = this.body(e.body, inner, scope.alloc, [], e.loc);
        // The every-scope's own vars (key, value) are bound by the iteration, not from outside.
        for (const slot of inner.names.values()) body.outer.add(slot);
        return { ...base, kind: 'every', key, value, domain: this.term(e.domain, scope), body };
      }
    }
  }

  private localVar(v: VarTerm, scope: Scope): RTerm {
    const slot = scope.declare(v.name === '_' ? '_' + scope.alloc.n : v.name);
    return { t: 'local', slot, name: v.name, loc: v.loc };
  }

  term(t: Term, scope: Scope): RTerm {
    switch (t.type) {
      case 'null':
        return { t: 'const', v: null, loc: t.loc };
      case 'boolean':
      case 'number':
      case 'string':
        return { t: 'const', v: t.value, loc: t.loc };
      case 'var':
        return this.varTerm(t, scope);
      case 'ref': {
        const head = this.term(t.head, scope);
        const path = t.path.map((p) => this.term(p, scope));
        if (head.t === 'ref') return { t: 'ref', head: head.head, path: [...head.path, ...path], loc: t.loc };
        return { t: 'ref', head, path, loc: t.loc };
      }
      case 'array': {
        const items = t.items.map((x) => this.term(x, scope));
        return items.every(isConst)
          ? { t: 'const', v: items.map(constOf), loc: t.loc }
          : { t: 'array', items, loc: t.loc };
      }
      case 'set': {
        const items = t.items.map((x) => this.term(x, scope));
        return items.every(isConst)
          ? { t: 'const', v: new RSet(items.map(constOf)), loc: t.loc }
          : { t: 'set', items, loc: t.loc };
      }
      case 'object': {
        const entries = t.entries.map(([k, v]) => [this.term(k, scope), this.term(v, scope)] as [RTerm, RTerm]);
        return entries.every(([k, v]) => isConst(k) && isConst(v))
          ? { t: 'const', v: makeObject(entries.map(([k, v]) => [constOf(k), constOf(v)])), loc: t.loc }
          : { t: 'object', entries, loc: t.loc };
      }
      case 'arraycompr':
      case 'setcompr': {
        const { body, scope: inner } = this.body(t.body, scope, scope.alloc, [t.term], t.loc);
        const term = this.term(t.term, inner);
        return { t: t.type === 'arraycompr' ? 'acompr' : 'scompr', term, body, loc: t.loc };
      }
      case 'objectcompr': {
        const { body, scope: inner } = this.body(t.body, scope, scope.alloc, [t.key, t.value], t.loc);
        return { t: 'ocompr', key: this.term(t.key, inner), value: this.term(t.value, inner), body, loc: t.loc };
      }
      case 'call':
        return { t: 'call', fn: this.fnTarget(t.name, t.loc, scope), args: t.args.map((a) => this.term(a, scope)), loc: t.loc };
      case 'template':
        return {
          t: 'template',
          parts: t.parts.map((p, i) => {
            if (typeof p === 'string') return p;
            const mods = t.with?.[i];
            return this.term(mods ? withAsTerm(p, mods) : p, scope);
          }),
          loc: t.loc,
        };
    }
  }

  private varTerm(t: VarTerm, scope: Scope): RTerm {
    if (t.name === '_') {
      const slot = scope.declare('_' + scope.alloc.n);
      return { t: 'local', slot, name: '_', loc: t.loc };
    }
    const slot = scope.find(t.name);
    if (slot !== undefined) return { t: 'local', slot, name: t.name, loc: t.loc };
    if (t.name === 'input') return { t: 'input', loc: t.loc };
    if (t.name === 'data') return { t: 'data', loc: t.loc };
    const imp = this.module.imports.get(t.name);
    if (imp) {
      const head: RTerm = imp.root === 'data' ? { t: 'data', loc: t.loc } : { t: 'input', loc: t.loc };
      if (imp.path.length === 0) return head;
      return { t: 'ref', head, path: imp.path.map((s) => ({ t: 'const', v: s, loc: t.loc })), loc: t.loc };
    }
    if (this.pkgRules.has(t.name)) {
      const path = [...this.module.pkg, t.name];
      return { t: 'ref', head: { t: 'data', loc: t.loc }, path: path.map((s) => ({ t: 'const', v: s, loc: t.loc })), loc: t.loc };
    }
    // Not seen by the declaration pass (e.g. a head-only var): a fresh local, caught by safety.
    return { t: 'local', slot: scope.declare(t.name), name: t.name, loc: t.loc };
  }

  /** The data path a dotted name refers to through the package, imports or `data.`. */
  private userPath(name: string): string[] | undefined {
    const segs = name.split('.');
    if (segs[0] === 'data') return segs.slice(1);
    const imp = this.module.imports.get(segs[0]);
    if (imp) return imp.root === 'data' ? [...imp.path, ...segs.slice(1)] : undefined;
    if (this.pkgRules.has(segs[0])) return [...this.module.pkg, ...segs];
    return undefined;
  }

  fnTarget(name: string, loc: Location, scope: Scope): FnTarget {
    void scope;
    const path = this.userPath(name);
    if (path) {
      const node = this.tree.find(path);
      if (node?.isFunction) return { kind: 'user', name: node.name, node };
    }
    const def = this.builtins.get(name);
    if (def) return { kind: 'builtin', name, def };
    if (name === 'print') return { kind: 'print', name: 'print' };
    this.error('rego_type_error', `undefined function ${name}`, loc);
    return { kind: 'print', name: 'print' };
  }

  private withMod(w: WithModifier, scope: Scope): RWith {
    const name = dottedName(w.target);
    const fnValue = this.functionValue(w.value, scope);
    // A function used as the replacement is called, not evaluated as a value.
    const value: RTerm = fnValue ? { t: 'const', v: null, loc: w.value.loc } : this.term(w.value, scope);
    const loc = w.loc;
    if (name !== undefined) {
      const segs = name.split('.');
      if (segs[0] === 'input') return { target: { kind: 'input', path: segs.slice(1) }, value, loc };
      const path = this.userPath(name);
      if (path) {
        const node = this.tree.find(path);
        if (node?.isFunction) return { target: { kind: 'fn', key: node.name }, value, fnValue, loc };
        if (segs[0] === 'data') return { target: { kind: 'data', path }, value, loc };
      }
      if (this.builtins.has(name) || name === 'print') {
        return { target: { kind: 'fn', key: name }, value, fnValue, loc };
      }
      if (path) return { target: { kind: 'data', path }, value, loc };
    }
    this.error('rego_compile_error', `with keyword target must reference existing input, data, or a function`, loc);
    return { target: { kind: 'input', path: [] }, value, loc };
  }

  /** `with f as g`: g names a function (not a local variable) → call it. */
  private namesFunction(name: string): boolean {
    const path = this.userPath(name);
    if (path) return this.tree.find(path)?.isFunction === true;
    return this.builtins.has(name);
  }

  private functionValue(t: Term, scope: Scope): FnTarget | undefined {
    const name = dottedName(t);
    if (name === undefined) return undefined;
    if (scope.find(name.split('.')[0]) !== undefined) return undefined;
    const path = this.userPath(name);
    if (path) {
      const node = this.tree.find(path);
      if (node?.isFunction) return { kind: 'user', name: node.name, node };
      return undefined;
    }
    const def = this.builtins.get(name);
    if (def) return { kind: 'builtin', name, def };
    return undefined;
  }
}

/** `{x with input as v}` inside a template: `[$t | $t = x with input as v][0]`. */
function withAsTerm(term: Term, mods: WithModifier[]): Term {
  const loc = term.loc;
  const tmp: VarTerm = { type: 'var', name: '$tmpl', loc };
  const body: Body = [{ kind: 'unify', left: tmp, right: term, negated: false, with: mods, loc }];
  return {
    type: 'ref',
    head: { type: 'arraycompr', term: tmp, body, loc },
    path: [{ type: 'number', value: 0, raw: '0', loc }],
    loc,
  };
}

/** Names that `some`, `:=` and `some ... in` declare somewhere in a body. */
function explicitNames(body: Body): Set<string> {
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

/** `a.b.c` for a var or a ref made only of string segments. */
export function dottedName(t: Term): string | undefined {
  if (t.type === 'var') return t.name;
  if (t.type !== 'ref' || t.head.type !== 'var') return undefined;
  let s = t.head.name;
  for (const p of t.path) {
    if (p.type !== 'string') return undefined;
    s += '.' + p.value;
  }
  return s;
}

/** Variables a pattern (the left side of `:=`, `some ... in`) declares. */
export function patternVars(t: Term): VarTerm[] {
  switch (t.type) {
    case 'var':
      return [t];
    case 'array':
      return t.items.flatMap(patternVars);
    case 'object':
      return t.entries.flatMap(([, v]) => patternVars(v));
    default:
      return [];
  }
}

function isConst(t: RTerm): t is { t: 'const'; v: Value; loc: Location } {
  return t.t === 'const';
}
function constOf(t: RTerm): Value {
  return (t as { v: Value }).v;
}
function dummyLoc(file: string): Location {
  return { file, row: 1, col: 1, offset: 0 };
}

export type { RefTerm };
