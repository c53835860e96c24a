// Hostile request generation (fast-check) and the fuzz driver shared by test/reliability/fuzz.test.ts
// (a slice in `npm test`) and scripts/reliability/fuzz.ts (`npm run fuzz`, 100,000+ requests).
//
// A generated case is a small recipe (kind + choices); its bytes are built only when it is sent, so
// a huge-string or deep-nesting case costs memory for one request at a time. Every answer is
// checked against the Oracle (oracle.ts): the status for every malformed request, and for
// well-formed ones the exact decision of the engine evaluated in this process.

import fc from 'fast-check';
import { Agent as HttpAgent, request } from 'node:http';
import { connect } from 'node:net';
import { Oracle, canonical, maskItemErrors, type Sent } from './oracle.js';

// ---- JSON trees, serialised by hand: raw number texts, duplicate keys, "__proto__" keys ----

export type J = { t: 'raw'; text: string } | { t: 'str'; s: string } | { t: 'arr'; items: J[] } | { t: 'obj'; entries: [string, J][] };

export function jtext(j: J): string {
  switch (j.t) {
    case 'raw':
      return j.text;
    case 'str':
      return JSON.stringify(j.s);
    case 'arr':
      return '[' + j.items.map(jtext).join(',') + ']';
    case 'obj':
      return '{' + j.entries.map(([k, v]) => JSON.stringify(k) + ':' + jtext(v)).join(',') + '}';
  }
}

const str = (s: string): J => ({ t: 'str', s });
const raw = (text: string): J => ({ t: 'raw', text });
const obj = (entries: [string, J][]): J => ({ t: 'obj', entries });

const NUMBERS = ['0', '-0', '1', '-1', '0.1', '5', '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993', '18446744073709551616', '123456789012345678901234567890', '1e308', '1e309', '1e400', '-1e400', '1e-400', '4.9e-324', '1E+2', '2.5e-3'];
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', '', ' ', 'id', 'type'];
const NASTY_STRINGS = ['', ' ', '\u0000', '\ud800', '\udfff', '\ud83d\ude00', '\u2028\u2029', '"', '\\', '</script>', '%s%d', '${x}', '\ufeff', 'a'.repeat(300), 'é', 'DROP TABLE users', 'drop table users; --'];

const keyArb = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...NASTY_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
const stringArb = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 12, unit: 'binary' }), fc.string({ maxLength: 12 }));
const leafArb: fc.Arbitrary<J> = fc.oneof(
  fc.constantFrom(...NUMBERS).map(raw),
  fc.integer().map((n) => raw(String(n))),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => raw(String(n))),
  fc.constantFrom('true', 'false', 'null').map(raw),
  stringArb.map(str),
);
const { anyJ } = fc.letrec<{ anyJ: J }>((tie) => ({
  anyJ: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leafArb },
    { weight: 1, arbitrary: fc.array(tie('anyJ'), { maxLength: 4 }).map((items): J => ({ t: 'arr', items })) },
    { weight: 1, arbitrary: fc.array(fc.tuple(keyArb, tie('anyJ')), { maxLength: 4 }).map(obj) },
  ),
}));

// ---- well-formed requests from the fuzz policy's vocabulary (test/reliability/fixtures/fuzz) ----

const SUBJECT_TYPES = ['user', 'agent', 'anonymous', '__proto__', 'constructor', 'service'];
const SUBJECT_IDS = ['alice', 'bob', 'ai-assistant', 'report-bot', 'constructor', '__proto__', 'toString', 'mallory', 'hasOwnProperty', ''];
const RESOURCE_TYPES = ['document', 'mcp_tool', 'constructor', '*', 'x'];
const RESOURCE_IDS = ['database__query', 'database__execute', 'search__web', 'calendar__read_today', 'calendar__write', 'doc-1', '*', '', '__proto__'];
const ACTIONS = ['read', 'invoke', 'write', '*', '__proto__', 'constructor'];
const SQL = ['DROP TABLE users', 'drop   database prod', 'select 1', 'DROPTABLE x', ''];

