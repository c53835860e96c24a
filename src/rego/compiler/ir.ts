// The resolved form of policy code that the planner turns into closures. Names are gone:
// locals are frame slots, rule names and import aliases are `data` refs, calls know their target.

import type { Location } from '../errors.js';
import type { BuiltinDef } from '../builtins/types.js';
import type { Value } from '../value.js';
import type { RuleNode } from './ruletree.js';

export type RTerm =
  | { t: 'const'; v: Value; loc: Location }
  | { t: 'local'; slot: number; name: string; loc: Location }
  | { t: 'input'; loc: Location }
  | { t: 'data'; loc: Location }
  | { t: 'ref'; head: RTerm; path: RTerm[]; loc: Location }
  | { t: 'array'; items: RTerm[]; loc: Location }
  | { t: 'object'; entries: [RTerm, RTerm][]; loc: Location }
  | { t: 'set'; items: RTerm[]; loc: Location }
  | { t: 'acompr'; term: RTerm; body: RBody; loc: Location }
  | { t: 'scompr'; term: RTerm; body: RBody; loc: Location }
  | { t: 'ocompr'; key: RTerm; value: RTerm; body: RBody; loc: Location }
  | { t: 'call'; fn: FnTarget; args: RTerm[]; loc: Location }
  | { t: 'template'; parts: (string | RTerm)[]; loc: Location };

export type FnTarget =
  | { kind: 'builtin'; name: string; def: BuiltinDef }
  | { kind: 'user'; name: string; node: RuleNode }
  | { kind: 'print'; name: 'print' };

export interface RWith {
  /** What is replaced: the input (at a path), data at a path, or a function. */
  target:
    | { kind: 'input'; path: string[] }
    | { kind: 'data'; path: string[] }
    | { kind: 'fn'; key: string };
  value: RTerm;
  /** When the replacement is itself a function: how to call it. */
  fnValue?: FnTarget;
  loc: Location;
}

interface RExprBase {
  negated: boolean;
  with: RWith[];
  loc: Location;
}
export type RExpr =
  | (RExprBase & { kind: 'term'; term: RTerm })
  | (RExprBase & { kind: 'unify'; left: RTerm; right: RTerm })
  | (RExprBase & { kind: 'somein'; key?: RTerm; value: RTerm; collection: RTerm })
  | (RExprBase & { kind: 'every'; key?: RTerm; value: RTerm; domain: RTerm; body: RBody })
  | (RExprBase & { kind: 'true' });

export interface RBody {
  exprs: RExpr[];
  /** Slots that belong to enclosing scopes (already bound when this body runs). */
  outer: Set<number>;
  loc: Location;
}

export function isGround(t: RTerm): boolean {
  return t.t === 'const';
}

/** Calls `term` on each term directly inside `t`, and `body` on each body directly inside it. */
export function eachChild(t: RTerm, term: (x: RTerm) => void, body: (b: RBody) => void): void {
  switch (t.t) {
    case 'ref':
      term(t.head);
      for (const p of t.path) term(p);
      return;
    case 'array':
    case 'set':
      for (const x of t.items) term(x);
      return;
    case 'object':
      for (const [k, v] of t.entries) {
        term(k);
        term(v);
      }
      return;
    case 'acompr':
    case 'scompr':
      term(t.term);
      return body(t.body);
    case 'ocompr':
      term(t.key);
      term(t.value);
      return body(t.body);
    case 'call':
      for (const a of t.args) term(a);
      return;
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') term(p);
      return;
    default:
      return; // const, local, input, data: no children
  }
}

/**
 * Calls `term` on each term of an expression (`with` values included; an `every`'s own key and
 * value variables are not read, so they are left out) and `body` on its nested body.
 */
export function eachExprChild(e: RExpr, term: (x: RTerm) => void, body: (b: RBody) => void): void {
  for (const w of e.with) term(w.value);
  switch (e.kind) {
    case 'term':
      return term(e.term);
    case 'unify':
      term(e.left);
      return term(e.right);
    case 'somein':
      if (e.key) term(e.key);
      term(e.value);
      return term(e.collection);
    case 'every':
      term(e.domain);
      return body(e.body);
    case 'true':
      return;
  }
}
