// Unit tests for the gateway's parts: framing, SSE, the AuthZEN request, token auth, the relay's
// bookkeeping (with an in-process policy and in-memory peers), and the CLI's usage errors.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SignJWT } from 'jose';
import { compile } from '../../src/rego/index.js';
import { makeDecider } from '../../src/agent/decider.js';
import { Authorizer } from '../../src/mcp/authorizer.js';
import { TokenAuth, parseTokenFile } from '../../src/mcp/auth.js';
import { LineDecoder, idKey, kindOf, type Message } from '../../src/mcp/jsonrpc.js';
import { toDecision } from '../../src/mcp/pdp.js';
import { Relay, type Route } from '../../src/mcp/relay.js';
import { RequestBuilder } from '../../src/mcp/request.js';
import type { DecisionSource } from '../../src/mcp/source.js';
import { SseParser, sseMessage } from '../../src/mcp/sse.js';
import { EVERYTHING_POLICY, MAIN, ROOT, TSX } from './helpers.js';

it('LineDecoder splits lines across chunks, accepts CRLF, skips blanks, keeps UTF-8 intact', () => {
  const lines: string[] = [];
  const d = new LineDecoder((l) => lines.push(l));
  const bytes = Buffer.from('{"a":"é"}\r\n\n{"b":1}\n{"c"', 'utf8');
  for (let i = 0; i < bytes.length; i++) d.push(bytes.subarray(i, i + 1));
  d.push(':2}');
  d.end();
  assert.deepEqual(lines, ['{"a":"é"}', '{"b":1}', '{"c":2}']);
});

it('kindOf and idKey', () => {
  assert.equal(kindOf({ jsonrpc: '2.0', id: 1, method: 'x' }), 'request');
  assert.equal(kindOf({ jsonrpc: '2.0', method: 'x' }), 'notification');
  assert.equal(kindOf({ jsonrpc: '2.0', id: 'a', result: {} }), 'response');
  assert.equal(kindOf({ jsonrpc: '2.0', id: null, error: {} }), 'response');
  assert.equal(kindOf({ jsonrpc: '2.0', id: {}, method: 'x' }), 'invalid');
  assert.equal(kindOf([]), 'invalid');
  assert.notEqual(idKey(1), idKey('1'));
});

it('SseParser reads events split anywhere; sseMessage round-trips', () => {
  const events: { event: string; data: string; id?: string }[] = [];
  const p = new SseParser((e) => events.push(e));
  const text = ': comment\n' + sseMessage('{"x":1}', 'e1') + 'data: a\ndata: b\n\n';
  for (const ch of text) p.push(ch);
  assert.deepEqual(events, [
    { event: 'message', data: '{"x":1}', id: 'e1' },
    { event: 'message', data: 'a\nb', id: 'e1' },
  ]);
});

it('RequestBuilder: default and coaz names, list phase without arguments, mapping failures', () => {
  const session = { subject: 'bot', client: { name: 'cli', version: '1' }, protocolVersion: '2025-06-18' };
  const d = new RequestBuilder('database', 'default');
  assert.deepEqual(d.build('tools/call', { name: 'query', arguments: { sql: 'SELECT 1' } }, session), {
    subject: { type: 'agent', id: 'bot' },
    resource: { type: 'mcp_tool', id: 'database__query', properties: { arguments: { sql: 'SELECT 1' } } },
    action: { name: 'invoke' },
    context: { server: 'database', method: 'tools/call', phase: 'call', client: { name: 'cli', version: '1' }, protocol_version: '2025-06-18' },
  });
  const listed = d.build('tools/call', { name: 'query' }, session, 'list');
  assert.ok(typeof listed !== 'string');
  assert.deepEqual(listed.resource.properties, {});
  assert.equal(listed.context?.phase, 'list');
  const c = new RequestBuilder('database', 'coaz').build('resources/read', { uri: 'file:///x' }, { ...session, agent: 'claude' });
  assert.ok(typeof c !== 'string');
  assert.deepEqual([c.subject, c.action, c.resource.type, c.resource.id, c.context?.agent], [
    { type: 'identity', id: 'bot' },
    { name: 'resources/read' },
    'resource',
    'file:///x',
    'claude',
  ]);
  assert.equal(typeof d.build('tools/call', { arguments: {} }, session), 'string');
  assert.equal(typeof d.build('tools/call', { name: 'q', arguments: [1] }, session), 'string');
  assert.equal(typeof d.build('tools/call', 'nope', session), 'string');
});