const pick = (xs: string[]) => fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...xs) }, { weight: 1, arbitrary: stringArb });

const propsArb: fc.Arbitrary<J> = fc
  .record({
    owner: fc.option(pick(SUBJECT_IDS), { nil: undefined }),
    sql: fc.option(fc.oneof(fc.constantFrom(...SQL).map(str), fc.array(fc.constantFrom(...SQL).map(str), { maxLength: 3 }).map((items): J => ({ t: 'arr', items })), anyJ), { nil: undefined }),
    pub: fc.option(fc.oneof(fc.constantFrom('true', 'false', '"true"', '1').map(raw)), { nil: undefined }),
    extra: fc.array(fc.tuple(keyArb, anyJ), { maxLength: 3 }),
  })
  .map((p) => {
    const e: [string, J][] = [...p.extra];
    if (p.owner !== undefined) e.push(['owner', str(p.owner)]);
    if (p.sql !== undefined) e.push(['sql', p.sql]);
    if (p.pub !== undefined) e.push(['public', p.pub]);
    return obj(e);
  });

const entityArb = (types: string[], ids: string[]) =>
  fc
    .record({
      type: pick(types),
      id: pick(ids),
      useName: fc.boolean(),
      props: fc.option(propsArb, { nil: undefined }),
      attrs: fc.option(propsArb, { nil: undefined }),
      extra: fc.array(fc.tuple(keyArb, anyJ), { maxLength: 2 }),
    })
    .map((r) => {
      const e: [string, J][] = [['type', str(r.type)], [r.useName ? 'name' : 'id', str(r.id)]];
      if (r.props !== undefined) e.push(['properties', r.props]);
      if (r.attrs !== undefined) e.push(['attributes', r.attrs]);
      // unknown keys are ignored, but "id"/"type"/"name"/"properties" among them would change the meaning
      for (const [k, v] of r.extra) if (!['id', 'type', 'name', 'properties', 'attributes'].includes(k)) e.push([k, v]);
      return obj(e);
    });

const actionArb = fc
  .record({ name: pick(ACTIONS), props: fc.option(anyJ, { nil: undefined }), attrs: fc.option(propsArb, { nil: undefined }) })
  .map((r) => {
    const e: [string, J][] = [['name', str(r.name)]];
    if (r.props !== undefined) e.push(['properties', r.props.t === 'obj' ? r.props : obj([['v', r.props]])]);
    if (r.attrs !== undefined) e.push(['attributes', r.attrs]);
    return obj(e);
  });

const contextArb: fc.Arbitrary<J> = fc
  .record({
    risk: fc.option(fc.oneof(fc.constantFrom(...NUMBERS).map(raw), anyJ), { nil: undefined }),
    conflict: fc.option(fc.constantFrom('true', 'false', '"true"').map(raw), { nil: undefined }),
    echo: fc.option(anyJ, { nil: undefined }),
    extra: fc.array(fc.tuple(keyArb, anyJ), { maxLength: 3 }),
  })
  .map((r) => {
    const e: [string, J][] = [...r.extra];
    if (r.risk !== undefined) e.push(['risk', r.risk]);
    if (r.conflict !== undefined) e.push(['conflict', r.conflict]);
    if (r.echo !== undefined) e.push(['echo', r.echo]);
    return obj(e);
  });

const randomRequestArb: fc.Arbitrary<[string, J][]> = fc
  .record({
    subject: entityArb(SUBJECT_TYPES, SUBJECT_IDS),
    resource: entityArb(RESOURCE_TYPES, RESOURCE_IDS),
    action: actionArb,
    context: fc.option(contextArb, { nil: undefined }),
    extra: fc.array(fc.tuple(keyArb, anyJ), { maxLength: 2 }),
  })
  .map((r) => {
    const e: [string, J][] = [['subject', r.subject], ['resource', r.resource], ['action', r.action]];
    if (r.context !== undefined) e.push(['context', r.context]);
    for (const [k, v] of r.extra) if (!['subject', 'resource', 'action', 'context', 'evaluations', 'options'].includes(k)) e.push([k, v]);
    return e;
  });

