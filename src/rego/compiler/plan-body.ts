// Planning bodies and rules. A body becomes one Step: its expressions in safe order, where an
// expression with at most one solution is a plain test (no closure per solution) and one that
// iterates passes a continuation for the rest of the body.

import type { Rule, Term } from '../ast.js';
import type { BuiltinDef } from '../builtins/types.js';
import { RegoError, type Location } from '../errors.js';
import { iterate, setPath } from '../eval/access.js';
import { NOT_COMPUTED, type Ctx, type Frame, type FnOverride } from '../eval/context.js';
import { equal, type Value } from '../value.js';
import type { RBody, RExpr, RTerm, RWith } from './ir.js';
import type { Eval, Match, PlannedClause, PlannedRule, Step } from './plan-types.js';
import { Resolver, Scope, SlotAlloc } from './resolve.js';
import type { ModuleInfo, RuleNode, RuleSource, RuleTree } from './ruletree.js';
import { arityOf, schedule } from './safety.js';
import { TermPlanner, type BodyPlanner } from './plan-terms.js';
import { codegenAvailable, generateBody } from './codegen.js';
import { generateNodes } from './node-gen.js';
import { recordInputUse } from './input-use.js';

type Det = (c: Ctx, f: Frame) => boolean;
interface PlannedExpr {
  det?: Det;
  step?: Step;
}

const TERMINAL: Step = (_c, _f, k) => k();

export class Planner implements BodyPlanner {
  readonly terms: TermPlanner;
  /** Record which expressions run (policy test coverage); off for production policies. */
  coverage = false;

  constructor(
    readonly tree: RuleTree,
    readonly builtins: ReadonlyMap<string, BuiltinDef>,
    readonly pkgRules: Map<string, Set<string>>,
    readonly errors: RegoError[],
  ) {
    this.terms = new TermPlanner(tree, this);
  }

  resolver(module: ModuleInfo): Resolver {
    return new Resolver(module, this.pkgRules.get(module.pkg.join('.')) ?? new Set(), this.tree, this.builtins, this.errors);
  }

  /** Plans a body; adds the variables it binds to `bound`. */
  planBody(body: RBody, bound: Set<number>): Step {
    const exprs = expandUnify(body.exprs);
    const { order } = schedule({ ...body, exprs }, bound, this.errors);
    const b = bound;
    for (const s of body.outer) b.add(s);
    if (!this.coverage) {
      const generated = generateBody(this, order, b);
      if (generated !== null) return generated;
    }
    const planned: PlannedExpr[] = [];
    for (const s of order) {
      try {
        planned.push(this.planExpr(s.expr, b, s.leftFirst));
      } catch (err) {
        if (err instanceof RegoError) this.errors.push(err);
        else throw err;
      }
    }
    return sequence(planned);
  }

  planExpr(e: RExpr, bound: Set<number>, leftFirst: boolean): PlannedExpr {
    const p = this.planExprUncovered(e, bound, leftFirst);
    return this.coverage ? covered(p, e.loc) : p;
  }

  private planExprUncovered(e: RExpr, bound: Set<number>, leftFirst: boolean): PlannedExpr {
    const b = e.negated ? new Set(bound) : bound;
    // `with` values are evaluated before the expression, in the unmodified context.
    const mods = e.with.map((w) => this.planWith(w, b));
    let p = this.planPlain(e, b, leftFirst);
    if (mods.length > 0) p = { step: withStep(asStep(p), mods, this.tree.nodes.length) };
    if (e.negated) {
      const s = asStep(p);
      const stop = () => true;
      return { det: (c, f) => !s(c, f, stop) };
    }
    return p;
  }

