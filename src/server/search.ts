// The AuthZEN search APIs (1.0 §4; docs/search.md): POST /access/v1/search/{subject,resource,action}.
//
// A search takes the known candidates of the searched-for kind from the policy's SearchSource (in
// a stable order), runs each through the same prepared decision as /access/v1/evaluation, and
// returns the allowed ones. With `page.limit` it stops at the limit and hands out a page token;
// without, it returns everything. Two budgets bound the work: `search_max_candidates` per request
// and `search_timeout`. A search yields to the event loop every SLICE_MS so that decisions keep
// being served meanwhile, and stops when its client goes away.

import type { Logger } from 'pino';
import { quote } from './json.js';
import type { AgentMetrics } from './metrics.js';
import { renderError } from './render.js';
import { decodeToken, encodeToken, readSearch, type SearchKind, type SearchRequest, type SearchedEntity } from './search-request.js';
import type { AgentState, Candidates, Decide, Decision, Entity, EvaluationInput, SearchSource } from './types.js';

export type { SearchKind } from './search-request.js';

export const SEARCH_DEFAULTS = { maxCandidates: 100_000, timeoutMs: 2_000 };

/** Longest stretch a search runs before letting other requests in. */
const SLICE_MS = 4;

export interface SearchOptions {
  state: AgentState;
  logger: Logger;
  metrics: AgentMetrics;
  /** Most candidates one request may examine. */
  maxCandidates: number;
  /** Longest a request may take, in ms. */
  timeoutMs: number;
}

export interface SearchReply {
  status: number;
  /** Results are UTF-8 bytes copied from a precomputed list (see resultList); errors are text. */
  body: string | Buffer;
  /** Extra response headers as name, value pairs. */
  headers?: string[];
}

/** The candidates of one search, in order, and how to build the decision input for each. */
interface Plan {
  count: number;
  input: (i: number) => EvaluationInput;
  /** The response: `head`, the JSON of the results at these positions (ascending), comma-separated, and `tail`. */
  render: (positions: readonly number[], head: string, tail: string) => Buffer;
}

const EMPTY_PLAN: Plan = { count: 0, input: () => undefined as never, render: (_, head, tail) => Buffer.from(head + tail) };

const reply = (status: number, message: string, headers?: string[]): SearchReply => ({ status, body: renderError(message), headers });

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class SearchHandler {
  constructor(private readonly o: SearchOptions) {}

  /** Answers one search; undefined when the client went away before the answer. */
  async handle(kind: SearchKind, body: Record<string, unknown>, requestId: string, aborted: () => boolean): Promise<SearchReply | undefined> {
    const t0 = performance.now();
    const req = readSearch(kind, body);
    if (typeof req === 'string') return reply(400, req);
    const source = this.o.state.search;
    if (source === undefined) return reply(503, 'no policy loaded yet', ['retry-after', '1']);

    let plan: Plan;
    try {
      plan = planFor(req, source);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.o.logger.error({ request_id: requestId, error: message }, 'search: the policy\'s entities cannot be read');
      return reply(500, `search unavailable: ${message}`);
    }

    let pos = 0;
    const token = req.page?.token;
    if (token !== undefined) {
      const p = decodeToken(token, req, source.revision, plan.count);
      if (typeof p === 'string') return reply(400, p);
      pos = p;
    }
    const limit = req.page?.limit;
    const max = this.o.maxCandidates;
    if (limit === undefined && plan.count - pos > max) {
      return reply(
        400,
        `search would examine ${plan.count - pos} candidates, more than search_max_candidates (${max}); page through the results with page.limit`,
      );
    }

    const scan: Scan = { pos, examined: 0, errors: 0, firstError: undefined, full: false, results: [], outOfTime: false, stride: 1, clockAt: t0 };
    const deadline = t0 + this.o.timeoutMs;
    // The candidates' inputs differ only in the searched part: the rest of the policy is computed once.
    const decide = source.session(req.kind);
    for (;;) {
      const sliceEnd = Math.min(performance.now() + SLICE_MS, deadline);
      if (scanSlice(plan, decide, this.o.metrics, scan, limit, max, sliceEnd)) break;
      if (performance.now() >= deadline) {
        scan.outOfTime = scan.pos < plan.count;
        break;
      }
      await tick();
      if (aborted()) return undefined;
    }
    pos = scan.pos;
    const { examined, errors, firstError, results, outOfTime } = scan;
    if (errors > 0) {
      const error = firstError instanceof Error ? firstError.message : String(firstError);
      this.o.logger.error({ request_id: requestId, error, candidates_failed: errors }, 'policy evaluation error during search (those candidates are left out)');
    }
    if (outOfTime && limit === undefined) {
      return reply(
        503,
        `search did not finish within search_timeout (${this.o.timeoutMs} ms): ${examined} of ${plan.count} candidates examined; page through the results with page.limit`,
      );
    }

    if (req.page === undefined) return { status: 200, body: plan.render(results, '{"results":[', ']}') };
    const next = pos < plan.count ? encodeToken(pos, source.revision, req.hash) : '';
    const head = '{"page":{"next_token":' + quote(next) + ',"count":' + results.length + '},"results":[';
    return { status: 200, body: plan.render(results, head, ']}') };
  }
}

