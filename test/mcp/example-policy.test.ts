// examples/mcp/policy.rego with real servers: @modelcontextprotocol/server-filesystem (read
// anywhere, write only inside the workspace, no secrets) and a database-like SDK server (query
// yes, DROP/DELETE never).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { DATABASE, FILESYSTEM, ROOT, TSX, connectStdio, tempDir, type StdioGateway } from './helpers.js';

async function rejection(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof McpError, `expected an McpError, got ${String(e)}`);
    return e;
  }
  assert.fail('the call was expected to fail');
}

const text = (r: unknown): string => (((r as { content?: { text: string }[] }).content ?? [])[0] ?? { text: '' }).text;

/** The example policy in a temp folder, with data.json pointing the writable folder at `workspace`. */
function examplePolicy(dir: string, workspace: string): string {
  const policyDir = join(dir, 'policy');
  mkdirSync(policyDir);
  cpSync(join(ROOT, 'examples', 'mcp', 'policy.rego'), join(policyDir, 'policy.rego'));
  const data = JSON.parse(readFileSync(join(ROOT, 'examples', 'mcp', 'data.json'), 'utf8')) as { mcp: { filesystem: { writable_folder: string } } };
  data.mcp.filesystem.writable_folder = workspace;
  writeFileSync(join(policyDir, 'data.json'), JSON.stringify(data));
  return policyDir;
}

describe('example policy with server-filesystem', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let root: string;
  let gw: StdioGateway;

  before(async () => {
    root = join(realpathSync(tmp.dir), 'root');
    mkdirSync(join(root, 'docs'), { recursive: true });
    mkdirSync(join(root, 'workspace'));
    writeFileSync(join(root, 'docs', 'readme.txt'), 'read me\n');
    writeFileSync(join(root, '.env'), 'API_KEY=secret\n');
    const policy = examplePolicy(tmp.dir, join(root, 'workspace'));
    gw = await connectStdio(['--name', 'filesystem', '--policy', policy, '--decision-log'], [process.execPath, FILESYSTEM, root]);
  });
  after(async () => {
    await gw?.close();
    tmp.cleanup();
  });

  it('shows read and write tools (a write can be allowed inside the workspace)', async () => {
    const names = (await gw.client.listTools()).tools.map((t) => t.name);
    for (const n of ['read_text_file', 'write_file', 'list_directory', 'move_file']) assert.ok(names.includes(n), n);
  });

  it('reads inside the served folder', async () => {
    const r = await gw.client.callTool({ name: 'read_text_file', arguments: { path: join(root, 'docs', 'readme.txt') } });
    assert.equal(text(r), 'read me\n');
  });

  it('writes inside the workspace, not outside it', async () => {
    const inside = join(root, 'workspace', 'notes.txt');
    await gw.client.callTool({ name: 'write_file', arguments: { path: inside, content: 'ok' } });
    assert.equal(readFileSync(inside, 'utf8'), 'ok');

    const outside = join(root, 'docs', 'evil.txt');
    const e = await rejection(gw.client.callTool({ name: 'write_file', arguments: { path: outside, content: 'x' } }));
    assert.equal(e.code, -32001);
    assert.match(e.message, /writes are only allowed inside/);
    assert.ok(!existsSync(outside), 'the server never saw the write');

    const sneaky = join(root, 'workspace', '..', 'docs', 'evil.txt');
    assert.equal((await rejection(gw.client.callTool({ name: 'write_file', arguments: { path: sneaky, content: 'x' } }))).code, -32001);
    const move = gw.client.callTool({ name: 'move_file', arguments: { source: join(root, 'docs', 'readme.txt'), destination: join(root, 'workspace', 'r.txt') } });
    assert.equal((await rejection(move)).code, -32001);
    assert.ok(existsSync(join(root, 'docs', 'readme.txt')));
  });

  it('never reads environment secrets', async () => {
    const e = await rejection(gw.client.callTool({ name: 'read_text_file', arguments: { path: join(root, '.env') } }));
    assert.equal(e.code, -32001);
    assert.match(e.message, /holds environment secrets/);
    const many = gw.client.callTool({ name: 'read_multiple_files', arguments: { paths: [join(root, 'docs', 'readme.txt'), join(root, '.env')] } });
    assert.equal((await rejection(many)).code, -32001);
    assert.equal((await rejection(gw.client.callTool({ name: 'read_text_file', arguments: { path: '/proc/self/environ' } }))).code, -32001);
  });
});

describe('example policy with a database server', { timeout: 120_000 }, () => {
  const tmp = tempDir();
  let gw: StdioGateway;

  before(async () => {
    gw = await connectStdio(['--name', 'database', '--policy', examplePolicy(tmp.dir, '/nonexistent'), '--subject', 'ai-assistant'], [
      process.execPath,
      '--import',
      TSX,
      DATABASE,
    ]);
  });
  after(async () => {
    await gw?.close();
    tmp.cleanup();
  });

  it('lists the database tools the policy knows', async () => {
    assert.deepEqual((await gw.client.listTools()).tools.map((t) => t.name), ['query', 'execute']);
  });

  it('queries, but DROP and DELETE never reach the database', async () => {
    assert.equal(text(await gw.client.callTool({ name: 'query', arguments: { sql: 'SELECT name FROM users' } })), '["alice","bob"]');
    const drop = await rejection(gw.client.callTool({ name: 'execute', arguments: { sql: 'DROP TABLE users' } }));
    assert.equal(drop.code, -32001);
    assert.match(drop.message, /BLOCKED: DROP operations are not permitted for AI agents/);
    const del = await rejection(gw.client.callTool({ name: 'query', arguments: { sql: 'delete from users' } }));
    assert.match(del.message, /BLOCKED: DELETE operations are not permitted for AI agents/);
    assert.equal(text(await gw.client.callTool({ name: 'execute', arguments: { sql: 'INSERT INTO users VALUES (1)' } })), 'done: 1 row');
    assert.equal(text(await gw.client.callTool({ name: 'query', arguments: { sql: 'SELECT name FROM users' } })), '["alice","bob","user2"]');
    assert.equal((await rejection(gw.client.callTool({ name: 'admin_reset', arguments: {} }))).code, -32001);
  });
});