  private planPlain(e: RExpr, b: Set<number>, leftFirst: boolean): PlannedExpr {
    const terms = this.terms;
    switch (e.kind) {
      case 'true':
        return { det: () => true };
      case 'term': {
        const t = e.term;
        if (t.t === 'call' && arityOf(t.fn) >= 0 && t.args.length === arityOf(t.fn) + 1) {
          const call: RTerm = { ...t, args: t.args.slice(0, -1) };
          return this.flow(call, t.args[t.args.length - 1], b);
        }
        if (t.t === 'call' && arityOf(t.fn) >= 0 && t.args.length !== arityOf(t.fn)) {
          throw new RegoError('rego_type_error', `${t.fn.name}: arity mismatch: have ${t.args.length} arguments, want ${arityOf(t.fn)}`, t.loc);
        }
        const ev = terms.evalOf(t, b);
        if (ev) {
          return {
            det: (c, f) => {
              const v = ev(c, f);
              return v !== undefined && v !== false;
            },
          };
        }
        const g = terms.gen(t, b);
        return { step: (c, f, k) => g(c, f, (v) => (v !== false ? k() : false)) };
      }
      case 'unify':
        return leftFirst ? this.flow(e.left, e.right, b) : this.flow(e.right, e.left, b);
      case 'somein': {
        const ev = terms.evalOf(e.collection, b);
        const g = terms.gen(e.collection, b);
        const keyFresh = e.key?.t === 'local' && !b.has(e.key.slot);
        const km = e.key ? terms.match(e.key, b) : null;
        const vm = terms.match(e.value, b);
        const loc = e.loc;
        if (ev && e.value.t === 'local' && (e.key === undefined || e.key.t === 'local')) {
          // The common `some x in coll` / `some k, v in coll` over a known collection: loop over
          // arrays directly, writing the slots, with no closure per element.
          const vs = e.value.slot;
          const ks = e.key?.t === 'local' ? e.key.slot : -1;
          const kFresh = keyFresh;
          return {
            step: (c, f, k) => {
              const coll = ev(c, f);
              if (Array.isArray(coll)) {
                for (let i = 0; i < coll.length; i++) {
                  c.tick(loc);
                  if (ks >= 0 && (kFresh ? ((f[ks] = i), false) : !(km as Match)(c, f, i))) continue;
                  if (!vm(c, f, coll[i])) continue;
                  if (k()) return true;
                }
                return false;
              }
              return iterate(coll, (key, val) => {
                c.tick(loc);
                return (km === null || km(c, f, key)) && vm(c, f, val) ? k() : false;
              });
            },
          };
        }
        return {
          step: (c, f, k) =>
            g(c, f, (coll) =>
              iterate(coll, (key, val) => {
                c.tick(loc);
                return (km === null || km(c, f, key)) && vm(c, f, val) ? k() : false;
              }),
            ),
        };
      }
      case 'every': {
        const dom = terms.gen(e.domain, b);
        const inner = new Set(b);
        const km = e.key ? terms.match(e.key, inner) : null;
        const vm = terms.match(e.value, inner);
        const body = this.planBody(e.body, inner);
        const stop = () => true;
        return {
          det: (c, f) => {
            let defined = false;
            let failed = false;
            dom(c, f, (coll) => {
              // Over a value that is not a collection, every is false (OPA).
              if (typeof coll !== 'object' || coll === null) return true;
              defined = true;
              failed = iterate(coll, (key, val) => {
                if (km !== null) km(c, f, key);
                vm(c, f, val);
                return !body(c, f, stop);
              });
              return failed;
            });
            return defined && !failed;
          },
        };
      }
    }
  }

  /** `dst = src`: evaluate src (possibly iterating), then match dst. */
  private flow(src: RTerm, dst: RTerm, b: Set<number>): PlannedExpr {
    const terms = this.terms;
    const ev = terms.evalOf(src, b);
    if (isPurePattern(dst, b, terms)) {
      if (ev) {
        const m = terms.match(dst, b);
        return {
          det: (c, f) => {
            const v = ev(c, f);
            return v !== undefined && m(c, f, v);
          },
        };
      }
      const g = terms.gen(src, b);
      const m = terms.match(dst, b);
      return { step: (c, f, k) => g(c, f, (v) => (m(c, f, v) ? k() : false)) };
    }
    // Both sides may iterate: enumerate both and keep equal pairs.
    const g1 = terms.gen(src, b);
    const g2 = terms.gen(dst, b);
    return { step: (c, f, k) => g1(c, f, (v) => g2(c, f, (x) => (equal(x, v) ? k() : false))) };
  }

  private planWith(w: RWith, b: Set<number>): WithPlan {
    const caller = w.fnValue ? this.terms.caller(w.fnValue, w.loc) : undefined;
    const value = caller ? null : this.terms.evalOf(w.value, b);
    if (!caller && !value) throw new RegoError('rego_unsafe_var_error', 'with value is unsafe', w.loc);
    return { target: w.target, value, caller };
  }

  // ---- Rules ----

