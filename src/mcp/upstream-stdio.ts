// Upstream over stdio: the MCP server as a child process (`mcp-gateway ... -- <command> <args>`).
// The child inherits the gateway's environment (its tokens must reach it) and its stderr; stdin and
// stdout carry newline-delimited JSON-RPC. Closing ends stdin first (what MCP asks of a client),
// then SIGTERM, then SIGKILL, each after a grace period.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { LineDecoder, type Message } from './jsonrpc.js';
import type { ForwardMeta, UpstreamPeer } from './relay.js';

export interface StdioUpstreamOptions {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logger?: Logger;
  /** Grace period before each escalation on close (ms). */
  graceMs?: number;
}

export class StdioUpstream implements UpstreamPeer {
  readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private closing = false;

  constructor(
    private readonly o: StdioUpstreamOptions,
    onMessage: (text: string) => void,
    onExit: (code: number | null, signal: NodeJS.Signals | null) => void,
  ) {
    this.child = spawn(o.command, o.args, {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: o.env ?? process.env,
      cwd: o.cwd,
      windowsHide: true,
    });
    const lines = new LineDecoder(onMessage, undefined, () => o.logger?.warn('upstream sent a line over the size limit; dropped'));
    this.child.stdout!.on('data', (chunk: Buffer) => lines.push(chunk));
    this.child.stdout!.on('end', () => lines.end());
    this.child.stdin!.on('error', (e) => {
      if (!this.closing) o.logger?.warn({ error: e.message }, 'writing to the MCP server failed');
    });
    // If the gateway itself exits first (a signal, a crash), the server goes with it.
    const onGatewayExit = (): void => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    };
    process.once('exit', onGatewayExit);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        process.off('exit', onGatewayExit);
        resolve(code);
        onExit(code, signal);
      });
      this.child.once('error', (e) => {
        o.logger?.error({ error: e.message, command: o.command }, 'cannot start the MCP server');
        resolve(null);
        onExit(null, null);
      });
    });
  }

  send(text: string, _msg: Message, _meta: ForwardMeta | undefined): void {
    const stdin = this.child.stdin;
    if (stdin === null || stdin.destroyed || this.closing) return;
    stdin.write(text + '\n');
  }

  async close(graceMs?: number): Promise<void> {
    if (this.closing && graceMs === undefined) {
      await this.exited;
      return;
    }
    this.closing = true;
    const grace = graceMs ?? this.o.graceMs ?? 2000;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin?.end();
    if (await within(this.exited, grace)) return;
    this.child.kill('SIGTERM');
    if (await within(this.exited, grace)) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
