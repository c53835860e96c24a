// Shapes of planned code: closures over a per-evaluation Ctx and a per-rule Frame.

import type { Location } from '../errors.js';
import type { Cont, Ctx, Frame } from '../eval/context.js';
import type { Value } from '../value.js';
import type { RuleSource } from './ruletree.js';

/** Evaluates a term whose variables are all bound. undefined = undefined. */
export type Eval = (c: Ctx, f: Frame) => Value | undefined;
/** Enumerates the values of a term that iterates (binds variables); `each` returns true to stop. */
export type Gen = (c: Ctx, f: Frame, each: (v: Value) => boolean) => boolean;
/** Matches a value against a pattern, binding its unbound variables. */
export type Match = (c: Ctx, f: Frame, v: Value) => boolean;
/** One body expression (or a whole body): calls k per solution; returns true when told to stop. */
export type Step = (c: Ctx, f: Frame, k: Cont) => boolean;

export interface PlannedClause {
  body: Step;
  /** Head value; absent means `true`. */
  value?: Eval;
  loc: Location;
}

export interface PlannedRule extends PlannedClause {
  nslots: number;
  /** Element of a multi-value rule. */
  key?: Eval;
  /** Keys of a ref-head rule below its node, e.g. [k, "q"] for p[k].q := v. */
  suffix?: Eval[];
  /** Function parameters, matched against the arguments before the body runs. */
  params?: Match[];
  /** Per parameter: the frame slot of a variable seen first there (matching is a store), or -1. */
  paramSlots?: number[];
  /** The rest of an `else` chain, tried in order when the body has no solution. */
  elses: PlannedClause[];
  /** The head value when it is a constant (lets `allow if ...` stop at the first success). */
  constValue?: Value;
  src: RuleSource;
}