  planRule(src: RuleSource, node: RuleNode): PlannedRule | undefined {
    const resolver = this.resolver(src.module);
    const alloc = new SlotAlloc();
    const root = new Scope(null, alloc);
    const rule = src.rule;
    const head = rule.head;
    this.terms.deps = depsOf(node);
    this.terms.current = { src, node };
    const bound = new Set<number>();
    let params: Match[] | undefined;
    let paramSlots: number[] | undefined;
    // Parameters that compute (e.g. a template string) are compared after the body binds
    // their variables: `f($"{x}")` becomes `f(tmp) if { ...; tmp = $"{x}" }`.
    const computed: [RTerm, Term][] = [];
    const paramTerms: RTerm[] = [];
    if (head.args) {
      const patterns = head.args.filter(isPatternTerm);
      for (const name of termVarNames(patterns)) if (root.find(name) === undefined) root.declare(name);
      const rts = head.args.map((a): RTerm => {
        if (isPatternTerm(a)) return resolver.term(a, root);
        const tmp: RTerm = { t: 'local', slot: root.declare('$arg' + alloc.n), name: '$arg', loc: a.loc };
        computed.push([tmp, a]);
        return tmp;
      });
      paramTerms.push(...rts);
      paramSlots = [];
      params = [];
      for (const p of rts) {
        // Before match() binds it: `f(x, x)` stores x once and then compares.
        paramSlots.push(p.t === 'local' && !bound.has(p.slot) ? p.slot : -1);
        params.push(this.terms.match(p, bound));
      }
    }
    const paramBound = new Set(bound);
    const extra = [
      ...src.suffix,
      ...(head.key ? [head.key] : []),
      ...(head.value ? [head.value] : []),
      ...computed.map(([, a]) => a),
    ];
    const { body, scope } = resolver.body(rule.body, root, alloc, extra, rule.loc);
    for (const [tmp, a] of computed) {
      body.exprs.push({ kind: 'unify', left: tmp, right: resolver.term(a, scope), negated: false, with: [], loc: a.loc });
    }
    // Head terms that compute (refs, calls, comprehensions) become `tmp = term` in the body,
    // as OPA rewrites them, so they may iterate and take part in safety ordering.
    const headTerm = (t: RTerm, b: RBody): RTerm => {
      if (t.t === 'const' || t.t === 'local') return t;
      const tmp: RTerm = { t: 'local', slot: alloc.n++, name: '$head', loc: t.loc };
      b.exprs.push({ kind: 'unify', left: tmp, right: t, negated: false, with: [], loc: t.loc });
      return tmp;
    };
    const suffixT = src.suffix.map((t) => headTerm(resolver.term(t, scope), body));
    const keyT = head.key ? headTerm(resolver.term(head.key, scope), body) : undefined;
    const rawValue = head.value ? resolver.term(head.value, scope) : undefined;
    const valueT = rawValue ? headTerm(rawValue, body) : undefined;
    let step = this.planBody(body, bound);
    const headEval = (t: RTerm | undefined): Eval | undefined => {
      if (t === undefined) return undefined;
      const e = this.terms.evalOf(t, bound);
      if (e) return e;
      this.unsafeHead(t, bound);
      return () => undefined;
    };
    const suffix = suffixT.map((t) => headEval(t) as Eval);
    const key = headEval(keyT);
    const value = headEval(valueT);
    const elses: PlannedClause[] = [];
    const usedTerms: (RTerm | undefined)[] = [...paramTerms, ...suffixT, keyT, rawValue];
    const usedBodies: RBody[] = [body];
    for (let e = rule.else; e !== undefined; e = e.else) {
      const { body: eb, scope: es } = resolver.body(e.body, root, alloc, e.value ? [e.value] : [], e.loc);
      const eBound = new Set(paramBound);
      const vt = e.value ? headTerm(resolver.term(e.value, es), eb) : undefined;
      usedTerms.push(vt);
      usedBodies.push(eb);
      const estep = this.planBody(eb, eBound);
      let ev: Eval | undefined;
      if (vt) ev = this.terms.evalOf(vt, eBound) ?? (this.unsafeHead(vt, eBound), () => undefined);
      elses.push({ body: estep, value: ev, loc: e.loc });
    }
    recordInputUse(node, usedTerms, usedBodies);
    this.terms.deps = null;
    this.terms.current = null;
    if (this.coverage) {
      // The head's line counts as covered when the rule yields a value.
      const key = `${rule.loc.file}:${rule.loc.row}`;
      const inner = step;
      step = (c, f, k) =>
        inner(c, f, () => {
          c.covered?.add(key);
          return k();
        });
    }
    const constValue = rawValue === undefined ? true : rawValue.t === 'const' ? rawValue.v : undefined;
    return {
      nslots: alloc.n,
      body: step,
      value,
      key,
      suffix,
      params,
      paramSlots,
      elses,
      constValue: elses.length === 0 ? constValue : undefined,
      loc: rule.loc,
      src,
    };
  }