// Coherent requests: subject, resource and action that the fuzz policy's data relate, so that a
// good share of the answers are allows (the property "no wrong allows" needs allows to check).
const COHERENT: [string, string, string, string, string][] = [
  ['agent', 'ai-assistant', 'mcp_tool', 'database__query', 'invoke'],
  ['agent', 'ai-assistant', 'mcp_tool', 'search__web', 'invoke'],
  ['agent', 'ai-assistant', 'mcp_tool', 'calendar__write', 'invoke'],
  ['agent', 'report-bot', 'document', 'doc-1', 'read'],
  ['user', 'alice', 'document', 'doc-1', 'write'],
  ['user', 'alice', 'mcp_tool', 'database__execute', 'invoke'],
  ['user', 'bob', 'document', 'doc-1', 'read'],
  ['user', 'bob', 'document', 'doc-1', 'write'],
  ['user', 'constructor', 'document', 'x', 'read'],
  ['user', 'toString', 'document', 'x', 'read'],
  ['user', '__proto__', 'mcp_tool', 'calendar__read_today', 'invoke'],
  ['anonymous', 'guest', 'document', 'doc-1', 'read'],
  ['service', 'svc-1', 'document', 'doc-1', 'read'],
];

const coherentArb: fc.Arbitrary<[string, J][]> = fc
  .record({
    c: fc.constantFrom(...COHERENT),
    nameS: fc.boolean(),
    nameR: fc.boolean(),
    owner: fc.boolean(),
    pub: fc.constantFrom('true', 'false', '"true"'),
    sql: fc.option(fc.constantFrom(...SQL), { nil: undefined, freq: 3 }),
    asAttributes: fc.boolean(),
    context: fc.option(fc.record({ echo: anyJ, risk: fc.constantFrom('1', '9007199254740992', '9007199254740993', '1e400', '"9007199254740993"'), conflict: fc.constantFrom('false', 'true', '"true"', 'null') }, { requiredKeys: [] }), { nil: undefined }),
  })
  .map((r) => {
    const [st, sid, rt, rid, act] = r.c;
    const props: [string, J][] = [];
    if (r.owner) props.push(['owner', str(sid)]);
    if (st === 'anonymous') props.push(['public', raw(r.pub)]);
    if (r.sql !== undefined) props.push(['sql', str(r.sql)]);
    const resource: [string, J][] = [['type', str(rt)], [r.nameR ? 'name' : 'id', str(rid)]];
    if (props.length > 0) resource.push([r.asAttributes ? 'attributes' : 'properties', obj(props)]);
    const e: [string, J][] = [
      ['subject', obj([['type', str(st)], [r.nameS ? 'name' : 'id', str(sid)]])],
      ['resource', obj(resource)],
      ['action', obj([['name', str(act)]])],
    ];
    if (r.context !== undefined) {
      const c: [string, J][] = [];
      if (r.context.echo !== undefined) c.push(['echo', r.context.echo]);
      if (r.context.risk !== undefined) c.push(['risk', raw(r.context.risk)]);
      if (r.context.conflict !== undefined) c.push(['conflict', raw(r.context.conflict)]);
      e.push(['context', obj(c)]);
    }
    return e;
  });

const requestArb: fc.Arbitrary<[string, J][]> = fc.oneof({ weight: 1, arbitrary: randomRequestArb }, { weight: 2, arbitrary: coherentArb });

// ---- hostile mutations ----

