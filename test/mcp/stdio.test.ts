// The gateway over stdio on both sides, with the SDK client and server-everything from node_modules.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  DATABASE,
  EVERYTHING_POLICY,
  RawStdio,
  TSX,
  connectStdio,
  everythingCmd,
  everythingPolicy,
  tempDir,
  until,
  type StdioGateway,
} from './helpers.js';

const ALLOWED = new Set(['echo', 'get-sum', 'trigger-long-running-operation', 'get-tiny-image']);

async function rejection(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof McpError, `expected an McpError, got ${String(e)}`);
    return e;
  }
  assert.fail('the call was expected to fail');
}

describe('mcp-gateway over stdio (server-everything)', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let policy: string;
  let gw: StdioGateway;
  let direct: Client;

  before(async () => {
    policy = everythingPolicy(tmp.dir);
    gw = await connectStdio(['--name', 'everything', '--policy', policy, '--decision-log'], everythingCmd());
    direct = new Client({ name: 'direct', version: '1' });
    await direct.connect(new StdioClientTransport({ command: everythingCmd()[0], args: everythingCmd().slice(1), stderr: 'ignore' }));
  });
  after(async () => {
    await gw?.close();
    await direct?.close();
    tmp.cleanup();
  });

  it('tools/list hides the tools the policy denies, and only those', async () => {
    const all = (await direct.listTools()).tools.map((t) => t.name);
    const shown = (await gw.client.listTools()).tools.map((t) => t.name);
    assert.ok(all.includes('get-env'));
    assert.deepEqual(shown, all.filter((n) => ALLOWED.has(n)));
  });

  it('allowed calls return the real server results', async () => {
    const r = await gw.client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    assert.deepEqual(r.content, [{ type: 'text', text: 'Echo: hello' }]);
    const sum = await gw.client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } });
    const viaDirect = await direct.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } });
    assert.deepEqual(sum, viaDirect);
  });

  it('denied calls answer -32001 with the policy reason and a decision id', async () => {
    const e = await rejection(gw.client.callTool({ name: 'get-env', arguments: {} }));
    assert.equal(e.code, -32001);
    assert.match(e.message, /BLOCKED: get-env exposes environment secrets \(decision [0-9a-f-]{36}\)/);
    const data = e.data as { reason: string; decision_id: string; resource_id: string };
    assert.equal(data.reason, 'BLOCKED: get-env exposes environment secrets');
    assert.equal(data.resource_id, 'everything__get-env');
    // argument-based rule
    const e2 = await rejection(gw.client.callTool({ name: 'echo', arguments: { message: 'this is forbidden' } }));
    assert.equal(e2.code, -32001);
    assert.match(e2.message, /BLOCKED: forbidden message/);
  });

  it('every call writes a decision-log line (stderr on stdio)', async () => {
    // Lines are flushed at least every 50 ms: after 200 ms every earlier test's line is in, so
    // the lines after `before` are this test's own.
    await new Promise((r) => setTimeout(r, 200));
    const before = gw.decisions().length;
    await gw.client.callTool({ name: 'echo', arguments: { message: 'logged' } });
    await rejection(gw.client.callTool({ name: 'get-env', arguments: {} }));
    const mine = () => gw.decisions().slice(before);
    await until(
      () => mine().some((d) => d.resource_id === 'everything__echo') && mine().some((d) => d.resource_id === 'everything__get-env'),
      5000,
      'two decision lines',
    );
    const allow = mine().find((d) => d.resource_id === 'everything__echo') as Record<string, unknown>;
    const deny = mine().find((d) => d.resource_id === 'everything__get-env') as Record<string, unknown>;
    assert.equal(allow.resource_id, 'everything__echo');
    assert.equal(allow.decision, true);
    assert.equal(allow.action, 'invoke');
    assert.equal(allow.subject_id, 'mcp-client');
    assert.equal(allow.access_path, 'test');
    assert.equal(allow.mcp_server, 'everything');
    assert.equal(typeof allow.decision_id, 'string');
    assert.equal(deny.decision, false);
    assert.equal(deny.reason, 'BLOCKED: get-env exposes environment secrets');
    assert.equal(deny.code, -32001);
  });

  it("the server's stderr passes through", () => {
    assert.match(gw.stderr(), /Starting default \(STDIO\) server/);
  });

  it('progress notifications pass through', async () => {
    const progress: { progress: number; total?: number }[] = [];
    const r = await gw.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } }, undefined, {
      onprogress: (p) => progress.push(p),
    });
    assert.match(JSON.stringify(r.content), /Long running operation completed/);
    assert.ok(progress.length >= 2, `progress events: ${JSON.stringify(progress)}`);
    assert.deepEqual(progress.slice(0, 2), [
      { progress: 1, total: 3 },
      { progress: 2, total: 3 },
    ]);
  });
});

