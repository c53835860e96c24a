// The gateway with Streamable HTTP on either side (and both), with the SDK's HTTP client and
// server-everything behind the SDK's HTTP server transport; plus a remote PDP (the real agent).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { startAgent, type AgentProcess } from '../agent/helpers.js';
import {
  connectHttp,
  connectStdio,
  everythingCmd,
  everythingPolicy,
  startEverythingHttp,
  startStatelessEverythingHttp,
  tempDir,
  until,
} from './helpers.js';

const TOKEN = 'test-token-for-claude';
const SECRET = 'a-long-shared-secret-for-hs256-tests';

async function rejection(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof McpError, `expected an McpError, got ${String(e)}`);
    return e;
  }
  assert.fail('the call was expected to fail');
}

/** Starts `mcp-gateway --listen 127.0.0.1:0` with a token file and the JWT secret. */
async function startHttpGateway(dir: string, flags: string[], server: string[] = []): Promise<{ gw: AgentProcess; url: string }> {
  const tokens = join(dir, 'tokens.json');
  writeFileSync(tokens, JSON.stringify({ tokens: { [TOKEN]: { subject: 'claude-code', agent: 'claude' } } }));
  const args = ['mcp-gateway', '--name', 'everything', '--listen', '127.0.0.1:0', '--tokens', tokens, '--decision-log', ...flags];
  if (server.length > 0) args.push('--', ...server);
  const gw = await startAgent(args, { env: { VENGTOO_MCP_JWT_SECRET: SECRET } });
  return { gw, url: `${gw.url}/mcp` };
}

describe('HTTP client → gateway → stdio server', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let gw: AgentProcess;
  let url: string;

  before(async () => {
    ({ gw, url } = await startHttpGateway(tmp.dir, ['--policy', everythingPolicy(tmp.dir)], everythingCmd()));
  });
  after(async () => {
    await gw?.stop();
    tmp.cleanup();
  });

  it('needs a bearer token', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    const bad = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(bad.status, 401);
    // a browser page from another origin (DNS rebinding) is refused even with a token
    const foreign = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(foreign.status, 403);
  });

  it('lists, allows, denies and relays progress; the subject comes from the token', async () => {
    const { client } = await connectHttp(url, TOKEN);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('echo') && !names.includes('get-env'));
      const r = await client.callTool({ name: 'echo', arguments: { message: 'over http' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'Echo: over http' }]);
      const e = await rejection(client.callTool({ name: 'get-env', arguments: {} }));
      assert.equal(e.code, -32001);
      assert.match(e.message, /get-env exposes environment secrets/);
      const progress: unknown[] = [];
      await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.4, steps: 2 } }, undefined, {
        onprogress: (p) => progress.push(p),
      });
      assert.ok(progress.length >= 1, 'progress over the POST stream');
      await until(() => gw.lines.filter((l) => l.msg === 'decision').length >= 3, 5000, 'decision lines');
      const decisions = gw.lines.filter((l) => l.msg === 'decision');
      assert.ok(decisions.every((d) => d.subject_id === 'claude-code'));
    } finally {
      await client.close();
    }
  });

  it('accepts HS256 JWTs: sub is the subject', async () => {
    const jwt = await new SignJWT({ azp: 'cursor' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob@example.com')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    const { client } = await connectHttp(url, jwt);
    try {
      await client.callTool({ name: 'echo', arguments: { message: 'jwt' } });
      await until(() => gw.lines.some((l) => l.msg === 'decision' && l.subject_id === 'bob@example.com'), 5000, 'a decision for the JWT subject');
    } finally {
      await client.close();
    }
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(SECRET));
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${expired}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 401);
  });

  it('a batch over HTTP has every element authorized', async () => {
    const h = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(url, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const sid = init.headers.get('mcp-session-id');
    assert.ok(sid);
    await init.text();
    const withSession = { ...h, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
    const note = await fetch(url, { method: 'POST', headers: withSession, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    assert.equal(note.status, 202);
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...withSession, accept: 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'batched' } } },
        { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get-env', arguments: {} } },
      ]),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { id: number; result?: { content: unknown }; error?: { code: number } }[];
    assert.ok(Array.isArray(body));
    const byId = new Map(body.map((m) => [m.id, m]));
    assert.deepEqual(byId.get(2)!.result!.content, [{ type: 'text', text: 'Echo: batched' }]);
    assert.equal(byId.get(3)!.error!.code, -32001);
    // another token cannot use this session
    const other = await fetch(url, { method: 'POST', headers: { ...withSession, authorization: 'Bearer nope' }, body: '{}' });
    assert.equal(other.status, 401);
    const del = await fetch(url, { method: 'DELETE', headers: withSession });
    assert.equal(del.status, 200);
  });

  it('a cancelled request ends its POST stream; the server never answers it', async () => {
    const h = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(url, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const sid = init.headers.get('mcp-session-id')!;
    await init.text();
    const s = { ...h, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
    await (await fetch(url, { method: 'POST', headers: s, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
    const long = await fetch(url, {
      method: 'POST',
      headers: s,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'trigger-long-running-operation', arguments: { duration: 3, steps: 6 }, _meta: { progressToken: 'p7' } },
      }),
    });
    assert.equal(long.headers.get('content-type'), 'text/event-stream');
    const reader = long.body!.getReader();
    let first = '';
    while (!first.includes('notifications/progress')) {
      const { done, value } = await reader.read();
      assert.ok(!done, 'progress before the end of the stream');
      first += new TextDecoder().decode(value);
    }
    const t0 = Date.now();
    const cancel = await fetch(url, { method: 'POST', headers: s, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7 } }) });
    assert.equal(cancel.status, 202);
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    assert.ok(Date.now() - t0 < 2000, 'the stream ended on cancellation, not when the tool finished');
    assert.ok(!rest.includes('"id":7'), 'no answer to the cancelled request');
    await fetch(url, { method: 'DELETE', headers: s });
  });

  it('serves /healthz and /metrics', async () => {
    const h = (await (await fetch(gw.url + '/healthz')).json()) as { policy_loaded: boolean };
    assert.equal(h.policy_loaded, true);
    const m = await (await fetch(gw.url + '/metrics')).text();
    assert.match(m, /vengtoo_agent_decisions_total\{allowed="false"/);
  });
});