const WRONG: J[] = [raw('1'), raw('null'), raw('true'), raw('[]'), raw('{}'), raw('"x"'), raw('9007199254740993'), raw('[{"id":"alice"}]')];
const FIELD_PATHS = [['subject'], ['subject', 'type'], ['subject', 'id'], ['subject', 'properties'], ['subject', 'attributes'], ['resource'], ['resource', 'type'], ['resource', 'id'], ['resource', 'properties'], ['action'], ['action', 'name'], ['action', 'properties'], ['context']];

function setPath(entries: [string, J][], path: string[], v: J | undefined): [string, J][] {
  const [head, ...rest] = path;
  const out: [string, J][] = [];
  let found = false;
  for (const [k, val] of entries) {
    if (k !== head) {
      out.push([k, val]);
      continue;
    }
    found = true;
    if (rest.length === 0) {
      if (v !== undefined) out.push([k, v]);
    } else if (val.t === 'obj') out.push([k, obj(setPath(val.entries, rest, v))]);
    else out.push([k, val]);
  }
  if (!found && v !== undefined && rest.length === 0) out.push([head, v]);
  return out;
}

const INVALID_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xfe, 0xfe], [0xc3]];

export type Recipe =
  | { kind: 'valid'; req: [string, J][]; batch: boolean }
  | { kind: 'wrongType'; req: [string, J][]; path: string[]; v: J }
  | { kind: 'missing'; req: [string, J][]; path: string[] }
  | { kind: 'truncated'; req: [string, J][]; at: number }
  | { kind: 'garbage'; bytes: number[] }
  | { kind: 'utf8'; req: [string, J][]; at: number[]; seq: number[] }
  | { kind: 'topLevel'; v: J }
  | { kind: 'deep'; req: [string, J][]; depth: number; open: '[' | '{"a":' }
  | { kind: 'huge'; req: [string, J][]; where: 'subject.id' | 'context'; size: number }
  | { kind: 'dupKeys'; req: [string, J][]; key: string; v: J }
  | { kind: 'batch'; defaults: [string, J][]; items: J[]; semantic: string | undefined }
  | { kind: 'contentType'; req: [string, J][]; ct: string | undefined }
  | { kind: 'method'; req: [string, J][]; method: string }
  | { kind: 'path'; req: [string, J][]; path: string }
  | { kind: 'empty'; ws: string };

const itemArb: fc.Arbitrary<J> = fc.oneof(
  { weight: 3, arbitrary: requestArb.map((e) => obj(e.filter(() => true))) },
  { weight: 2, arbitrary: fc.subarray(['subject', 'resource', 'action', 'context']).chain((keep) => requestArb.map((e) => obj(e.filter(([k]) => keep.includes(k))))) },
  { weight: 1, arbitrary: anyJ },
);

