// What every builtin family shares: the definition shape, the evaluation context a builtin
// may use, and argument checks that raise OPA's error messages.

import { BuiltinError } from '../errors.js';
import { typeName, type Value } from '../value.js';

/** Services from outside the pure engine. A builtin whose hook is absent fails with an error. */
export interface HostHooks {
  /** Receives the text of `print(...)` calls. */
  print?: (text: string, location: string) => void;
  /** Environment for `opa.runtime().env`. */
  env?: Record<string, string>;
  /** Wall clock in nanoseconds since the epoch (default: Date.now() based). */
  clockNs?: () => bigint;
  /** Synchronous DNS lookup for `net.lookup_ip_addr`. */
  lookupIP?: (name: string) => string[];
  /** Synchronous HTTP for `http.send`; absent means http.send is disabled. */
  httpSend?: (request: Value) => Value;
  /** Value returned by `opa.runtime()`. */
  runtime?: Value;
}

/** Handed to a builtin on every call; lives for one evaluation. */
export interface BuiltinContext {
  /** `time.now_ns()`: the same value for the whole evaluation. */
  nowNs(): bigint;
  /** Per-evaluation memo for non-deterministic builtins (rand.intn, uuid.rfc4122, http.send). */
  memo: Map<string, Value>;
  host: HostHooks;
  /** `file:row` of the call, for print. */
  location: string;
  /**
   * Charges `units` of work to the evaluation budget (eval_max_steps, eval_timeout); throws the
   * evaluation's eval_budget_error when it is spent. Builtins whose work grows with a size taken
   * from their arguments call it before allocating: one unit per element of an array or set they
   * build (about what one evaluation step costs), one per CHARS_PER_UNIT characters of a string.
   */
  charge(units: number): void;
}

/** Characters of generated string text that count as one unit of Ctx.charge. */
export const CHARS_PER_UNIT = 16;

/** Charges the work of generating `chars` characters of string text. */
export function chargeChars(ctx: BuiltinContext, chars: number): void {
  if (chars >= CHARS_PER_UNIT) ctx.charge(Math.floor(chars / CHARS_PER_UNIT));
}

/**
 * A type in a builtin's declaration, written as OPA's docs write them:
 * `any`, `string`, `number`, `boolean`, `null`, `array`, `object`, `set`, or a union `string|number`.
 */
export type TypeName = string;

export interface BuiltinDef {
  /** Dotted name as called from Rego, e.g. `strings.replace_n`. */
  name: string;
  /** Declared operand types; the length is the arity. */
  args: TypeName[];
  /** Declared result type (`boolean` for predicates such as `startswith`). */
  result: TypeName;
  /**
   * The implementation. Return undefined for "undefined"; throw BuiltinError for an error
   * (the evaluator prefixes `<name>: `). Values passed in must not be mutated.
   */
  fn: (args: Value[], ctx: BuiltinContext) => Value | undefined;
  /** Results may differ between evaluations (time, rand, uuid, http): never folded at compile time. */
  nondeterministic?: boolean;
  /** A relation returns every result as an array (e.g. `walk`); each is one solution. */
  relation?: boolean;
  /** Deprecated builtins are rejected by `check --strict`. */
  deprecated?: boolean;
  /**
   * For two-operand builtins that can never fail (comparisons): the same function taking the
   * operands directly, which the planner calls without an argument array or error handling.
   */
  binary?: (a: Value, b: Value) => Value;
}

/** Throws OPA's operand type error: `operand 2 must be string but got number`. */
export function typeError(index: number, expected: string, got: Value | undefined): never {
  const want = expected.includes('|')
    ? `one of {${expected.split('|').sort().join(', ')}}`
    : expected;
  throw new BuiltinError(`operand ${index + 1} must be ${want} but got ${typeName(got)}`, 'eval_type_error');
}

export function argString(args: Value[], i: number): string {
  const v = args[i];
  if (typeof v !== 'string') typeError(i, 'string', v);
  return v;
}

export function argNumber(args: Value[], i: number): number | bigint {
  const v = args[i];
  if (typeof v !== 'number' && typeof v !== 'bigint') typeError(i, 'number', v);
  return v;
}

export function argBoolean(args: Value[], i: number): boolean {
  const v = args[i];
  if (typeof v !== 'boolean') typeError(i, 'boolean', v);
  return v;
}

export function argArray(args: Value[], i: number): Value[] {
  const v = args[i];
  if (!Array.isArray(v)) typeError(i, 'array', v);
  return v;
}
