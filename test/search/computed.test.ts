// Entities computed by rules and actions taken from the policy text (fixtures/computed), on the
// real agent; then the search source in process: the action-constant walk, the shapes the
// entities document may take, and a document that fails to evaluate.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { actionConstants, makeSearchSource } from '../../src/agent/search.js';
import { compile, parseModule, type Value } from '../../src/rego/index.js';
import { AgentMetrics } from '../../src/server/metrics.js';
import { AgentServer } from '../../src/server/server.js';
import type { AgentState, Decide } from '../../src/server/types.js';
import { post, startAgent, type AgentProcess } from '../agent/helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'computed');
/** An entities document whose evaluation fails (two values for one complete rule). */
const CONFLICT = 'subjects := {"user": {}} if data.n == 1\nsubjects := {"group": {}} if data.n == 1\n';

describe('entities computed by rules, actions from the policy text (HTTP)', () => {
  let agent: AgentProcess;
  before(async () => {
    agent = await startAgent(['--policy', FIXTURE]);
  });
  after(async () => {
    assert.equal(await agent.stop(), 0);
  });

  const results = async (kind: string, body: unknown) => {
    const r = await post(`${agent.url}/access/v1/search/${kind}`, body);
    assert.equal(r.status, 200, r.body);
    return r.json().results as Record<string, string>[];
  };
  const user = (id: string) => ({ type: 'user', id });
  const file = (id: string) => ({ type: 'file', id });

  it('action search offers the constants compared with input.action.name, and keeps the allowed ones', async () => {
    // alice: reads f1 (team a), writes and shares what she owns (f1, f3).
    assert.deepEqual(await results('action', { subject: user('alice'), resource: file('f1') }), [{ name: 'read' }, { name: 'share' }, { name: 'write' }]);
    assert.deepEqual(await results('action', { subject: user('alice'), resource: file('f2') }), []);
    assert.deepEqual(await results('action', { subject: user('auditor'), resource: file('f2') }), [{ name: 'audit' }]);
  });

  it('resource search walks a computed set of ids', async () => {
    const ids = async (action: string) => (await results('resource', { subject: user('alice'), action: { name: action }, resource: { type: 'file' } })).map((r) => r.id);
    assert.deepEqual(await ids('write'), ['f1', 'f3']);
    assert.deepEqual(await ids('read'), ['f1']);
  });

  it('subject search passes computed properties', async () => {
    // f3 belongs to team b: only bob's computed team matches.
    const rs = await results('subject', { subject: { type: 'user' }, action: { name: 'read' }, resource: file('f3') });
    assert.deepEqual(rs, [{ type: 'user', id: 'bob' }]);
  });
});

describe('actionConstants', () => {
  const names = (source: string) => actionConstants([parseModule('package p\n' + source, 'p.rego')]);

  it('finds ==, =, in with a set or array, either side, negated or not, in functions, else and comprehensions', () => {
    const src = `
import input.action as act
import input as req
allow if input.action.name == "a"
allow if "b" == input["action"]["name"]
allow if input.action.name = "c"
allow if input.action.name in {"d", "e"}
allow if { not input.action.name in ["f"] }
allow if act.name == "g"
allow if req.action.name == "h"
f(x) := 1 if { x; input.action.name == "i" } else := 2 if input.action.name == "j"
xs := [n | some n in ["k"]; input.action.name == "l"]
`;
    assert.deepEqual(names(src), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'l']);
  });

  it('ignores other comparisons, other refs, data-driven names and non-strings', () => {
    const src = `
allow if input.action.name != "x"
allow if input.action.kind == "y"
allow if input.subject.name == "z"
allow if input.action.name == data.names[0]
allow if input.action.name in data.grants
allow if input.action.name == 5
allow if startswith(input.action.name, "w")
allow if input.action.name in {"ok": 1}
`;
    assert.deepEqual(names(src), []);
  });
});