/** Where a search stands between slices. */
interface Scan {
  pos: number;
  examined: number;
  errors: number;
  firstError: unknown;
  /** The page is full: the scan goes on only to find the next allowed candidate (the token). */
  full: boolean;
  /** Positions of the allowed candidates. */
  results: number[];
  outOfTime: boolean;
  /** Candidates between two readings of the clock (see scanSlice), and the last reading. */
  stride: number;
  clockAt: number;
}

/**
 * The clock is read about every CLOCK_MS, not after every candidate: a reading cost 0.1–0.2 µs
 * here, a fifth to a third of what a candidate of the starter policy costs.
 */
const CLOCK_MS = 0.05;
const MAX_STRIDE = 64;

/**
 * Examines candidates until the search ends (true) or the slice's time is up (false). A plain
 * function, not part of the async handler, so the loop runs as ordinary optimised code.
 *
 * Once the page is full it looks ahead for the next allowed candidate: the token then points at
 * it, so a non-empty next_token always leads to a non-empty page (and "" comes as soon as nothing
 * is left). That costs one extra evaluation per page.
 */
function scanSlice(plan: Plan, decide: Decide, metrics: AgentMetrics, s: Scan, limit: number | undefined, max: number, sliceEnd: number): boolean {
  const count = plan.count;
  const results = s.results;
  let left = s.stride;
  while (s.pos < count) {
    if (s.examined === max) return true; // only reached with a limit (checked before the scan)
    const i = s.pos;
    const d: Decision = decide(plan.input(i));
    s.pos++;
    s.examined++;
    if (d.error !== undefined) {
      if (s.errors++ === 0) s.firstError = d.error;
      metrics.recordEvaluationError(d.error);
    } else if (d.allowed) {
      if (s.full) {
        s.pos = i;
        return true;
      }
      results.push(i);
      s.full = results.length === limit;
    }
    if (--left === 0) {
      const now = performance.now();
      if (now >= sliceEnd) return false;
      // The stride doubles while readings come sooner than CLOCK_MS apart and halves when later,
      // so a slow policy still has the clock read after every candidate.
      s.stride = now - s.clockAt < CLOCK_MS ? Math.min(s.stride * 2, MAX_STRIDE) : Math.max(s.stride >> 1, 1);
      s.clockAt = now;
      left = s.stride;
    }
  }
  return true;
}

/** The candidates for a request: known entities of the searched type, or action names. */
function planFor(req: SearchRequest, source: SearchSource): Plan {
  const { subject, resource, action, context } = req;
  const make =
    context === undefined
      ? (s: Entity, r: Entity, a: EvaluationInput['action']): EvaluationInput => ({ subject: s, resource: r, action: a })
      : (s: Entity, r: Entity, a: EvaluationInput['action']): EvaluationInput => ({ subject: s, resource: r, action: a, context });

  if (req.kind === 'action') {
    const s = given(source, 'subject', subject as Entity);
    const r = given(source, 'resource', resource as Entity);
    if (s === undefined || r === undefined) return EMPTY_PLAN;
    const names = source.actions(r.type);
    return {
      count: names.length,
      input: (i) => make(s, r, { name: names[i] }),
      render: (positions, head, tail) => Buffer.from(head + positions.map((i) => '{"name":' + quote(names[i]) + '}').join(',') + tail),
    };
  }

  const searchedKind = req.kind;
  const other = given(source, searchedKind === 'subject' ? 'resource' : 'subject', (searchedKind === 'subject' ? resource : subject) as Entity);
  if (other === undefined) return EMPTY_PLAN;
  const wanted = (searchedKind === 'subject' ? subject : resource) as SearchedEntity;
  const c = source.entities(searchedKind, wanted.type);
  if (c === undefined) return EMPTY_PLAN;
  const { ids, properties } = c;
  const type = wanted.type;
  const sent = wanted.properties;
  const entity =
    sent === undefined
      ? storedEntities(c, type)
      : (i: number): Entity => {
          const props = merged(properties[i], sent);
          return props === undefined ? { type, id: ids[i] } : { type, id: ids[i], properties: props };
        };
  const all = resultList(c, type);
  const render = (positions: readonly number[], head: string, tail: string): Buffer => slices(all, positions, head, tail);
  const a = action as EvaluationInput['action'];
  return searchedKind === 'subject'
    ? { count: ids.length, input: (i) => make(entity(i), other, a), render }
    : { count: ids.length, input: (i) => make(other, entity(i), a), render };
}

