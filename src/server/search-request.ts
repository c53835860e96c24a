// Search requests (AuthZEN 1.0 §4, docs/search.md): validation per endpoint, the request hash and
// the page token.
//
// Which entities must be complete depends on the endpoint: the searched-for entity needs only
// `type` (an `id` on it is ignored, also by the hash), the others need `type` and `id`; action
// search takes no `action`. Aliases (`name` → `id`, `attributes` → `properties`) apply as for
// evaluations, before validation.
//
// A page token is base64url("v1.<position>.<revision tag>.<request hash>"): the position of the
// next candidate to examine, a tag of the policy revision the candidates came from, and a hash of
// the request without `page.token`. It is bound to nothing local to this process, so replicas of
// the agent serving the same policy revision accept each other's tokens.

import { createHash } from 'node:crypto';
import { checkAction, checkEntity, checkProperties, isObj, normalise, type Problem } from './request.js';
import type { Action, Entity } from './types.js';

export type SearchKind = 'subject' | 'resource' | 'action';

/** The searched-for entity: a type, and request properties that win over stored ones. */
export interface SearchedEntity {
  type: string;
  properties?: Record<string, unknown>;
}

export interface SearchRequest {
  kind: SearchKind;
  /** Searched for in subject search, else complete. */
  subject: Entity | SearchedEntity;
  resource: Entity | SearchedEntity;
  /** Absent in action search. */
  action?: Action;
  context?: Record<string, unknown>;
  /** Present when the request has `page` (the response then has `page` too). */
  page?: {
    token?: string;
    /** undefined (or 0 in the request): no limit. */
    limit?: number;
  };
  /** Hash of everything that must stay the same while paging. */
  hash: string;
}

/** The entity searched for: only its type is needed. */
function searched(e: unknown, what: 'subject' | 'resource'): Problem | undefined {
  if (e === undefined) return `${what} is required (with its type)`;
  if (!isObj(e)) return `${what} must be an object`;
  if (typeof e.type !== 'string') return e.type === undefined ? `${what}.type is required` : `${what}.type must be a string`;
  return checkProperties(e, what);
}

/** Validates and reads a search request (normalised in place); a Problem is answered with 400. */
export function readSearch(kind: SearchKind, body: Record<string, unknown>): SearchRequest | Problem {
  normalise(body);
  const p =
    (kind === 'subject' ? searched(body.subject, 'subject') : checkEntity(body.subject, 'subject')) ??
    (kind === 'resource' ? searched(body.resource, 'resource') : checkEntity(body.resource, 'resource'));
  if (p !== undefined) return p;
  let action: Action | undefined;
  if (kind !== 'action') {
    const ap = checkAction(body.action);
    if (ap !== undefined) return ap;
    action = body.action as Action;
  }
  const context = body.context;
  if (context !== undefined && !isObj(context)) return 'context must be an object';

  let page: SearchRequest['page'];
  let pageProperties: unknown;
  let limit: number | undefined;
  if (body.page !== undefined) {
    const pg = body.page;
    if (!isObj(pg)) return 'page must be an object';
    if (pg.token !== undefined && typeof pg.token !== 'string') return 'page.token must be a string';
    if (pg.limit !== undefined && !(typeof pg.limit === 'number' && Number.isSafeInteger(pg.limit) && pg.limit >= 0)) {
      return 'page.limit must be a non-negative integer';
    }
    if (pg.properties !== undefined && !isObj(pg.properties)) return 'page.properties must be an object';
    limit = pg.limit as number | undefined;
    pageProperties = pg.properties;
    page = {};
    if (pg.token !== undefined && pg.token !== '') page.token = pg.token as string;
    if (limit !== undefined && limit > 0) page.limit = limit;
  }

  const subject = kind === 'subject' ? searchedOnly(body.subject as Record<string, unknown>) : (body.subject as Entity);
  const resource = kind === 'resource' ? searchedOnly(body.resource as Record<string, unknown>) : (body.resource as Entity);
  const req: SearchRequest = { kind, subject, resource, hash: '' };
  if (action !== undefined) req.action = action;
  if (context !== undefined) req.context = context as Record<string, unknown>;
  if (page !== undefined) req.page = page;
  // Everything the results depend on, and page.limit / page.properties (AuthZEN: identical while paging).
  req.hash = digest(
    canonical({ kind, subject, resource, action, context, limit, page_properties: pageProperties } as unknown),
  ).toString('base64url', 0, 16);
  return req;
}

/** The searched-for entity without its id (ignored, per AuthZEN) or unknown fields. */
function searchedOnly(e: Record<string, unknown>): SearchedEntity {
  const out: SearchedEntity = { type: e.type as string };
  if (e.properties !== undefined) out.properties = e.properties as Record<string, unknown>;
  return out;
}

/** JSON with object keys sorted at every level; undefined members are left out. */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  const o = v as Record<string, unknown>;
  let s = '';
  for (const k of Object.keys(o).sort()) {
    if (o[k] === undefined) continue;
    s += (s ? ',' : '') + JSON.stringify(k) + ':' + canonical(o[k]);
  }
  return '{' + s + '}';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A short tag of a policy revision (revisions may be long; only equality matters). */
export function revisionTag(revision: string): string {
  return digest(revision).toString('base64url', 0, 9);
}

export function encodeToken(position: number, revision: string, hash: string): string {
  return Buffer.from(`v1.${position}.${revisionTag(revision)}.${hash}`, 'utf8').toString('base64url');
}

/**
 * The position a page token resumes at, or a Problem (400) saying why it cannot be used: not one
 * of ours, issued for another request, or issued before the policy changed.
 */
export function decodeToken(token: string, req: SearchRequest, revision: string, candidates: number): number | Problem {
  const parts = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString('utf8').split('.') : [];
  const pos = parts.length === 4 && parts[0] === 'v1' && /^(0|[1-9]\d{0,15})$/.test(parts[1]) ? Number(parts[1]) : -1;
  const forged = 'page.token is not a page token issued by this search API; send the next_token of the previous response unchanged';
  if (pos < 0) return forged;
  if (parts[3] !== req.hash) {
    return 'page.token was issued for a different request: while paging, every field except page.token (including page.limit) must stay the same; start again without page.token';
  }
  if (parts[2] !== revisionTag(revision)) {
    return 'page.token was issued for an earlier version of the policy (it has changed since); start the search again without page.token';
  }
  if (pos > candidates) return forged;
  return pos;
}
