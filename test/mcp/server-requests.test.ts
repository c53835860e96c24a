// Server-to-client requests pass through the gateway both ways: sampling, elicitation and roots,
// with the SDK client's real handlers, over stdio and over HTTP.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startAgent, type AgentProcess } from '../agent/helpers.js';
import { connectHttp, connectStdio, everythingCmd, everythingPolicy, tempDir, type StdioGateway } from './helpers.js';

const POLICY = `package vengtoo.authz

default allow := false

allow if {
	input.resource.type == "mcp_tool"
	input.resource.id != "everything__get-env"
}
`;

const CAPS = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

function answerServerRequests(client: Client, seen: string[]): void {
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    seen.push('sampling');
    const first = req.params.messages[0]?.content as { text?: string };
    return { model: 'test-model', role: 'assistant', content: { type: 'text', text: `sampled: ${first?.text ?? ''}` } };
  });
  client.setRequestHandler(ElicitRequestSchema, async () => {
    seen.push('elicitation');
    return { action: 'decline' };
  });
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    seen.push('roots');
    return { roots: [{ uri: 'file:///srv/project', name: 'project' }] };
  });
}

async function exercise(client: Client, seen: string[]): Promise<void> {
  const tools = (await client.listTools()).tools.map((t) => t.name);
  for (const t of ['trigger-sampling-request', 'trigger-elicitation-request', 'get-roots-list']) assert.ok(tools.includes(t), t);
  const s = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hello', maxTokens: 5 } });
  assert.match(JSON.stringify(s.content), /sampled: Resource trigger-sampling-request context: hello/);
  const e = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
  assert.match(JSON.stringify(e.content), /decline/i);
  const r = await client.callTool({ name: 'get-roots-list', arguments: {} });
  assert.match(JSON.stringify(r.content), /file:\/\/\/srv\/project/);
  assert.ok(seen.includes('sampling') && seen.includes('elicitation') && seen.includes('roots'), seen.join(','));
}

describe('server-to-client requests through the gateway', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let policy: string;

  before(() => {
    policy = everythingPolicy(tmp.dir, POLICY);
  });
  after(() => tmp.cleanup());

  it('over stdio', async () => {
    const seen: string[] = [];
    let gw: StdioGateway | undefined;
    try {
      gw = await connectStdio(['--name', 'everything', '--policy', policy], everythingCmd(), {}, CAPS);
      answerServerRequests(gw.client, seen);
      await exercise(gw.client, seen);
    } finally {
      await gw?.close();
    }
  });

  it('over HTTP', async () => {
    const tokens = join(tmp.dir, 'tokens.json');
    writeFileSync(tokens, JSON.stringify({ t: 'http-agent' }));
    let gw: AgentProcess | undefined;
    try {
      gw = await startAgent(['mcp-gateway', '--name', 'everything', '--policy', policy, '--listen', '127.0.0.1:0', '--tokens', tokens, '--', ...everythingCmd()]);
      const seen: string[] = [];
      const { client } = await connectHttp(`${gw.url}/mcp`, 't', CAPS);
      try {
        answerServerRequests(client, seen);
        await exercise(client, seen);
      } finally {
        await client.close();
      }
    } finally {
      await gw?.stop();
    }
  });
});