it('toDecision reads AuthZEN and mirror shapes and refuses answers without a decision', () => {
  assert.deepEqual(toDecision({ decision: false, context: { reason: 'r' } }), { allowed: false, extra: '', reason: 'r' });
  assert.deepEqual(toDecision({ allowed: true, reason: 'ok', access_path: 'role' }), { allowed: true, extra: '', reason: 'ok', accessPath: 'role' });
  assert.throws(() => toDecision({ context: {} }));
});

it('TokenAuth: static tokens, HS256 JWTs, and refusals', async () => {
  const secret = 'another-test-secret-of-some-length';
  const auth = new TokenAuth({ tokens: parseTokenFile('{"tokens":{"t1":"alice","t2":{"subject":"bob","agent":"cursor"}}}'), jwtSecret: secret, audience: 'mcp' });
  assert.deepEqual(await auth.check('Bearer t1'), { subject: 'alice' });
  assert.deepEqual(await auth.check('bearer t2'), { subject: 'bob', agent: 'cursor' });
  assert.equal(await auth.check(undefined), 'missing');
  assert.equal(await auth.check('Basic x'), 'missing');
  assert.equal(await auth.check('Bearer t3'), 'invalid');
  const key = new TextEncoder().encode(secret);
  const good = await new SignJWT({ client_id: 'claude' }).setProtectedHeader({ alg: 'HS256' }).setSubject('carol').setAudience('mcp').setExpirationTime('1m').sign(key);
  assert.deepEqual(await auth.check(`Bearer ${good}`), { subject: 'carol', agent: 'claude' });
  const wrongAud = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('carol').setAudience('other').sign(key);
  assert.equal(await auth.check(`Bearer ${wrongAud}`), 'invalid');
  const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience('mcp').sign(key);
  assert.equal(await auth.check(`Bearer ${noSub}`), 'invalid');
  assert.throws(() => parseTokenFile('{"t": {"agent": "x"}}'));
});

/** A relay between in-memory peers, with the everything test policy in process. */
function relayUnderTest(source?: DecisionSource): { relay: Relay; toServer: Message[]; toClient: { text: string; route: Route }[]; log: string[] } {
  const policy = compile([{ file: 'p.rego', source: EVERYTHING_POLICY }]);
  const { decide } = makeDecider(policy, 'vengtoo/authz/decision');
  const local: DecisionSource = source ?? {
    kind: 'local',
    decide,
    decideMany: (inputs) => inputs.map((i) => decide(i).allowed),
    ready: () => true,
  };
  const log: string[] = [];
  const authorizer = new Authorizer({ server: 'everything', naming: 'default', source: local, denyAs: 'error', decisionLog: (l) => log.push(l) });
  const relay = new Relay({ authorizer, hold: new Set(['tools/call']), filterList: true, info: { subject: 'unit' } });
  const toServer: Message[] = [];
  const toClient: { text: string; route: Route }[] = [];
  relay.upstream = { send: (_t, m) => void toServer.push(m), close: async () => {} };
  relay.sink = { send: (text, route) => void toClient.push({ text, route }) };
  return { relay, toServer, toClient, log };
}

