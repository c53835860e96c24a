// The expected answer to any request, worked out from the product contract (PRODUCT.md §2–3)
// independently of src/server: status code for every malformed request, and for well-formed ones
// the decision the engine gives when evaluated directly in this process (same policy files, same
// budget, same input). Used by the fuzzer: every agent answer must equal this.

import { readPolicy } from '../../../src/agent/policy-files.js';
import { compile, type Entrypoint } from '../../../src/rego/index.js';
import { toJSONText, type Value } from '../../../src/rego/value.js';

export const MAX_BODY = 1024 * 1024; // max_body_bytes default (1MiB)
export const MAX_DEPTH = 64; // max_depth default
const EVAL = '/access/v1/evaluation';
const EVALS = '/access/v1/evaluations';

export interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** What the agent must answer: a status, and for 200 the exact JSON body (canonical text). */
export interface Expected {
  status: number;
  /** canonical JSON of the whole body, for 200 */
  body?: string;
  /** true when the expected body allows anything (a decision that says allowed somewhere) */
  allows: boolean;
  /** For batch answers: item indexes that are item errors (message text not compared). */
  why: string;
}

const hasOwn = Object.prototype.hasOwnProperty;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON with sorted keys; own "__proto__" keys kept (JSON.stringify keeps them). */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (isObj(v)) {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  }
  return JSON.stringify(v) ?? 'null';
}

/** Nesting depth of a parsed JSON value, without recursion. */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    for (const c of Array.isArray(v) ? v : Object.values(v)) if (typeof c === 'object' && c !== null) stack.push([c, d + 1]);
  }
  return max;
}

function isJsonType(ct: string | undefined): boolean {
  if (ct === undefined) return false;
  return ct.split(';')[0].trim().toLowerCase() === 'application/json';
}

// ---- the request contract ----

/** `name` → `id` when id is absent; `attributes` merged under `properties` (properties win). */
function normaliseEntity(e: unknown, withName: boolean): void {
  if (!isObj(e)) return;
  if (withName && e.id === undefined && typeof e.name === 'string') e.id = e.name;
  if (e.attributes === undefined || !isObj(e.attributes)) return;
  const attrs = e.attributes;
  if (e.properties === undefined) e.properties = attrs;
  else if (isObj(e.properties)) {
    const merged: Record<string, unknown> = {};
    for (const src of [attrs, e.properties]) {
      for (const k of Object.keys(src)) Object.defineProperty(merged, k, { value: src[k], enumerable: true, writable: true, configurable: true });
    }
    e.properties = merged;
  } else return;
  delete e.attributes;
}

function normalise(req: Record<string, unknown>): void {
  normaliseEntity(req.subject, true);
  normaliseEntity(req.resource, true);
  normaliseEntity(req.action, false);
}

function invalid(req: Record<string, unknown>): string | undefined {
  for (const what of ['subject', 'resource'] as const) {
    const e = req[what];
    if (!isObj(e)) return `${what} missing or not an object`;
    if (typeof e.type !== 'string') return `${what}.type`;
    if (typeof e.id !== 'string') return `${what}.id`;
    if (e.properties !== undefined && !isObj(e.properties)) return `${what}.properties`;
    if (e.attributes !== undefined && !isObj(e.attributes)) return `${what}.attributes`;
  }
  const a = req.action;
  if (!isObj(a)) return 'action';
  if (typeof a.name !== 'string') return 'action.name';
  if (a.properties !== undefined && !isObj(a.properties)) return 'action.properties';
  if (a.attributes !== undefined && !isObj(a.attributes)) return 'action.attributes';
  if (req.context !== undefined && !isObj(req.context)) return 'context';
  return undefined;
}

// ---- the policy contract ----

interface OracleDecision {
  allowed: boolean;
  reason?: string;
  accessPath?: string;
  extras: [string, unknown][];
}

export class Oracle {
  private constructor(
    private readonly decision: Entrypoint | undefined,
    private readonly allow: Entrypoint | undefined,
  ) {}

  /** Compiles the policy folder the way the agent does (its file reader, the default budget). */
  static async load(dir: string, budget = { maxSteps: 1_000_000, maxTimeMs: 100 }): Promise<Oracle> {
    const src = await readPolicy(dir, {});
    const policy = compile(src.modules, { data: src.data, ...budget });
    return new Oracle(policy.entrypoint('vengtoo/authz/decision'), policy.entrypoint('vengtoo/authz/allow'));
  }

  decide(input: Record<string, unknown>): OracleDecision {
    let v: Value | undefined;
    try {
      v = this.decision?.evaluate(input as unknown as Value);
      if (v === undefined) v = this.allow?.evaluate(input as unknown as Value);
    } catch {
      return { allowed: false, reason: 'policy evaluation error', extras: [] };
    }
    if (v === undefined) return { allowed: false, reason: 'no policy decision', extras: [] };
    if (typeof v === 'boolean') return { allowed: v, extras: [] };
    // The fuzz policy's decisions are plain objects (string keys); anything else is not expected here.
    if (!isObj(v) || ![null, Object.prototype].includes(Object.getPrototypeOf(v))) return { allowed: false, reason: 'invalid policy decision', extras: [] };
    const o = v as Record<string, Value>;
    const a = hasOwn.call(o, 'allowed') ? o.allowed : hasOwn.call(o, 'decision') ? o.decision : undefined;
    const d: OracleDecision = { allowed: a === true, extras: [] };
    if (typeof o.reason === 'string' && hasOwn.call(o, 'reason')) d.reason = o.reason;
    if (typeof o.access_path === 'string' && hasOwn.call(o, 'access_path')) d.accessPath = o.access_path;
    for (const k of Object.keys(o)) {
      if (k === 'allowed' || k === 'decision') continue;
      if (k === 'reason' && d.reason !== undefined) continue;
      if (k === 'access_path' && d.accessPath !== undefined) continue;
      d.extras.push([k, JSON.parse(toJSONText(o[k]))]);
    }
    return d;
  }

