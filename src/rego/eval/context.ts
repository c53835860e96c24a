// The state of one evaluation: input, base data, per-evaluation caches and `with` overrides.
// A prepared policy is shared by every request; a Ctx is created per evaluation and is cheap.

import { RegoError, type Location } from '../errors.js';
import type { BuiltinContext, HostHooks } from '../builtins/types.js';
import type { Value } from '../value.js';

/** A variable frame: one slot per variable of a rule (or function clause), undefined = unbound. */
export type Frame = (Value | undefined)[];

/** Continuation: called once per solution; returns true to stop enumerating. */
export type Cont = () => boolean;

export const NOT_COMPUTED: unique symbol = Symbol('not computed');
const NO_HOST: HostHooks = Object.freeze({});

export interface DataOverride {
  path: string[];
  value: Value;
}

export interface FnOverride {
  /** Replacement function (called with evaluated args) or constant value. */
  call?: (c: Ctx, args: Value[]) => Value | undefined;
  value?: Value;
}

export interface EvalOptions {
  strictBuiltinErrors?: boolean;
  /** Stops runaway evaluations: each rule, function call and iteration step counts one. */
  maxSteps?: number;
  /**
   * Wall-clock budget in milliseconds (0 = none). The clock is read every 1,024 steps only, and
   * starts at the 1,024th: short evaluations never read it. Builtins whose output size comes from
   * their arguments charge it as they go (Ctx.charge), so they are stopped too; other single
   * builtin calls are not interrupted.
   */
  maxTimeMs?: number;
  host?: HostHooks;
  /** Fixed wall clock for time.now_ns (nanoseconds). */
  nowNs?: bigint;
  /** Filled with `file:row` of every expression evaluated (policies compiled with coverage). */
  coverage?: Set<string>;
}

export class Ctx implements BuiltinContext {
  input: Value | undefined;
  data: Value;
  /** Virtual document cache, indexed by rule-tree node id. Replaced wholesale inside `with`. */
  cache: (Value | undefined | typeof NOT_COMPUTED)[];
  dataOverrides: DataOverride[] | null = null;
  fnOverrides: Map<string, FnOverride> | null = null;
  strict: boolean;
  /**
   * The first builtin error of a strict evaluation. As in OPA, the failing call is undefined and
   * evaluation goes on; the evaluation then fails with this error (which wins over later ones).
   */
  builtinError: RegoError | null = null;
  steps = 0;
  maxSteps: number;
  maxTimeMs: number;
  /** performance.now() at the 1,024th step; 0 before. */
  private clockStart = 0;
  private memoMap: Map<string, Value> | null = null;
  host: HostHooks;
  location = '';
  covered: Set<string> | null = null;
  /** The policy's rule tree (typed loosely to keep eval/ independent of compiler/ types). */
  tree: unknown = null;
  private now: bigint | undefined;

  constructor(input: Value | undefined, data: Value, cacheSize: number, opts: EvalOptions | undefined) {
    this.input = input;
    this.data = data;
    this.cache = new Array(cacheSize).fill(NOT_COMPUTED);
    this.strict = opts?.strictBuiltinErrors ?? false;
    this.maxSteps = opts?.maxSteps ?? 0;
    this.maxTimeMs = opts?.maxTimeMs ?? 0;
    this.host = opts?.host ?? NO_HOST;
    this.now = opts?.nowNs;
    this.covered = opts?.coverage ?? null;
    this.opts = opts;
  }

  /** The options the context was last set up with (reset skips them when they are the same). */
  private opts: EvalOptions | undefined;

  /** Prepares a used context for the next evaluation (cheaper than a new one). */
  reset(input: Value | undefined, opts: EvalOptions | undefined): void {
    this.input = input;
    // A loop, not Array#fill: for the starter policy's 9 nodes fill took 53 ns and the loop 17 ns
    // (fill was the top line of a search's profile).
    const cache = this.cache;
    for (let i = 0; i < cache.length; i++) cache[i] = NOT_COMPUTED;
    this.dataOverrides = null;
    this.fnOverrides = null;
    this.builtinError = null;
    this.steps = 0;
    this.clockStart = 0;
    this.memoMap = null;
    this.location = '';
    this.now = opts?.nowNs;
    if (opts !== this.opts) {
      // Usually the policy's defaults object, the same every time.
      this.opts = opts;
      this.strict = opts?.strictBuiltinErrors ?? false;
      this.maxSteps = opts?.maxSteps ?? 0;
      this.maxTimeMs = opts?.maxTimeMs ?? 0;
      this.host = opts?.host ?? NO_HOST;
      this.covered = opts?.coverage ?? null;
    }
  }

  /** Records a builtin error of a strict evaluation; the first one is the evaluation's error. */
  recordBuiltinError(err: RegoError): void {
    if (this.builtinError === null) this.builtinError = err;
  }

  /** Created on first use: most evaluations never call a non-deterministic builtin. */
  get memo(): Map<string, Value> {
    return (this.memoMap ??= new Map());
  }

  nowNs(): bigint {
    if (this.now === undefined) {
      this.now = this.host.clockNs ? this.host.clockNs() : BigInt(Date.now()) * 1_000_000n;
    }
    return this.now;
  }

  /** Counts one unit of work against the budget. */
  tick(loc: Location | undefined): void {
    const s = ++this.steps;
    if (s > this.maxSteps && this.maxSteps > 0) {
      throw new RegoError('eval_budget_error', `evaluation exceeded its budget of ${this.maxSteps} steps`, loc);
    }
    if ((s & 1023) === 0 && this.maxTimeMs > 0) this.checkClock(loc);
  }

  /**
   * Counts `units` of work at once: builtins whose work grows with a size computed from their
   * arguments (numbers.range, padding widths, template ranges, ...) call it before allocating.
   * The step budget is checked as by tick, and the clock whenever the count crosses a multiple
   * of 1,024 (a charge of 1,024 units or more always reads it).
   */
  charge(units: number): void {
    if (!(units > 0)) return;
    const before = this.steps;
    const s = (this.steps = before + units);
    if (s > this.maxSteps && this.maxSteps > 0) {
      throw new RegoError('eval_budget_error', `evaluation exceeded its budget of ${this.maxSteps} steps`);
    }
    if (this.maxTimeMs > 0 && Math.floor(s / 1024) !== Math.floor(before / 1024)) this.checkClock(undefined);
  }

  private checkClock(loc: Location | undefined): void {
    const now = performance.now();
    if (this.clockStart === 0) this.clockStart = now;
    else if (now - this.clockStart > this.maxTimeMs) {
      throw new RegoError('eval_budget_error', `evaluation exceeded its time budget of ${this.maxTimeMs} ms`, loc);
    }
  }

  /** Everything `with` may change, captured so it can be restored around continuations. */
  save(): SavedState {
    return {
      input: this.input,
      cache: this.cache,
      dataOverrides: this.dataOverrides,
      fnOverrides: this.fnOverrides,
    };
  }
  restore(s: SavedState): void {
    this.input = s.input;
    this.cache = s.cache;
    this.dataOverrides = s.dataOverrides;
    this.fnOverrides = s.fnOverrides;
  }
}

export interface SavedState {
  input: Value | undefined;
  cache: (Value | undefined | typeof NOT_COMPUTED)[];
  dataOverrides: DataOverride[] | null;
  fnOverrides: Map<string, FnOverride> | null;
}