describe('clients → gateway → HTTP server (--upstream-url)', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let upstream: Awaited<ReturnType<typeof startEverythingHttp>>;

  before(async () => {
    upstream = await startEverythingHttp();
  });
  after(async () => {
    await upstream?.close();
    tmp.cleanup();
  });

  it('stdio client: allowed, denied, filtered, progress', async () => {
    const gw = await connectStdio(['--name', 'everything', '--policy', everythingPolicy(tmp.dir), '--upstream-url', upstream.url, '--decision-log'], []);
    try {
      const names = (await gw.client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('echo') && !names.includes('get-env'));
      const r = await gw.client.callTool({ name: 'echo', arguments: { message: 'to http' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'Echo: to http' }]);
      assert.equal((await rejection(gw.client.callTool({ name: 'get-env', arguments: {} }))).code, -32001);
      const progress: unknown[] = [];
      await gw.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.4, steps: 2 } }, undefined, {
        onprogress: (p) => progress.push(p),
      });
      assert.ok(progress.length >= 1);
      // headers the gateway sent upstream
      const calls = upstream.requests.filter((h) => h['mcp-method'] === 'tools/call');
      assert.ok(calls.length >= 2);
      assert.ok(calls.every((h) => typeof h['mcp-session-id'] === 'string' && h['mcp-protocol-version'] !== undefined));
      assert.ok(!calls.some((h) => h['mcp-name'] === 'get-env'), 'the denied call never reached the server');
    } finally {
      await gw.close();
    }
  });

  it('HTTP client: the inbound token never reaches the upstream', async () => {
    const { gw, url } = await startHttpGateway(tmp.dir, ['--policy', everythingPolicy(tmp.dir), '--upstream-url', upstream.url]);
    try {
      const before = upstream.requests.length;
      const { client } = await connectHttp(url, TOKEN);
      try {
        const r = await client.callTool({ name: 'echo', arguments: { message: 'http to http' } });
        assert.deepEqual(r.content, [{ type: 'text', text: 'Echo: http to http' }]);
        assert.equal((await rejection(client.callTool({ name: 'get-env', arguments: {} }))).code, -32001);
        assert.ok(!(await client.listTools()).tools.some((t) => t.name === 'get-env'));
      } finally {
        await client.close();
      }
      const seen = upstream.requests.slice(before);
      assert.ok(seen.length > 0);
      assert.ok(seen.every((h) => h.authorization === undefined));
    } finally {
      await gw.stop();
    }
  });
});

describe('stateless requests (no session, no initialize) relayed to a stateless HTTP server', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let upstream: Awaited<ReturnType<typeof startStatelessEverythingHttp>>;
  let gw: AgentProcess;
  let url: string;

  before(async () => {
    upstream = await startStatelessEverythingHttp();
    ({ gw, url } = await startHttpGateway(tmp.dir, ['--policy', everythingPolicy(tmp.dir), '--upstream-url', upstream.url]));
  });
  after(async () => {
    await gw?.stop();
    await upstream?.close();
    tmp.cleanup();
  });

  const call = async (id: number, name: string, args: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json',
        'mcp-protocol-version': '2025-11-25',
        'mcp-method': 'tools/call',
        'mcp-name': name,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('mcp-session-id'), null);
    return (await res.json()) as { id: number; result?: { content: unknown }; error?: { code: number; message: string } };
  };

  it('allowed and denied calls, each on its own', async () => {
    const ok = await call(1, 'echo', { message: 'stateless' });
    assert.deepEqual(ok.result?.content, [{ type: 'text', text: 'Echo: stateless' }]);
    const denied = await call(2, 'get-env', {});
    assert.equal(denied.error?.code, -32001);
    const seen = upstream.requests.filter((h) => h[':method'] === 'POST');
    assert.equal(seen.length, 1, 'the denied call never reached the server');
    assert.equal(seen[0]['mcp-method'], 'tools/call');
    assert.equal(seen[0]['mcp-name'], 'echo');
    assert.equal(seen[0]['mcp-protocol-version'], '2025-11-25');
    assert.equal(seen[0]['mcp-session-id'], undefined);
    assert.equal(seen[0].authorization, undefined);
  });
});

describe('remote PDP (--pdp): the real agent decides', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let agent: AgentProcess;

  before(async () => {
    agent = await startAgent(['--policy', everythingPolicy(tmp.dir)]);
  });
  after(async () => {
    await agent?.stop();
    tmp.cleanup();
  });

  it('allows, denies with the reason, filters the list', async () => {
    const gw = await connectStdio(['--name', 'everything', '--pdp', agent.url, '--decision-log'], everythingCmd());
    try {
      const names = (await gw.client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('echo') && !names.includes('get-env'));
      const r = await gw.client.callTool({ name: 'echo', arguments: { message: 'pdp' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'Echo: pdp' }]);
      const e = await rejection(gw.client.callTool({ name: 'get-env', arguments: {} }));
      assert.equal(e.code, -32001);
      assert.match(e.message, /BLOCKED: get-env exposes environment secrets/);
      await until(() => gw.decisions().length >= 2, 5000, 'decision lines');
    } finally {
      await gw.close();
    }
  });
});