export const recipeArb: fc.Arbitrary<Recipe> = fc.oneof(
  { weight: 30, arbitrary: fc.record({ kind: fc.constant('valid' as const), req: requestArb, batch: fc.boolean() }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('wrongType' as const), req: requestArb, path: fc.constantFrom(...FIELD_PATHS), v: fc.oneof(fc.constantFrom(...WRONG), anyJ) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('missing' as const), req: requestArb, path: fc.constantFrom(...FIELD_PATHS) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('truncated' as const), req: requestArb, at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('garbage' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('utf8' as const), req: requestArb, at: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }), seq: fc.constantFrom(...INVALID_UTF8) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('topLevel' as const), v: fc.oneof(leafArb, fc.array(anyJ, { maxLength: 3 }).map((items): J => ({ t: 'arr', items }))) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deep' as const), req: requestArb, depth: fc.constantFrom(60, 61, 62, 63, 64, 65, 100, 5000, 100_000), open: fc.constantFrom('[' as const, '{"a":' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('huge' as const), req: requestArb, where: fc.constantFrom('subject.id' as const, 'context' as const), size: fc.constantFrom(65_536, 500_000, 1_048_000, 1_048_576, 1_100_000, 3_000_000) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('dupKeys' as const), req: requestArb, key: fc.constantFrom('subject', 'resource', 'action', 'context', '__proto__'), v: fc.oneof(fc.constantFrom(...WRONG), anyJ) }) },
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('batch' as const), defaults: requestArb.chain((e) => fc.subarray(e)), items: fc.array(itemArb, { maxLength: 6 }), semantic: fc.option(fc.constantFrom('execute_all', 'deny_on_first_deny', 'permit_on_first_permit', 'bogus'), { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('contentType' as const), req: requestArb, ct: fc.option(fc.constantFrom('text/plain', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/jsonx', 'application/x-www-form-urlencoded', '', 'application/json;', ' application/json '), { nil: undefined }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('method' as const), req: requestArb, method: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('path' as const), req: requestArb, path: fc.oneof(fc.constantFrom('/access/v1/evaluation/', '/access/v1/Evaluation', '/access/v1/evaluation?x=1', '/access/v1/evaluations?', '/access/v2/evaluation', '/x/__proto__', '/%00', '/..%2f..%2fetc/passwd'), fc.webPath().map((p) => '/x' + p)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('empty' as const), ws: fc.constantFrom('', ' ', '\n', '\r\n\t') }) },
);

/** The request bytes of a recipe. */
export function materialise(r: Recipe): Sent {
  const base = { method: 'POST', path: '/access/v1/evaluation', headers: { 'content-type': 'application/json' } as Record<string, string> };
  const body = (t: string | Buffer) => ({ ...base, body: typeof t === 'string' ? Buffer.from(t, 'utf8') : t });
  switch (r.kind) {
    case 'valid':
      return r.batch ? { ...body(jtext(obj(r.req))), path: '/access/v1/evaluations' } : body(jtext(obj(r.req)));
    case 'wrongType':
      return body(jtext(obj(setPath(r.req, r.path, r.v))));
    case 'missing':
      return body(jtext(obj(setPath(r.req, r.path, undefined))));
    case 'truncated': {
      const t = Buffer.from(jtext(obj(r.req)), 'utf8');
      return body(t.subarray(0, Math.floor(r.at * t.length)));
    }
    case 'garbage':
      return body(Buffer.from(r.bytes));
    case 'utf8': {
      let t = Buffer.from(jtext(obj(r.req)), 'utf8');
      for (const at of r.at) {
        const i = Math.floor(at * t.length);
        t = Buffer.concat([t.subarray(0, i), Buffer.from(r.seq), t.subarray(i)]);
      }
      return body(t);
    }
    case 'topLevel':
      return body(jtext(r.v));
    case 'deep': {
      const close = r.open === '[' ? ']' : '}';
      const nested = r.open.repeat(r.depth) + '1' + close.repeat(r.depth);
      const t = jtext(obj(setPath(r.req, ['context'], obj([['deep', raw('0')]]))));
      return body(t.replace('"deep":0', '"deep":' + nested));
    }
    case 'huge': {
      const marker = '@@HUGE@@';
      const path = r.where === 'subject.id' ? ['subject', 'id'] : ['context'];
      const req = setPath(setPath(r.req, ['subject', 'name'], undefined), path, r.where === 'context' ? obj([['blob', str(marker)]]) : str(marker));
      const t = jtext(obj(req));
      const fill = Math.max(0, r.size - Buffer.byteLength(t) + marker.length);
      return body(t.replace(marker, 'x'.repeat(fill)));
    }
    case 'dupKeys': {
      const e: [string, J][] = [...r.req, [r.key, r.v]];
      return body(jtext(obj(e)));
    }
    case 'batch': {
      const e: [string, J][] = [...r.defaults, ['evaluations', { t: 'arr', items: r.items }]];
      if (r.semantic !== undefined) e.push(['options', obj([['evaluations_semantic', str(r.semantic)]])]);
      return { ...body(jtext(obj(e))), path: '/access/v1/evaluations' };
    }
    case 'contentType': {
      const s = body(jtext(obj(r.req)));
      const headers: Record<string, string> = {};
      if (r.ct !== undefined) headers['content-type'] = r.ct;
      return { ...s, headers };
    }
    case 'method':
      return { ...body(jtext(obj(r.req))), method: r.method };
    case 'path':
      return { ...body(jtext(obj(r.req))), path: r.path };
    case 'empty':
      return body(r.ws);
  }
}

// ---- the driver ----

export interface FuzzStats {
  sent: number;
  /** By recipe kind. */
  kinds: Record<string, number>;
  statuses: Record<string, number>;
  /** 200 answers to well-formed requests compared with the engine's answer. */
  compared: number;
  allowsSeen: number;
  /** Answers that differ from the oracle (status or decision). */
  mismatches: number;
  /** Allowed by the agent where the oracle says deny or a 4xx. */
  wrongAllows: number;
  /** 4xx answers without a JSON `{"error": string}` body, or 5xx. */
  badErrors: number;
  transportErrors: number;
  failures: string[];
}

export function emptyStats(): FuzzStats {
  return { sent: 0, kinds: {}, statuses: {}, compared: 0, allowsSeen: 0, mismatches: 0, wrongAllows: 0, badErrors: 0, transportErrors: 0, failures: [] };
}

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

function send(url: URL, s: Sent, agent: HttpAgent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...s.headers, 'content-length': s.body.length };
    const req = request(
      { host: url.hostname, port: url.port, method: s.method, path: s.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(s.body);
  });
}

/** Checks one answer against the oracle; returns a problem description or undefined. */
export function judge(oracle: Oracle, s: Sent, a: Answer, stats: FuzzStats): string | undefined {
  const exp = oracle.expect(s);
  stats.statuses[a.status] = (stats.statuses[a.status] ?? 0) + 1;
  let parsed: unknown;
  try {
    parsed = JSON.parse(a.body);
  } catch {
    parsed = undefined;
  }
  const saysAllow =
    a.status === 200 && typeof parsed === 'object' && parsed !== null && (JSON.stringify(parsed).includes('"decision":true') || JSON.stringify(parsed).includes('"allowed":true'));
  if (saysAllow) stats.allowsSeen++;
  if (a.status >= 400 && a.status < 500) {
    const ok = parsed !== null && typeof parsed === 'object' && typeof (parsed as { error?: unknown }).error === 'string' && (a.contentType ?? '').startsWith('application/json');
    if (!ok) stats.badErrors++;
    if (!ok) return `4xx without a JSON error body: ${a.status} ${a.body.slice(0, 120)}`;
  } else if (a.status !== 200) {
    stats.badErrors++;
  }
  if (a.status !== exp.status) {
    stats.mismatches++;
    if (saysAllow && !exp.allows) stats.wrongAllows++;
    return `status ${a.status}, expected ${exp.status} (${exp.why}): ${a.body.slice(0, 160)}`;
  }
  if (exp.status === 200) {
    stats.compared++;
    const got = parsed === undefined ? '<not JSON>' : canonical(maskItemErrors(parsed));
    if (got !== exp.body) {
      stats.mismatches++;
      if (saysAllow && !exp.allows) stats.wrongAllows++;
      return `decision differs from the engine's:\n  got      ${got.slice(0, 300)}\n  expected ${exp.body!.slice(0, 300)}`;
    }
  }
  return undefined;
}

function describe(s: Sent): string {
  const b = s.body.length > 300 ? s.body.subarray(0, 300).toString('utf8') + `… (${s.body.length} bytes)` : s.body.toString('utf8');
  return `${s.method} ${s.path} ${JSON.stringify(s.headers)} ${JSON.stringify(b)}`;
}

/**
 * Sends `runs` generated requests (seeded) with `concurrency` keep-alive connections and judges
 * every answer. Never throws on a wrong answer: the caller asserts on the stats.
 */
export async function fuzz(url: string, oracle: Oracle, opts: { runs: number; seed: number; concurrency?: number; onProgress?: (s: FuzzStats) => void }): Promise<FuzzStats> {
  const u = new URL(url);
  const stats = emptyStats();
  const agent = new HttpAgent({ keepAlive: true, maxSockets: opts.concurrency ?? 8 });
  const CHUNK = 500;
  try {
    for (let start = 0; start < opts.runs; start += CHUNK) {
      const recipes = fc.sample(recipeArb, { numRuns: Math.min(CHUNK, opts.runs - start), seed: opts.seed + start });
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < recipes.length) {
          const r = recipes[next++];
          const s = materialise(r);
          stats.sent++;
          stats.kinds[r.kind] = (stats.kinds[r.kind] ?? 0) + 1;
          let a: Answer;
          try {
            a = await send(u, s, agent);
          } catch (e) {
            // Only an oversized body may be cut off (after its 413); anything else is a failure.
            if (s.body.length > 1024 * 1024) {
              stats.statuses['413/reset'] = (stats.statuses['413/reset'] ?? 0) + 1;
              continue;
            }
            stats.transportErrors++;
            if (stats.failures.length < 20) stats.failures.push(`transport error ${(e as Error).message} for ${describe(s)}`);
            continue;
          }
          const problem = judge(oracle, s, a, stats);
          if (problem !== undefined && stats.failures.length < 20) stats.failures.push(`${problem}\n  request: ${describe(s)}`);
        }
      };
      await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
      opts.onProgress?.(stats);
    }
  } finally {
    agent.destroy();
  }
  return stats;
}

// ---- connection-level abuse ----

/**
 * Raw bytes on a fresh connection; resolves with everything the server sent until it closed, or
 * `waitMs` after the last write, or once `until` complete responses have arrived.
 */
export function rawExchange(url: string, chunks: (string | Buffer)[], opts: { gapMs?: number; waitMs?: number; until?: number } = {}): Promise<Buffer> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = connect(Number(u.port), u.hostname);
    const got: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(got));
    };
    sock.on('data', (c: Buffer) => {
      got.push(c);
      if (opts.until !== undefined && splitResponses(Buffer.concat(got)).length >= opts.until) finish();
    });
    sock.on('error', () => undefined);
    sock.on('close', finish);
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (sock.destroyed) break;
        sock.write(c);
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      timer = setTimeout(finish, opts.waitMs ?? 1000);
    });
  });
}