  /** The answer to one request. */
  expect(s: Sent): Expected {
    const path = s.path.split('?')[0];
    if (path !== EVAL && path !== EVALS) return { status: 404, allows: false, why: 'unknown path' };
    if (s.method !== 'POST') return { status: 405, allows: false, why: 'method' };
    const ct = Object.entries(s.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
    if (!isJsonType(ct)) return { status: 400, allows: false, why: 'content type' };
    if (s.body.length > MAX_BODY) return { status: 413, allows: false, why: 'too large' };
    if (s.body.length === 0) return { status: 400, allows: false, why: 'empty' };
    let body: unknown;
    try {
      body = JSON.parse(s.body.toString('utf8'));
    } catch {
      return { status: 400, allows: false, why: 'malformed JSON' };
    }
    if (depthOf(body) > MAX_DEPTH) return { status: 400, allows: false, why: 'too deep' };
    if (!isObj(body)) return { status: 400, allows: false, why: 'not an object' };
    if (path === EVALS) {
      const batch = this.batch(body);
      if (batch !== undefined) return batch;
    }
    normalise(body);
    const why = invalid(body);
    if (why !== undefined) return { status: 400, allows: false, why };
    const d = this.decide(body);
    const ctx: Record<string, unknown> = {};
    const out: Record<string, unknown> = { decision: d.allowed, allowed: d.allowed };
    if (d.reason !== undefined) out.reason = ctx.reason = d.reason;
    if (d.accessPath !== undefined) out.access_path = ctx.access_path = d.accessPath;
    for (const [k, v] of d.extras) Object.defineProperty(ctx, k, { value: v, enumerable: true, writable: true, configurable: true });
    out.context = ctx;
    return { status: 200, body: canonical(out), allows: d.allowed, why: 'decision' };
  }

  /** Batch semantics (API.md): defaults at the top, items override whole fields, stop rules. */
  private batch(body: Record<string, unknown>): Expected | undefined {
    const opts = body.options;
    let semantic = 'execute_all';
    if (opts !== undefined) {
      if (!isObj(opts)) return { status: 400, allows: false, why: 'options' };
      const sem = opts.evaluations_semantic;
      if (sem !== undefined) {
        if (sem !== 'execute_all' && sem !== 'deny_on_first_deny' && sem !== 'permit_on_first_permit') return { status: 400, allows: false, why: 'semantic' };
        semantic = sem;
      }
    }
    const items = body.evaluations;
    if (items === undefined) return undefined;
    if (!Array.isArray(items)) return { status: 400, allows: false, why: 'evaluations' };
    if (items.length === 0) return undefined;
    normalise(body);
    const out: unknown[] = [];
    let allows = false;
    for (const item of items) {
      let allowed = false;
      if (!isObj(item)) out.push(ITEM_ERROR);
      else {
        normalise(item);
        const input: Record<string, unknown> = {};
        for (const k of ['subject', 'resource', 'action'] as const) input[k] = hasOwn.call(item, k) ? item[k] : body[k];
        const context = hasOwn.call(item, 'context') ? item.context : body.context;
        if (context !== undefined) input.context = context;
        if (invalid(input) !== undefined) out.push(ITEM_ERROR);
        else {
          const d = this.decide(input);
          allowed = d.allowed;
          if (d.reason === undefined) out.push({ decision: d.allowed });
          else {
            const ctx: Record<string, unknown> = { reason: d.reason };
            if (d.accessPath !== undefined) ctx.access_path = d.accessPath;
            for (const [k, v] of d.extras) Object.defineProperty(ctx, k, { value: v, enumerable: true, writable: true, configurable: true });
            out.push({ decision: d.allowed, context: ctx });
          }
        }
      }
      allows ||= allowed;
      if (allowed ? semantic === 'permit_on_first_permit' : semantic === 'deny_on_first_deny') break;
    }
    return { status: 200, body: canonical({ evaluations: out }), allows, why: 'batch' };
  }
}

/** Stands for an item error in a batch; its message text is not compared. */
export const ITEM_ERROR = { decision: false, context: { error: { status: 400, message: '<any>' } } };

/** A batch answer with item error messages replaced by '<any>', for comparison with Expected.body. */
export function maskItemErrors(v: unknown): unknown {
  if (isObj(v) && Array.isArray(v.evaluations)) {
    return {
      ...v,
      evaluations: v.evaluations.map((it) => {
        if (isObj(it) && isObj(it.context) && isObj(it.context.error) && typeof it.context.error.message === 'string') {
          return { ...it, context: { ...it.context, error: { ...it.context.error, message: '<any>' } } };
        }
        return it;
      }),
    };
  }
  return v;
}
