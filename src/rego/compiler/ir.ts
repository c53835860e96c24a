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
