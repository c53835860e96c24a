// Real parts for the gateway tests: the gateway CLI as a child process, the official SDK client,
// and real MCP servers from node_modules (server-everything, server-filesystem, a small SDK-built
// database server). Everything listens on 127.0.0.1 and lives in temp folders.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { MAIN, ROOT } from '../agent/helpers.js';

export { ROOT, MAIN };
export const TSX = import.meta.resolve('tsx');
export const EVERYTHING = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
export const FILESYSTEM = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
export const DATABASE = join(ROOT, 'test', 'mcp', 'fixtures', 'database-server.ts');

/** The policy most tests use, for server-everything under the name "everything". */
export const EVERYTHING_POLICY = `package vengtoo.authz

default decision := {"allowed": false, "reason": "No rule allows this tool"}

allowed_tools := {"echo", "get-sum", "trigger-long-running-operation", "get-tiny-image"}

tool := trim_prefix(input.resource.id, "everything__")

decision := {"allowed": false, "reason": "BLOCKED: get-env exposes environment secrets"} if tool == "get-env"

decision := {"allowed": true, "reason": "Allowed test tool", "access_path": "test"} if {
	tool in allowed_tools
	not contains(object.get(input.resource.properties, ["arguments", "message"], ""), "forbidden")
}

decision := {"allowed": false, "reason": "BLOCKED: forbidden message"} if {
	tool == "echo"
	contains(object.get(input.resource.properties, ["arguments", "message"], ""), "forbidden")
}
`;

export function tempDir(prefix = 'vengtoo-mcp-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes the everything policy into a temp folder; returns the .rego path. */
export function everythingPolicy(dir: string, source = EVERYTHING_POLICY): string {
  const p = join(dir, 'policy.rego');
  writeFileSync(p, source);
  return p;
}

/** The environment for gateway children: the host's, minus VENGTOO_*, with a clean HOME. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('VENGTOO_')) env[k] = v;
  env.HOME = mkdtempSync(join(tmpdir(), 'vengtoo-home-'));
  return Object.assign(env, extra);
}

export function gatewayArgs(flags: string[], server: string[]): string[] {
  return ['--import', TSX, MAIN, 'mcp-gateway', ...flags, '--', ...server];
}

export const everythingCmd = (): string[] => [process.execPath, EVERYTHING, 'stdio'];

export interface StdioGateway {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
  /** Parsed decision-log lines seen on stderr so far. */
  decisions: () => Record<string, unknown>[];
  close: () => Promise<void>;
}

/** The SDK client talking to the gateway over stdio; the gateway wraps `server`. */
export async function connectStdio(flags: string[], server: string[], env: Record<string, string> = {}, capabilities = {}): Promise<StdioGateway> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: gatewayArgs(flags, server),
    env: childEnv(env),
    cwd: ROOT,
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const client = new Client({ name: 'gateway-test', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  return {
    client,
    transport,
    stderr: () => err,
    decisions: () => parseLines(err).filter((l) => l.msg === 'decision'),
    close: () => client.close(),
  };
}

export function parseLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a JSON line
    }
  }
  return out;
}