/**
 * The candidates as entities with their stored properties, made on first use and kept with the
 * candidate list (inputs are never modified by evaluation): a search that sends no properties of
 * its own then builds only each candidate's outer input object.
 */
const entityLists = new WeakMap<Candidates, (i: number) => Entity>();
function storedEntities(c: Candidates, type: string): (i: number) => Entity {
  let at = entityLists.get(c);
  if (at !== undefined) return at;
  const list: Entity[] = c.ids.map((id, i) => {
    const props = c.properties[i];
    return props === undefined ? { type, id } : { type, id, properties: props };
  });
  at = (i) => list[i];
  entityLists.set(c, at);
  return at;
}

/** Every candidate's result JSON, comma-separated, as UTF-8, and where each starts. */
interface ResultList {
  bytes: Buffer;
  /** starts[i] = byte offset of candidate i's result; starts[count] = bytes.length + 1. */
  starts: Int32Array;
}

/**
 * The result list of all candidates, built once per candidate list (which lives as long as its
 * policy). A response is then a copy of one byte range of it per run of consecutive allowed
 * candidates, with no string to join, flatten or encode: V8's join of 10,000 short strings took
 * about 0.8 ms, and measuring and encoding the joined text about as much again.
 */
const resultLists = new WeakMap<Candidates, ResultList>();
function resultList(c: Candidates, type: string): ResultList {
  let r = resultLists.get(c);
  if (r !== undefined) return r;
  const prefix = '{"type":' + quote(type) + ',"id":';
  const parts: string[] = new Array(c.ids.length);
  const starts = new Int32Array(c.ids.length + 1);
  let at = 0;
  for (let i = 0; i < c.ids.length; i++) {
    parts[i] = prefix + quote(c.ids[i]) + '}';
    starts[i] = at;
    at += Buffer.byteLength(parts[i]) + 1;
  }
  starts[c.ids.length] = at;
  r = { bytes: Buffer.from(parts.join(',')), starts };
  resultLists.set(c, r);
  return r;
}

/** `head`, the results at `positions` (ascending) — one copied range per run of consecutive ones — and `tail`. */
function slices(all: ResultList, positions: readonly number[], head: string, tail: string): Buffer {
  const { bytes, starts } = all;
  // Ranges first, to size the buffer: [from, to) per run.
  const ranges: number[] = [];
  let size = Buffer.byteLength(head) + Buffer.byteLength(tail);
  for (let i = 0; i < positions.length; ) {
    const first = positions[i];
    let last = first;
    while (++i < positions.length && positions[i] === last + 1) last++;
    const from = starts[first];
    const to = starts[last + 1] - 1;
    ranges.push(from, to);
    size += to - from + (ranges.length > 2 ? 1 : 0);
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write(head, 0);
  for (let j = 0; j < ranges.length; j += 2) {
    if (j > 0) out[at++] = 0x2c; // ','
    at += bytes.copy(out, at, ranges[j], ranges[j + 1]);
  }
  at += out.write(tail, at);
  // Exactly the bytes written: nothing of the uninitialised allocation may reach a client.
  return at === size ? out : out.subarray(0, at);
}

/**
 * A complete (given) entity as the policy sees it in a search. Of a kind the policy lists, it must
 * be one of those listed — an unknown type or id finds nothing (AuthZEN: `{"results": []}`),
 * whatever a permissive rule would say — and it gets its stored properties like a candidate does,
 * request properties winning, so that the three searches agree (docs/search.md).
 */
function given(source: SearchSource, kind: 'subject' | 'resource', e: Entity): Entity | undefined {
  if (!source.lists(kind)) return e;
  const c = source.entities(kind, e.type);
  const i = c === undefined ? -1 : c.indexOf(e.id);
  if (i === -1) return undefined;
  const stored = (c as Candidates).properties[i];
  return stored === undefined ? e : { ...e, properties: merged(stored, e.properties) };
}

function merged(stored: Record<string, unknown> | undefined, sent: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return sent === undefined ? stored : stored === undefined ? sent : { ...stored, ...sent };
}
