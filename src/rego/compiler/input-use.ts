// Which top-level keys of `input` a rule may read, directly or through the rules and functions it
// uses. It lets a run of evaluations whose inputs differ under one key only — a search: every
// candidate resource for one subject and action — compute the rules that do not read that key
// once (Policy.session).
//
// Conservative by construction: `input` read whole or with a computed key, `with input ...`
// anywhere in the rule, and nondeterministic builtins (time, rand, uuid, http) count as reading
// everything, so such rules are computed per evaluation as before.

import { eachChild, eachExprChild, type RBody, type RTerm } from './ir.js';
import type { RuleNode } from './ruletree.js';

export interface InputUse {
  /** Top-level input keys read (`input.subject...` → "subject"). */
  keys: Set<string>;
  /** Anything may be read (see above): never shared. */
  any: boolean;
}

const own = new WeakMap<RuleNode, InputUse>();

/** The input use of one node's own rules, as recorded while planning them. */
export function ownInputUse(n: RuleNode): InputUse {
  let u = own.get(n);
  if (u === undefined) own.set(n, (u = { keys: new Set(), any: false }));
  return u;
}

/** Adds what these resolved terms and bodies of a rule read to its node's record. */
export function recordInputUse(n: RuleNode, terms: readonly (RTerm | undefined)[], bodies: readonly RBody[]): void {
  const u = ownInputUse(n);
  if (u.any) return;
  for (const t of terms) if (t !== undefined) term(t, u);
  for (const b of bodies) body(b, u);
}

function body(b: RBody, u: InputUse): void {
  for (const e of b.exprs) {
    if (u.any) return;
    for (const w of e.with) if (w.target.kind === 'input') u.any = true;
    eachExprChild(
      e,
      (t) => term(t, u),
      (x) => body(x, u),
    );
  }
}

function term(t: RTerm, u: InputUse): void {
  if (t.t === 'input') {
    u.any = true; // input as a whole
    return;
  }
  if (t.t === 'ref' && t.head.t === 'input') {
    const first = t.path[0];
    if (first !== undefined && first.t === 'const' && typeof first.v === 'string') u.keys.add(first.v);
    else u.any = true;
    for (const p of t.path) term(p, u);
    return;
  }
  if (t.t === 'call' && t.fn.kind === 'builtin' && t.fn.def.nondeterministic === true) u.any = true;
  eachChild(
    t,
    (x) => term(x, u),
    (b) => body(b, u),
  );
}

/**
 * What a node reads with everything it depends on (`deps`: the rules and functions its rules use,
 * recorded while planning; the rule graph is acyclic once compiled).
 */
export function transitiveInputUse(n: RuleNode, deps: (n: RuleNode) => Iterable<RuleNode>, memo: Map<RuleNode, InputUse>): InputUse {
  const known = memo.get(n);
  if (known !== undefined) return known;
  const mine = ownInputUse(n);
  const u: InputUse = { keys: new Set(mine.keys), any: mine.any };
  memo.set(n, u); // before the walk: a cycle (only in policies that failed to compile) ends here
  for (const d of deps(n)) {
    if (u.any) break;
    const du = transitiveInputUse(d, deps, memo);
    if (du.any) u.any = true;
    else for (const k of du.keys) u.keys.add(k);
  }
  return u;
}