describe('mcp-gateway over stdio: raw JSON-RPC', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let raw: RawStdio;

  before(async () => {
    raw = new RawStdio(['--name', 'everything', '--policy', everythingPolicy(tmp.dir)], everythingCmd());
    await raw.initialize();
  });
  after(async () => {
    await raw?.close();
    tmp.cleanup();
  });

  it('a batch cannot smuggle a denied call: every element is authorized', async () => {
    raw.send([
      { jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'echo', arguments: { message: 'in a batch' } } },
      { jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'get-env', arguments: {} } },
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'x', progress: 1 } },
      { jsonrpc: '2.0', id: 12, method: 'ping' },
    ]);
    const answer = (await raw.wait((m) => Array.isArray(m))) as Record<string, unknown>[];
    assert.equal(answer.length, 3);
    const byId = new Map(answer.map((a) => [a.id, a]));
    assert.deepEqual((byId.get(10)!.result as { content: unknown }).content, [{ type: 'text', text: 'Echo: in a batch' }]);
    assert.equal((byId.get(11)!.error as { code: number }).code, -32001);
    assert.deepEqual(byId.get(12)!.result, {});
    assert.ok(!raw.stderr.includes('"HOME"'), 'get-env never ran');
  });

  it('duplicate keys cannot smuggle a call: the server gets what was authorized', async () => {
    // JSON.parse keeps the last "params"; a first-wins parser upstream would see get-env.
    raw.send('{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"get-env","arguments":{}},"params":{"name":"echo","arguments":{"message":"dup"}}}');
    const a = await raw.answer(20);
    assert.deepEqual((a.result as { content: unknown }).content, [{ type: 'text', text: 'Echo: dup' }]);
    raw.send('{"jsonrpc":"2.0","id":21,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"}},"params":{"name":"get-env","arguments":{}}}');
    assert.equal(((await raw.answer(21)).error as { code: number }).code, -32001);
  });

  it('malformed messages get JSON-RPC errors and unknown methods pass through', async () => {
    raw.send('{"jsonrpc": "2.0", "id": 30, "method": ');
    const parseError = (await raw.wait((m) => (m as { error?: { code?: number } }).error?.code === -32700)) as { id: unknown };
    assert.equal(parseError.id, null);
    raw.send({ jsonrpc: '2.0', id: 31, method: 'vendor/unknown', params: { x: 1 } });
    assert.equal(((await raw.answer(31)).error as { code: number }).code, -32601); // the server's answer
    raw.send({ jsonrpc: '2.0', id: 32, method: 'tools/call', params: { arguments: {} } });
    assert.equal(((await raw.answer(32)).error as { code: number }).code, -32602); // cannot be mapped
  });

  it('cancellation reaches the server: a cancelled call is never answered', async () => {
    raw.send({
      jsonrpc: '2.0',
      id: 40,
      method: 'tools/call',
      params: { name: 'trigger-long-running-operation', arguments: { duration: 1.2, steps: 4 }, _meta: { progressToken: 'p40' } },
    });
    await raw.wait((m) => (m as { params?: { progressToken?: unknown } }).params?.progressToken === 'p40');
    raw.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 40, reason: 'test' } });
    // An uncancelled twin finishes; the cancelled one stays silent.
    raw.send({ jsonrpc: '2.0', id: 41, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 1.2, steps: 2 } } });
    await raw.answer(41);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(raw.messages.filter((m) => (m as { id?: unknown }).id === 40).length, 0);
  });
});