describe('makeSearchSource', () => {
  const decide: Decide = () => ({ allowed: true, extra: '' });
  const source = (rego: string, data: Record<string, unknown> = {}) =>
    makeSearchSource(compile([{ file: 'e.rego', source: 'package vengtoo.entities\n' + rego }], { data: data as Value }), decide, 'r1');

  it('reads objects of properties, sets and arrays of ids, in Rego order', () => {
    const s = source(`
subjects := {"user": {"b": {"x": {1, 2}}, "a": true, "c": {"k": "v"}}, "group": {"g2", "g1"}}
resources := {"doc": ["d2", "d1", "d2", 7]}
`);
    const users = s.entities('subject', 'user')!;
    assert.deepEqual(users.ids, ['a', 'b', 'c']);
    // a set becomes a JSON array; a non-object value means no properties
    assert.deepEqual(users.properties.map((p) => p && { ...p }), [undefined, { x: [1, 2] }, { k: 'v' }]);
    assert.equal(users.indexOf('c'), 2);
    assert.equal(users.indexOf('z'), -1);
    assert.deepEqual(s.entities('subject', 'group')!.ids, ['g1', 'g2']);
    assert.deepEqual(s.entities('resource', 'doc')!.ids, ['d1', 'd2']);
    assert.equal(s.entities('resource', 'nope'), undefined);
    assert.equal(s.lists('subject'), true);
    assert.equal(s.revision, 'r1');
  });

  it('actions: the resource type, else "*", else nothing; arrays, sets or object keys', () => {
    const s = source(`actions := {"doc": {"write", "read"}, "*": ["view", "view"], "tool": {"invoke": {}}}`);
    assert.deepEqual(s.actions('doc'), ['read', 'write']);
    assert.deepEqual(s.actions('folder'), ['view']);
    assert.deepEqual(s.actions('tool'), ['invoke']);
    assert.deepEqual(source(`actions := {"doc": ["read"]}`).actions('folder'), []);
    assert.equal(source(`actions := {}`).lists('resource'), false);
  });

  it('without entities: nothing is listed, and actions come from the policy text', () => {
    const policy = compile([{ file: 'p.rego', source: 'package vengtoo.authz\nallow if input.action.name == "go"' }]);
    const s = makeSearchSource(policy, decide, 'r');
    assert.equal(s.lists('subject'), false);
    assert.equal(s.entities('resource', 'doc'), undefined);
    assert.deepEqual(s.actions('doc'), ['go']);
  });

  it('an entities document that fails to evaluate throws a clear error, every time', () => {
    const s = source(CONFLICT, { n: 1 });
    for (let i = 0; i < 2; i++) assert.throws(() => s.entities('subject', 'user'), /^Error: evaluating data\.vengtoo\.entities failed: .*conflict/i);
    assert.throws(() => s.actions('doc'), /evaluating data\.vengtoo\.entities failed/);
  });
});

describe('search without a usable entities document (server in process)', () => {
  it('answers 500 with the reason, and the log says why', async () => {
    const logs: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void logs.push(l) });
    const policy = compile([{ file: 'e.rego', source: 'package vengtoo.entities\n' + CONFLICT }], { data: { n: 1 } });
    const decide: Decide = () => ({ allowed: true, extra: '' });
    const state: AgentState = { mode: 'local', decide, search: makeSearchSource(policy, decide, 'r'), revision: 'r', lastSync: 0, degraded: false, startedAt: 0 };
    const server = new AgentServer({ state, metrics: new AgentMetrics({ defaultMetrics: false }), logger, maxBodyBytes: 1 << 20, maxDepth: 64, version: 't' });
    const addr = await server.listen('127.0.0.1', 0);
    try {
      const r = await post(`http://127.0.0.1:${addr.port}/access/v1/search/subject`, { subject: { type: 'user' }, action: { name: 'a' }, resource: { type: 'r', id: 'x' } });
      assert.equal(r.status, 500);
      assert.match(r.json().error, /^search unavailable: evaluating data\.vengtoo\.entities failed: /);
      assert.ok(logs.some((l) => l.includes("the policy's entities cannot be read")));
    } finally {
      await server.close(1000);
    }
  });

  it('answers 503 before a policy is loaded', async () => {
    const logger = pino({ level: 'silent' });
    const state: AgentState = { mode: 'local', decide: undefined, revision: '', lastSync: 0, degraded: false, startedAt: 0 };
    const server = new AgentServer({ state, metrics: new AgentMetrics({ defaultMetrics: false }), logger, maxBodyBytes: 1 << 20, maxDepth: 64, version: 't' });
    const addr = await server.listen('127.0.0.1', 0);
    try {
      const r = await post(`http://127.0.0.1:${addr.port}/access/v1/search/action`, { subject: { type: 'u', id: 'a' }, resource: { type: 'r', id: 'x' } });
      assert.equal(r.status, 503);
      assert.equal(r.headers['retry-after'], '1');
      assert.deepEqual(r.json(), { error: 'no policy loaded yet' });
    } finally {
      await server.close(1000);
    }
  });
});