/** Splits a stream of HTTP/1.1 responses (Content-Length framed) into status + body. */
export function splitResponses(stream: Buffer): { status: number; headers: string; body: string }[] {
  const out: { status: number; headers: string; body: string }[] = [];
  let rest = stream;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const head = rest.subarray(0, end).toString('latin1');
    const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (rest.length < end + 4 + len) break;
    out.push({ status: Number(head.slice(9, 12)), headers: head, body: rest.subarray(end + 4, end + 4 + len).toString('utf8') });
    rest = rest.subarray(end + 4 + len);
  }
  return out;
}

/** One request as raw HTTP/1.1 text. */
export function rawRequest(s: Sent, extraHeaders = ''): Buffer {
  const headers = Object.entries(s.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(`${s.method} ${s.path} HTTP/1.1\r\nHost: fuzz\r\n${headers}content-length: ${s.body.length}\r\n${extraHeaders}\r\n`, 'latin1'), s.body]);
}

/** Generated requests (seeded), materialised, for the pipelining and slowloris checks. */
export function sampleRequests(n: number, seed: number, maxBytes = 64 * 1024): Sent[] {
  return fc
    .sample(recipeArb, { numRuns: n * 3, seed })
    .map(materialise)
    .filter((s) => s.body.length <= maxBytes && /^[A-Z]+$/.test(s.method) && !/[\s\u0000-\u001f\u007f-\uffff]/.test(s.path))
    .slice(0, n);
}