describe('mcp-gateway over stdio: the server lives and dies with the client', { timeout: 120_000 }, () => {
  const childrenOf = (pid: number): number[] => {
    const f = `/proc/${pid}/task/${pid}/children`;
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
  };
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  for (const how of ['stdin closed', 'SIGTERM'] as const) {
    it(`the server process is gone after the gateway stops (${how})`, async (t) => {
      if (!existsSync('/proc/self/task')) return t.skip('needs /proc');
      const tmp = tempDir();
      const raw = new RawStdio(['--name', 'everything', '--policy', everythingPolicy(tmp.dir)], everythingCmd());
      try {
        await raw.initialize();
        const kids = childrenOf(raw.proc.pid!);
        assert.equal(kids.length, 1);
        if (how === 'SIGTERM') {
          const exited = new Promise<number | null>((r) => raw.proc.once('exit', (code) => r(code)));
          raw.proc.kill('SIGTERM');
          assert.equal(await exited, 0);
        } else {
          assert.equal(await raw.close(), 0);
        }
        await until(() => !alive(kids[0]), 5000, 'the server to exit');
      } finally {
        await raw.close();
        tmp.cleanup();
      }
    });
  }
});

describe('mcp-gateway over stdio: policy changes and failures', { timeout: 120_000 }, () => {
  it('a policy change sends notifications/tools/list_changed and takes effect at once', async () => {
    const tmp = tempDir();
    const policy = everythingPolicy(tmp.dir);
    const gw = await connectStdio(['--name', 'everything', '--policy', policy], everythingCmd(), { UPSTREAM_TOKEN_FOR_TEST: 's3cr3t-value' });
    try {
      let changed = 0;
      gw.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void changed++);
      assert.equal(gw.client.getServerCapabilities()?.tools?.listChanged, true);
      assert.ok(!(await gw.client.listTools()).tools.some((t) => t.name === 'get-env'));
      await new Promise((r) => setTimeout(r, 500)); // the server's own start-up notifications
      const seen = changed;
      writeFileSync(policy, EVERYTHING_POLICY.replace('"get-tiny-image"}', '"get-tiny-image", "get-env"}').replace(/decision := \{"allowed": false, "reason": "BLOCKED: get-env[^\n]*\n/, ''));
      await until(() => changed > seen, 15_000, 'notifications/tools/list_changed');
      assert.ok((await gw.client.listTools()).tools.some((t) => t.name === 'get-env'));
      const r = await gw.client.callTool({ name: 'get-env', arguments: {} });
      assert.equal(r.isError, undefined);
      // the server inherited the gateway's environment
      assert.match(JSON.stringify(r.content), /s3cr3t-value/);
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });

  it('the gateway adds listChanged to the server capabilities', async () => {
    const tmp = tempDir();
    const gw = await connectStdio(['--name', 'database', '--policy', everythingPolicy(tmp.dir)], [process.execPath, '--import', TSX, DATABASE]);
    try {
      assert.equal(gw.client.getServerCapabilities()?.tools?.listChanged, true);
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });

  it('--deny-as tool-error answers a tool result with isError', async () => {
    const tmp = tempDir();
    const gw = await connectStdio(['--name', 'everything', '--policy', everythingPolicy(tmp.dir), '--deny-as', 'tool-error'], everythingCmd());
    try {
      const r = await gw.client.callTool({ name: 'get-env', arguments: {} });
      assert.equal(r.isError, true);
      assert.deepEqual(r.content, [{ type: 'text', text: 'BLOCKED: get-env exposes environment secrets' }]);
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });

  it('a broken policy file denies every call with -32603 and hides every tool', async () => {
    const tmp = tempDir();
    const policy = join(tmp.dir, 'policy.rego');
    writeFileSync(policy, 'package vengtoo.authz\n\ndecision := {"allowed": true if {\n');
    const gw = await connectStdio(['--name', 'everything', '--policy', policy, '--decision-log'], everythingCmd());
    try {
      const e = await rejection(gw.client.callTool({ name: 'echo', arguments: { message: 'x' } }));
      assert.equal(e.code, -32603);
      assert.match(e.message, /no policy loaded/);
      assert.deepEqual((await gw.client.listTools()).tools, []);
      await until(() => gw.decisions().length >= 1, 5000, 'a decision line');
      assert.equal(gw.decisions()[0].code, -32603);
      assert.match(gw.stderr(), /policy load failed/);
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });

  it('an unreachable --pdp denies with -32603', async () => {
    const gw = await connectStdio(['--name', 'everything', '--pdp', 'http://127.0.0.1:9', '--pdp-timeout', '1s', '--decision-log'], everythingCmd());
    try {
      const e = await rejection(gw.client.callTool({ name: 'echo', arguments: { message: 'x' } }));
      assert.equal(e.code, -32603);
      assert.match(e.message, /unavailable/);
      assert.deepEqual((await gw.client.listTools()).tools, []);
      await until(() => gw.decisions().length >= 1, 5000, 'a decision line');
    } finally {
      await gw.close();
    }
  });

  it('--naming coaz: identity subject, tools/call action, tool resource, the agent in context', async () => {
    const tmp = tempDir();
    const policy = everythingPolicy(
      tmp.dir,
      `package vengtoo.authz

default allow := false

allow if {
	input.subject == {"type": "identity", "id": "alice"}
	input.action.name == "tools/call"
	input.resource.type == "tool"
	input.resource.id == "echo"
	input.context.agent == "gateway-test"
	input.context.server == "everything"
}
`,
    );
    const gw = await connectStdio(['--name', 'everything', '--policy', policy, '--naming', 'coaz', '--subject', 'alice'], everythingCmd());
    try {
      assert.deepEqual((await gw.client.listTools()).tools.map((t) => t.name), ['echo']);
      const r = await gw.client.callTool({ name: 'echo', arguments: { message: 'coaz' } });
      assert.deepEqual(r.content, [{ type: 'text', text: 'Echo: coaz' }]);
      assert.equal((await rejection(gw.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }))).code, -32001);
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });

  it('--authorize resources,prompts holds resources/read and prompts/get too', async () => {
    const tmp = tempDir();
    const policy = everythingPolicy(
      tmp.dir,
      `package vengtoo.authz

default allow := false

allow if input.resource.type == "mcp_tool"

allow if {
	input.resource.type == "mcp_resource"
	input.action.name == "read"
	startswith(input.resource.properties.uri, "demo://resource/dynamic/text/")
}

allow if input.resource.id == "everything__simple-prompt"
`,
    );
    const gw = await connectStdio(['--name', 'everything', '--policy', policy, '--authorize', 'tools,resources,prompts'], everythingCmd());
    try {
      const text = await gw.client.readResource({ uri: 'demo://resource/dynamic/text/1' });
      assert.equal(text.contents.length, 1);
      assert.equal((await rejection(gw.client.readResource({ uri: 'demo://resource/dynamic/blob/1' }))).code, -32001);
      const p = await gw.client.getPrompt({ name: 'simple-prompt' });
      assert.ok(p.messages.length > 0);
      assert.equal((await rejection(gw.client.getPrompt({ name: 'args-prompt', arguments: { city: 'x' } }))).code, -32001);
    } finally {
      await gw.close();
      tmp.cleanup();
    }
  });
});
