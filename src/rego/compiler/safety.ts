// Safety: which variables an expression needs bound before it runs, which it binds, and the
// order of a body's expressions so that every variable is bound before use (OPA's reordering).

import { RegoError } from '../errors.js';
import { eachChild, eachExprChild, type FnTarget, type RBody, type RExpr, type RTerm } from './ir.js';

type Local = Extract<RTerm, { t: 'local' }>;

export interface Acc {
  /** Unbound variables the expression needs. */
  miss: Local[];
  /** Variables it binds, in order. */
  binds: Local[];
}

export function arityOf(fn: FnTarget): number {
  if (fn.kind === 'builtin') return fn.def.args.length;
  if (fn.kind === 'user') return fn.node.arity;
  return -1; // print takes any number of arguments and has no output
}

const freeCache = new WeakMap<RBody, number[]>();

/** Slots of enclosing scopes that a nested body reads. */
export function freeOuter(body: RBody): number[] {
  let r = freeCache.get(body);
  if (r === undefined) {
    const all = new Set<number>();
    for (const e of body.exprs) exprSlots(e, all);
    r = [...all].filter((s) => body.outer.has(s));
    freeCache.set(body, r);
  }
  return r;
}

function exprSlots(e: RExpr, out: Set<number>): void {
  eachExprChild(
    e,
    (t) => termSlots(t, out),
    (b) => b.exprs.forEach((x) => exprSlots(x, out)),
  );
}

function termSlots(t: RTerm, out: Set<number>): void {
  if (t.t === 'local') out.add(t.slot);
  else
    eachChild(
      t,
      (x) => termSlots(x, out),
      (b) => b.exprs.forEach((x) => exprSlots(x, out)),
    );
}

/** Walks a term in evaluation order; `pattern` positions may bind unbound variables. */
export function analyze(t: RTerm, b: Set<number>, pattern: boolean, acc: Acc): void {
  switch (t.t) {
    case 'const':
    case 'input':
    case 'data':
      return;
    case 'local':
      if (b.has(t.slot)) return;
      if (pattern) {
        b.add(t.slot);
        acc.binds.push(t);
      } else acc.miss.push(t);
      return;
    case 'ref':
      analyze(t.head, b, false, acc);
      for (const seg of t.path) {
        if (seg.t === 'local' && !b.has(seg.slot)) {
          b.add(seg.slot);
          acc.binds.push(seg);
        } else analyze(seg, b, seg.t === 'array' || seg.t === 'object', acc);
      }
      return;
    case 'array':
      for (const x of t.items) analyze(x, b, pattern, acc);
      return;
    case 'set':
      for (const x of t.items) analyze(x, b, false, acc);
      return;
    case 'object':
      for (const [k, v] of t.entries) {
        analyze(k, b, false, acc);
        analyze(v, b, pattern, acc);
      }
      return;
    case 'acompr':
    case 'scompr':
    case 'ocompr':
      for (const s of freeOuter(t.body)) {
        if (!b.has(s)) acc.miss.push({ t: 'local', slot: s, name: slotName(t.body, s), loc: t.loc });
      }
      return;
    case 'call': {
      // Arguments that iterate (refs) run first, so `x == xs[x]` binds x before comparing.
      const n = arityOf(t.fn);
      for (const i of argOrder(t.args)) analyze(t.args[i], b, n >= 0 && i >= n, acc);
      return;
    }
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') analyze(p, b, false, acc);
      return;
  }
}

/** Evaluation order of call arguments: references first, then the rest, each in written order. */
export function argOrder(args: RTerm[]): number[] {
  const refs: number[] = [];
  const rest: number[] = [];
  args.forEach((a, i) => (a.t === 'ref' ? refs : rest).push(i));
  return [...refs, ...rest];
}

function slotName(body: RBody, slot: number): string {
  const found: string[] = [];
  const visit = (t: RTerm): void => {
    if (t.t === 'local' && t.slot === slot) found.push(t.name);
  };
  for (const e of body.exprs) {
    if (e.kind === 'term') visit(e.term);
    else if (e.kind === 'unify') {
      visit(e.left);
      visit(e.right);
    }
  }
  return found[0] ?? `$${slot}`;
}