/** SDK client over Streamable HTTP. */
export async function connectHttp(url: string, token?: string, capabilities = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token === undefined ? undefined : { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'gateway-http-test', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  return { client, transport };
}

/**
 * server-everything's own server (createServer) behind the SDK's Streamable HTTP server transport,
 * on 127.0.0.1 with an ephemeral port, one transport per session as its streamableHttp launcher does.
 * Records the headers of every request so tests can check what the gateway sends upstream.
 */
export async function startEverythingHttp(): Promise<{ url: string; requests: Record<string, string | string[] | undefined>[]; close: () => Promise<void> }> {
  const { createServer: createEverything } = (await import(EVERYTHING.replace(/index\.js$/, 'server/index.js'))) as {
    createServer: () => { server: { connect(t: unknown): Promise<void>; server: { onclose?: () => void } }; cleanup: (sid?: string) => void };
  };
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const requests: Record<string, string | string[] | undefined>[] = [];
  const http: Server = createServer((req, res) => {
    requests.push({ ...req.headers, ':method': req.method });
    const sid = req.headers['mcp-session-id'];
    void (async () => {
      if (typeof sid === 'string' && transports.has(sid)) return transports.get(sid)!.handleRequest(req, res);
      if (req.method !== 'POST' || sid !== undefined) {
        res.writeHead(sid === undefined ? 400 : 404).end();
        return;
      }
      const { server, cleanup } = createEverything();
      const t: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void transports.set(id, t),
      });
      t.onclose = () => {
        if (t.sessionId) transports.delete(t.sessionId);
        cleanup(t.sessionId);
      };
      await server.connect(t);
      await t.handleRequest(req, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    close: async () => {
      for (const t of transports.values()) await t.close().catch(() => undefined);
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

/**
 * server-everything in the stateless style (the 2026-07-28 revision's shape): a fresh server and
 * SDK transport per POST, no sessions, no initialize needed.
 */
export async function startStatelessEverythingHttp(): Promise<{ url: string; requests: Record<string, string | string[] | undefined>[]; close: () => Promise<void> }> {
  const { createServer: createEverything } = (await import(EVERYTHING.replace(/index\.js$/, 'server/index.js'))) as {
    createServer: () => { server: { connect(t: unknown): Promise<void>; close(): Promise<void> }; cleanup: (sid?: string) => void };
  };
  const requests: Record<string, string | string[] | undefined>[] = [];
  const http: Server = createServer((req, res) => {
    requests.push({ ...req.headers, ':method': req.method });
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    void (async () => {
      const { server, cleanup } = createEverything();
      const t = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void t.close();
        void server.close();
        cleanup();
      });
      await server.connect(t);
      await t.handleRequest(req, res);
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

/** A raw newline-delimited JSON-RPC peer over a gateway child process (for batches and odd messages). */
export class RawStdio {
  readonly proc: ChildProcess;
  readonly messages: unknown[] = [];
  private buf = '';
  private err = '';
  private waiters: { pred: (m: unknown) => boolean; resolve: (m: unknown) => void }[] = [];

  constructor(flags: string[], server: string[], env: Record<string, string> = {}) {
    this.proc = spawn(process.execPath, gatewayArgs(flags, server), { cwd: ROOT, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (c: string) => {
      this.buf += c;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) !== -1) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const m = JSON.parse(line) as unknown;
        this.messages.push(m);
        for (let i = this.waiters.length - 1; i >= 0; i--) {
          if (this.waiters[i].pred(m)) {
            this.waiters[i].resolve(m);
            this.waiters.splice(i, 1);
          }
        }
      }
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (c: string) => (this.err += c));
  }

  get stderr(): string {
    return this.err;
  }

  send(m: unknown): void {
    this.proc.stdin!.write((typeof m === 'string' ? m : JSON.stringify(m)) + '\n');
  }

  wait(pred: (m: unknown) => boolean, timeoutMs = 10_000): Promise<unknown> {
    const seen = this.messages.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}; stderr:\n${this.err}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }

  /** Waits for the answer to request `id` (a single message, not a batch). */
  answer(id: number | string, timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.wait((m) => typeof m === 'object' && m !== null && !Array.isArray(m) && (m as { id?: unknown }).id === id, timeoutMs) as Promise<
      Record<string, unknown>
    >;
  }

  async initialize(): Promise<void> {
    this.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    await this.answer(0, 20_000);
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  async close(): Promise<number | null> {
    const exited = new Promise<number | null>((r) => {
      if (this.proc.exitCode !== null) r(this.proc.exitCode);
      else this.proc.once('exit', (code) => r(code));
    });
    this.proc.stdin!.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(t);
    return code;
  }
}

/** Resolves when `pred()` holds, polling every 25 ms. */
export async function until(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
