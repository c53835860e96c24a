// The policy contract (PRODUCT.md §3), prepared once per policy swap:
//   - evaluate the decision rule (default vengtoo/authz/decision); when it is undefined, the
//     sibling `allow` rule (vengtoo/authz/allow);
//   - a boolean result is the decision; an object gives `allowed` (or `decision`), `reason`,
//     `access_path`, and any other keys pass through into the response context;
//   - undefined everywhere → deny "no policy decision"; an evaluation error → deny
//     "policy evaluation error" with the error attached for logs and metrics. Never allow on error.

import { RObject, objectGet, objectKeys, toJSONText, type PlainObject, type Value } from '../rego/value.js';
import type { Decide, Decision, EvaluationInput } from '../server/types.js';

/** What the decider needs from a compiled policy (src/rego's Policy satisfies it). */
export interface EntrypointSource {
  entrypoint(path: string): { evaluate(input: Value): Value | undefined } | undefined;
  /** Evaluations that share the rules not reading input[varying] (Policy.session). */
  session?(varying: string): { entrypoint: EntrypointSource['entrypoint'] };
}

export const NO_DECISION: Decision = Object.freeze({ allowed: false, reason: 'no policy decision', extra: '' });
const ALLOW: Decision = Object.freeze({ allowed: true, extra: '' });
const DENY: Decision = Object.freeze({ allowed: false, extra: '' });
const INVALID: Decision = Object.freeze({ allowed: false, reason: 'invalid policy decision', extra: '' });
const EVAL_ERROR = 'policy evaluation error';
/** How many recent decision objects keep their interpreted Decision (see decideWith). */
const RECENT = 4;

/** `vengtoo/authz/decision` → `vengtoo/authz/allow`. */
export function fallbackPath(decisionPath: string): string {
  const i = decisionPath.lastIndexOf('/');
  return (i === -1 ? '' : decisionPath.slice(0, i + 1)) + 'allow';
}

export interface DeciderInfo {
  decide: Decide;
  /**
   * A decide function for a run of inputs that differ only under `varying` (a search's
   * candidates): rules that do not read it are computed once for the run.
   */
  session: (varying: 'subject' | 'resource' | 'action') => Decide;
  /** Which of the two rules the policy defines (for a start-up warning when neither is). */
  hasDecision: boolean;
  hasAllow: boolean;
}

export function makeDecider(policy: EntrypointSource, decisionPath: string): DeciderInfo {
  const allowPath = fallbackPath(decisionPath);
  const decide = decideWith(policy, decisionPath, allowPath);
  const session = (varying: string): Decide => (policy.session === undefined ? decide : decideWith(policy.session(varying), decisionPath, allowPath));
  return {
    decide,
    session,
    hasDecision: policy.entrypoint(decisionPath) !== undefined,
    hasAllow: allowPath !== decisionPath && policy.entrypoint(allowPath) !== undefined,
  };
}

function decideWith(policy: Pick<EntrypointSource, 'entrypoint'>, decisionPath: string, allowPath: string): Decide {
  const primary = policy.entrypoint(decisionPath);
  const fallback = allowPath === decisionPath ? undefined : policy.entrypoint(allowPath);

  // Results are immutable values, and a policy with constant decision objects returns the same
  // few objects again and again (a search alternates between its allow and its deny): the last
  // RECENT objects seen keep their Decision, so interpret() runs once per distinct object.
  const seenValues: (Value | undefined)[] = new Array(RECENT).fill(undefined);
  const seenDecisions: Decision[] = new Array(RECENT).fill(NO_DECISION);
  let next = 0;

  const decide: Decide = (input: EvaluationInput): Decision => {
    let v: Value | undefined;
    try {
      if (primary !== undefined) v = primary.evaluate(input as unknown as Value);
      if (v === undefined && fallback !== undefined) v = fallback.evaluate(input as unknown as Value);
    } catch (e) {
      return { allowed: false, reason: EVAL_ERROR, extra: '', error: e };
    }
    if (v === undefined) return NO_DECISION;
    if (v === true) return ALLOW;
    if (v === false) return DENY;
    for (let i = 0; i < RECENT; i++) if (seenValues[i] === v) return seenDecisions[i];
    const d = interpret(v);
    if (typeof v === 'object' && v !== null) {
      seenValues[next] = v;
      seenDecisions[next] = d;
      next = (next + 1) % RECENT;
    }
    return d;
  };
  return decide;
}

const KNOWN = new Set(['allowed', 'decision', 'reason', 'access_path']);
const hasOwn = Object.prototype.hasOwnProperty;

/** Turns a non-boolean rule result into a Decision. */
export function interpret(v: Value): Decision {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return INVALID;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== null && proto !== Object.prototype) return v instanceof RObject ? interpretRich(v) : INVALID; // RSet → invalid
  // Plain object (the usual case): direct property reads, no sorted-key cache on the hot path.
  const o = v as PlainObject;
  const a = hasOwn.call(o, 'allowed') ? o.allowed : hasOwn.call(o, 'decision') ? o.decision : undefined;
  const d: Decision = { allowed: a === true, extra: '' };
  const reason = hasOwn.call(o, 'reason') ? o.reason : undefined;
  const path = hasOwn.call(o, 'access_path') ? o.access_path : undefined;
  if (typeof reason === 'string') d.reason = reason;
  if (typeof path === 'string') d.accessPath = path;
  let extras: string[] | undefined;
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (KNOWN.has(k) && !((k === 'reason' && d.reason === undefined) || (k === 'access_path' && d.accessPath === undefined))) continue;
    (extras ??= []).push(k);
  }
  if (extras !== undefined) {
    if (extras.length > 1) extras.sort();
    d.extra = extras.map((k) => JSON.stringify(k) + ':' + toJSONText(o[k])).join(',');
  }
  return d;
}

/** An object with non-string keys (rare): the generic accessors. */
function interpretRich(o: RObject): Decision {
  let a = objectGet(o, 'allowed');
  if (a === undefined) a = objectGet(o, 'decision');
  const d: Decision = { allowed: a === true, extra: '' };
  const reason = objectGet(o, 'reason');
  const path = objectGet(o, 'access_path');
  if (typeof reason === 'string') d.reason = reason;
  if (typeof path === 'string') d.accessPath = path;
  let extra = '';
  for (const k of objectKeys(o)) {
    if (typeof k === 'string' && KNOWN.has(k)) {
      if (!((k === 'reason' && d.reason === undefined) || (k === 'access_path' && d.accessPath === undefined))) continue;
    }
    const key = typeof k === 'string' ? k : toJSONText(k);
    extra += (extra ? ',' : '') + JSON.stringify(key) + ':' + toJSONText(objectGet(o, k) as Value);
  }
  d.extra = extra;
  return d;
}