export interface Analysis {
  acc: Acc;
  bound: Set<number>;
  /** For unification: which side is evaluated first. */
  leftFirst: boolean;
}

export function analyzeExpr(e: RExpr, bound: Set<number>): Analysis {
  const b = new Set(bound);
  const acc: Acc = { miss: [], binds: [] };
  for (const w of e.with) analyze(w.value, b, false, acc);
  let leftFirst = true;
  switch (e.kind) {
    case 'term':
      analyze(e.term, b, false, acc);
      break;
    case 'unify': {
      const b1 = new Set(b);
      const a1: Acc = { miss: [...acc.miss], binds: [...acc.binds] };
      analyze(e.left, b1, false, a1);
      analyze(e.right, b1, true, a1);
      if (a1.miss.length === 0) return finish(e, bound, b1, a1, true);
      const b2 = new Set(b);
      const a2: Acc = { miss: [...acc.miss], binds: [...acc.binds] };
      analyze(e.right, b2, false, a2);
      analyze(e.left, b2, true, a2);
      if (a2.miss.length === 0) return finish(e, bound, b2, a2, false);
      // Report the side that is closer to being bound.
      return a1.miss.length <= a2.miss.length ? finish(e, bound, b1, a1, true) : finish(e, bound, b2, a2, false);
    }
    case 'somein':
      analyze(e.collection, b, false, acc);
      if (e.key) analyze(e.key, b, true, acc);
      analyze(e.value, b, true, acc);
      break;
    case 'every': {
      analyze(e.domain, b, false, acc);
      const own = new Set<number>();
      if (e.key?.t === 'local') own.add(e.key.slot);
      if (e.value.t === 'local') own.add(e.value.slot);
      for (const s of freeOuter(e.body)) {
        if (!b.has(s) && !own.has(s)) acc.miss.push({ t: 'local', slot: s, name: slotName(e.body, s), loc: e.loc });
      }
      break;
    }
    case 'true':
      break;
  }
  return finish(e, bound, b, acc, leftFirst);
}

function finish(e: RExpr, bound: Set<number>, b: Set<number>, acc: Acc, leftFirst: boolean): Analysis {
  if (e.negated) {
    // A negated expression binds nothing outside itself; its named variables must be bound
    // already (wildcards are fine).
    for (const v of acc.binds) if (v.name !== '_' && !v.name.startsWith('$')) acc.miss.push(v);
    return { acc, bound: new Set(bound), leftFirst };
  }
  return { acc, bound: b, leftFirst };
}

export interface Scheduled {
  expr: RExpr;
  leftFirst: boolean;
}

/** Orders a body so each expression runs once its inputs are bound (OPA's safety reordering). */
export function schedule(body: RBody, bound: Set<number>, errors: RegoError[]): { order: Scheduled[]; bound: Set<number> } {
  const remaining = [...body.exprs];
  const order: Scheduled[] = [];
  let b = new Set(bound);
  for (const s of body.outer) b.add(s);
  while (remaining.length > 0) {
    let picked = -1;
    let analysis: Analysis | undefined;
    for (let i = 0; i < remaining.length; i++) {
      const a = analyzeExpr(remaining[i], b);
      if (a.acc.miss.length === 0) {
        picked = i;
        analysis = a;
        break;
      }
    }
    if (picked < 0 || analysis === undefined) {
      const reported = new Set<string>();
      for (const e of remaining) {
        for (const v of analyzeExpr(e, b).acc.miss) {
          if (v.name === '_' || reported.has(v.name)) continue;
          reported.add(v.name);
          errors.push(new RegoError('rego_unsafe_var_error', `var ${v.name} is unsafe`, v.loc));
        }
      }
      if (reported.size === 0) {
        errors.push(new RegoError('rego_unsafe_var_error', 'expression is unsafe', remaining[0].loc));
      }
      return { order, bound: b };
    }
    order.push({ expr: remaining[picked], leftFirst: analysis.leftFirst });
    b = analysis.bound;
    remaining.splice(picked, 1);
  }
  return { order, bound: b };
}