  private unsafeHead(t: RTerm, bound: Set<number>): void {
    const names = new Set<string>();
    const visit = (x: RTerm): void => {
      if (x.t === 'local' && !bound.has(x.slot)) names.add(x.name);
      else if (x.t === 'ref') {
        visit(x.head);
        x.path.forEach(visit);
      } else if (x.t === 'array' || x.t === 'set') x.items.forEach(visit);
      else if (x.t === 'object') x.entries.forEach(([k, v]) => (visit(k), visit(v)));
      else if (x.t === 'call') x.args.forEach(visit);
    };
    visit(t);
    for (const n of names.size ? names : new Set(['?'])) {
      this.errors.push(new RegoError('rego_unsafe_var_error', `var ${n} is unsafe`, t.loc));
    }
  }

  /** Plans every rule in the tree and marks nodes whose rules all yield one constant. */
  planAll(): void {
    for (const node of this.tree.nodes) {
      node.plannedComplete = node.complete.map((s) => this.planRule(s, node) as PlannedRule);
      node.plannedDefault = node.defaultRule && this.planRule(node.defaultRule, node);
      node.plannedSets = node.sets.map((s) => this.planRule(s, node) as PlannedRule);
      node.plannedDyn = node.dyn.map((s) => this.planRule(s, node) as PlannedRule);
      node.plannedFuncs = node.funcs.map((s) => this.planRule(s, node) as PlannedRule);
      node.plannedDefaultFunc = node.defaultFunc && this.planRule(node.defaultFunc, node);
      const rules = node.plannedComplete.length > 0 ? node.plannedComplete : node.plannedFuncs;
      const first = rules[0]?.constValue;
      node.constantValue =
        rules.length > 0 && first !== undefined && rules.every((r) => r.constValue !== undefined && equal(r.constValue, first));
    }
    // Coverage plans closures only (so they can be checked against the generated code); a policy
    // with errors is not evaluated, so its nodes need no evaluators.
    if (codegenAvailable && !this.coverage && this.errors.length === 0) generateNodes(this.tree);
  }

  /** Plans a query body; returns the step, frame size and the named variables it binds. */
  planQuery(body: Rule['body'], file: string): { step: Step; nslots: number; vars: [string, number][] } {
    const module: ModuleInfo = { file, pkg: [], imports: new Map() };
    const resolver = new Resolver(module, new Set(), this.tree, this.builtins, this.errors);
    const alloc = new SlotAlloc();
    const { body: rb, scope } = resolver.body(body, null, alloc);
    this.terms.deps = null;
    const step = this.planBody(rb, new Set());
    const vars = [...scope.names].filter(([n]) => !n.startsWith('_') && !n.startsWith('$'));
    return { step, nslots: alloc.n, vars };
  }
}

interface WithPlan {
  target: RWith['target'];
  value: Eval | null;
  caller?: (c: Ctx, args: Value[]) => Value | undefined;
}

function withStep(inner: Step, mods: WithPlan[], cacheSize: number): Step {
  return (c, f, k) => {
    const vals: (Value | undefined)[] = [];
    for (const m of mods) {
      if (m.value === null) vals.push(undefined);
      else {
        const v = m.value(c, f);
        if (v === undefined) return false;
        vals.push(v);
      }
    }
    const saved = c.save();
    for (let i = 0; i < mods.length; i++) {
      const m = mods[i];
      const v = vals[i] as Value;
      switch (m.target.kind) {
        case 'input':
          c.input = m.target.path.length === 0 ? v : setPath(c.input, m.target.path, v);
          break;
        case 'data':
          c.dataOverrides = [...(c.dataOverrides ?? []), { path: m.target.path, value: v }];
          break;
        case 'fn': {
          const o: FnOverride = m.caller ? { call: m.caller } : { value: v };
          c.fnOverrides = new Map(c.fnOverrides ?? []);
          c.fnOverrides.set(m.target.key, o);
          break;
        }
      }
    }
    c.cache = new Array(cacheSize).fill(NOT_COMPUTED);
    const modified = c.save();
    try {
      return inner(c, f, () => {
        c.restore(saved);
        try {
          return k();
        } finally {
          c.restore(modified);
        }
      });
    } finally {
      c.restore(saved);
    }
  };
}

/** Marks the expression's line as covered whenever it is evaluated. */
function covered(p: PlannedExpr, loc: Location): PlannedExpr {
  const key = `${loc.file}:${loc.row}`;
  if (p.det) {
    const d = p.det;
    return {
      det: (c, f) => {
        c.covered?.add(key);
        return d(c, f);
      },
    };
  }
  const s = p.step as Step;
  return {
    step: (c, f, k) => {
      c.covered?.add(key);
      return s(c, f, k);
    },
  };
}