it('Relay: held calls, list filtering, initialize capabilities, progress routing', () => {
  const { relay, toServer, toClient, log } = relayUnderTest();
  relay.fromClient(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { clientInfo: { name: 'u', version: '1' }, protocolVersion: '2025-11-25' } }));
  relay.fromServer(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { capabilities: { tools: {} }, protocolVersion: '2025-11-25' } }));
  assert.deepEqual(JSON.parse(toClient[0].text).result.capabilities.tools, { listChanged: true });
  assert.deepEqual(relay.info.client, { name: 'u', version: '1' });

  relay.fromClient(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: 'c1' } }));
  assert.deepEqual(toServer.at(-1)!.params, { cursor: 'c1' });
  relay.fromServer(JSON.stringify({ jsonrpc: '2.0', id: 2, result: { tools: [{ name: 'echo' }, { name: 'get-env' }, { name: 'get-sum' }], nextCursor: 'c2' } }));
  assert.deepEqual(JSON.parse(toClient.at(-1)!.text).result, { tools: [{ name: 'echo' }, { name: 'get-sum' }], nextCursor: 'c2' });

  relay.fromClient(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get-env', _meta: { progressToken: 7 } } }));
  assert.equal(toServer.length, 2, 'denied call not forwarded');
  assert.equal(JSON.parse(toClient.at(-1)!.text).error.code, -32001);
  assert.deepEqual(toClient.at(-1)!.route, { ids: [idKey(3)] });
  assert.equal(log.length, 1);

  relay.fromClient(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'echo', arguments: { message: 'm' }, _meta: { progressToken: 'tok' } } }));
  assert.equal(toServer.at(-1)!.id, 4);
  relay.fromServer(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok', progress: 1 } }));
  assert.deepEqual(toClient.at(-1)!.route, { related: idKey(4) });
  // a server-to-client request and an unknown notification pass through untouched
  const sampling = '{"jsonrpc":"2.0","id":"s1","method":"sampling/createMessage","params":{"messages":[]}}';
  relay.fromServer(sampling);
  assert.equal(toClient.at(-1)!.text, sampling);
  relay.fromClient(JSON.stringify({ jsonrpc: '2.0', id: 's1', result: { content: { type: 'text', text: 'hi' } } }));
  assert.equal(toServer.at(-1)!.id, 's1');
  relay.policyChanged();
  assert.equal(JSON.parse(toClient.at(-1)!.text).method, 'notifications/tools/list_changed');
});

it('Relay: a batch answer does not wait for a cancelled element', () => {
  const { relay, toServer, toClient } = relayUnderTest();
  relay.fromClient(
    JSON.stringify([
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'a' } } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'b' } } },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get-env' } },
    ]),
  );
  assert.deepEqual(toServer.map((m) => m.id), [1, 2]);
  relay.fromClient(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } }));
  assert.equal(toClient.length, 0);
  relay.fromServer(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [] } }));
  assert.equal(toClient.length, 1);
  const answer = JSON.parse(toClient[0].text) as { id: number }[];
  assert.deepEqual(answer.map((a) => a.id).sort(), [1, 3]);
  assert.deepEqual(toClient[0].route.ids, [idKey(1), idKey(3)]);
});

it('Relay: with an asynchronous PDP, later messages keep their order behind a held call', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow: DecisionSource = {
    kind: 'pdp',
    decide: async () => {
      await gate;
      return { allowed: true, extra: '' };
    },
    decideMany: async (inputs) => inputs.map(() => true),
    ready: () => true,
  };
  const { relay, toServer } = relayUnderTest(slow);
  relay.fromClient(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } }));
  relay.fromClient(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } }));
  assert.equal(toServer.length, 0);
  release();
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(
    toServer.map((m) => m.method),
    ['tools/call', 'notifications/cancelled'],
  );
});

it('CLI: usage errors exit 2 and name the problem', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', TSX, MAIN, 'mcp-gateway', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  let r = run('--', 'true');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--name NAME is required/);
  r = run('--name', 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no MCP server/);
  r = run('--name', 'x', '--listen', '127.0.0.1:0', '--policy', 'p.rego', '--', 'true');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /needs client authentication/);
  r = run('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /--deny-as MODE/);
});
