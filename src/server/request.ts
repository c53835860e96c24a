// Request checks and normalisation for the AuthZEN endpoints. Everything here works in place on
// the object JSON.parse returned: no copies on the hot path.
//
// Aliases (PRODUCT.md §2, API.md §8): for subject and resource, `name` becomes `id` when `id` is
// absent; for subject, resource and action, `attributes` is merged into `properties` (properties
// win) and removed. Validation runs after normalisation and names the offending field.

import type { EvaluationInput } from './types.js';

/** A request problem answered with 400 and `{"error": message}`. */
export type Problem = string;

const hasOwn = Object.prototype.hasOwnProperty;

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for `application/json`, with optional parameters (`; charset=utf-8`), any case. */
export function isJsonContentType(ct: string | undefined): boolean {
  if (ct === undefined) return false;
  if (ct === 'application/json') return true;
  const semi = ct.indexOf(';');
  return (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase() === 'application/json';
}

/**
 * True when the JSON text nests arrays/objects deeper than `max`. A linear scan of the bytes with a
 * counter (no recursion), run before JSON.parse so no later walk can meet a deep value.
 */
export function tooDeep(buf: Uint8Array, max: number): boolean {
  if (buf.length <= max) return false; // each level needs at least one byte
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Applies the aliases to a subject or resource (in place). Non-objects are left for validation. */
function normaliseEntity(e: unknown): void {
  if (!isObj(e)) return;
  if (e.id === undefined && typeof e.name === 'string') e.id = e.name;
  if (e.attributes !== undefined) mergeAttributes(e);
}

function mergeAttributes(e: Record<string, unknown>): void {
  const attrs = e.attributes;
  if (!isObj(attrs)) return; // reported by validation
  const props = e.properties;
  if (props === undefined) e.properties = attrs;
  else if (isObj(props)) e.properties = { ...attrs, ...props };
  else return; // reported by validation
  delete e.attributes;
}

/** Applies the aliases to the entities of one request or batch item (in place). */
export function normalise(req: Record<string, unknown>): void {
  const s = req.subject;
  if (s !== undefined) normaliseEntity(s);
  const r = req.resource;
  if (r !== undefined) normaliseEntity(r);
  const a = req.action;
  if (isObj(a) && a.attributes !== undefined) mergeAttributes(a);
}

/** A complete subject or resource: type, id and optional properties. */
export function checkEntity(e: unknown, what: 'subject' | 'resource'): Problem | undefined {
  if (e === undefined) return `${what} is required`;
  if (!isObj(e)) return `${what} must be an object`;
  const t = e.type;
  if (typeof t !== 'string') return t === undefined ? `${what}.type is required` : `${what}.type must be a string`;
  const id = e.id;
  if (typeof id !== 'string') return id === undefined ? `${what}.id is required` : `${what}.id must be a string`;
  return checkProperties(e, what);
}

export function checkProperties(e: Record<string, unknown>, what: string): Problem | undefined {
  if (e.properties !== undefined && !isObj(e.properties)) return `${what}.properties must be an object`;
  if (e.attributes !== undefined && !isObj(e.attributes)) return `${what}.attributes must be an object`;
  return undefined;
}

/** Validates a normalised evaluation; on success the object is an EvaluationInput. */
export function validate(req: Record<string, unknown>): Problem | undefined {
  return (
    checkEntity(req.subject, 'subject') ??
    checkEntity(req.resource, 'resource') ??
    checkAction(req.action) ??
    (req.context !== undefined && !isObj(req.context) ? 'context must be an object' : undefined)
  );
}

export function checkAction(a: unknown): Problem | undefined {
  if (a === undefined) return 'action is required';
  if (!isObj(a)) return 'action must be an object';
  if (typeof a.name !== 'string') return a.name === undefined ? 'action.name is required' : 'action.name must be a string';
  return checkProperties(a, 'action');
}

export type Semantic = 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit';

export interface Batch {
  items: unknown[];
  semantic: Semantic;
}

/**
 * Reads the batch envelope. Returns a Problem for whole-payload errors, undefined when there is no
 * (or an empty) `evaluations` array — the request is then a single evaluation — or the batch.
 */
export function readBatch(body: Record<string, unknown>): Batch | Problem | undefined {
  const opts = body.options;
  let semantic: Semantic = 'execute_all';
  if (opts !== undefined) {
    if (!isObj(opts)) return 'options must be an object';
    const s = opts.evaluations_semantic;
    if (s !== undefined) {
      if (s !== 'execute_all' && s !== 'deny_on_first_deny' && s !== 'permit_on_first_permit') {
        return 'options.evaluations_semantic must be one of execute_all, deny_on_first_deny, permit_on_first_permit';
      }
      semantic = s;
    }
  }
  const items = body.evaluations;
  if (items === undefined) return undefined;
  if (!Array.isArray(items)) return 'evaluations must be an array';
  if (items.length === 0) return undefined;
  return { items, semantic };
}

/**
 * Builds one batch item's input: each of subject/action/resource/context comes whole from the item
 * when present, else from the top-level defaults (no deep merge, per the AuthZEN certification
 * tests). The item's own entities are normalised here; the defaults were normalised once.
 */
export function mergeItem(
  defaults: Record<string, unknown>,
  item: unknown,
): { input: EvaluationInput } | { problem: Problem } {
  if (!isObj(item)) return { problem: 'evaluation item must be an object' };
  normalise(item);
  const input: Record<string, unknown> = {
    subject: hasOwn.call(item, 'subject') ? item.subject : defaults.subject,
    resource: hasOwn.call(item, 'resource') ? item.resource : defaults.resource,
    action: hasOwn.call(item, 'action') ? item.action : defaults.action,
  };
  const context = hasOwn.call(item, 'context') ? item.context : defaults.context;
  if (context !== undefined) input.context = context;
  const problem = validate(input);
  return problem === undefined ? { input: input as EvaluationInput } : { problem };
}