function asStep(p: PlannedExpr): Step {
  if (p.step) return p.step;
  const d = p.det as Det;
  return (c, f, k) => (d(c, f) ? k() : false);
}

function sequence(exprs: PlannedExpr[]): Step {
  let rest: Step = TERMINAL;
  for (let i = exprs.length - 1; i >= 0; i--) {
    const p = exprs[i];
    const r = rest;
    const last = r === TERMINAL;
    if (p.det) {
      const d = p.det;
      rest = last ? (c, f, k) => (d(c, f) ? k() : false) : (c, f, k) => (d(c, f) ? r(c, f, k) : false);
    } else {
      const s = p.step as Step;
      rest = last ? s : (c, f, k) => s(c, f, () => r(c, f, k));
    }
  }
  return rest;
}

/** `[a, b] = [x, y]` becomes `a = x, b = y` so either side may bind. */
function expandUnify(exprs: RExpr[]): RExpr[] {
  const out: RExpr[] = [];
  const push = (e: RExpr): void => {
    if (e.kind === 'unify' && !e.negated && e.with.length === 0) {
      const l = e.left;
      const r = e.right;
      if (l.t === 'array' && r.t === 'array' && l.items.length === r.items.length) {
        l.items.forEach((x, i) => push({ ...e, left: x, right: r.items[i] }));
        return;
      }
      if (l.t === 'array' && r.t === 'const' && Array.isArray(r.v) && r.v.length === l.items.length) {
        const rv = r.v;
        l.items.forEach((x, i) => push({ ...e, left: x, right: { t: 'const', v: rv[i], loc: r.loc } }));
        return;
      }
      if (l.t === 'object' && r.t === 'object' && sameConstKeys(l.entries, r.entries)) {
        for (const [k, v] of l.entries) {
          const other = r.entries.find(([rk]) => equal((rk as { v: Value }).v, (k as { v: Value }).v)) as [RTerm, RTerm];
          push({ ...e, left: v, right: other[1] });
        }
        return;
      }
      if (r.t === 'array' && l.t === 'const' && Array.isArray(l.v) && l.v.length === r.items.length) {
        const lv = l.v;
        r.items.forEach((x, i) => push({ ...e, left: { t: 'const', v: lv[i], loc: l.loc }, right: x }));
        return;
      }
    }
    out.push(e);
  };
  exprs.forEach(push);
  return out;
}

function sameConstKeys(a: [RTerm, RTerm][], b: [RTerm, RTerm][]): boolean {
  if (a.length !== b.length) return false;
  if (!a.every(([k]) => k.t === 'const') || !b.every(([k]) => k.t === 'const')) return false;
  return a.every(([k]) => b.some(([bk]) => equal((bk as { v: Value }).v, (k as { v: Value }).v)));
}

/** A pattern that matches deterministically (no iteration inside). */
function isPurePattern(t: RTerm, b: Set<number>, terms: TermPlanner): boolean {
  switch (t.t) {
    case 'local':
    case 'const':
      return true;
    case 'array':
      return t.items.every((x) => isPurePattern(x, b, terms));
    case 'object':
      return t.entries.every(([k, v]) => terms.evalOf(k, b) !== null && isPurePattern(v, b, terms));
    default:
      return terms.evalOf(t, b) !== null;
  }
}

/** Terms that match an argument directly: variables, literals, arrays and objects of those. */
function isPatternTerm(t: Term): boolean {
  switch (t.type) {
    case 'var':
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
      return t.items.every(isPatternTerm);
    case 'object':
      return t.entries.every(([k, v]) => isPatternTerm(k) && isPatternTerm(v));
    default:
      return false;
  }
}

function termVarNames(ts: Term[]): string[] {
  const out: string[] = [];
  const visit = (t: Term): void => {
    switch (t.type) {
      case 'var':
        if (t.name !== '_') out.push(t.name);
        break;
      case 'array':
      case 'set':
        t.items.forEach(visit);
        break;
      case 'object':
        t.entries.forEach(([k, v]) => (visit(k), visit(v)));
        break;
      default:
        break;
    }
  };
  ts.forEach(visit);
  return out;
}

const depsMap = new WeakMap<RuleNode, Set<RuleNode>>();
export function depsOf(n: RuleNode): Set<RuleNode> {
  let s = depsMap.get(n);
  if (!s) {
    s = new Set();
    depsMap.set(n, s);
  }
  return s;
}
