// The gateway: one Relay per client session, each with its own upstream connection (a child
// process per session for a stdio server, an upstream HTTP session for --upstream-url), and the
// policy-change fan-out (notifications/tools/list_changed to every initialized session).

import type { Logger } from 'pino';
import type { Authorizer } from './authorizer.js';
import { Relay, type ClientSink } from './relay.js';
import type { SessionInfo } from './request.js';
import type { DecisionSource } from './source.js';
import { HttpUpstream } from './upstream-http.js';
import { StdioUpstream } from './upstream-stdio.js';

export type UpstreamConfig =
  | { kind: 'stdio'; command: string; args: string[]; env?: NodeJS.ProcessEnv; cwd?: string }
  | { kind: 'http'; url: string; headers?: Record<string, string> };

export interface GatewayOptions {
  name: string;
  authorizer: Authorizer;
  source: DecisionSource;
  upstream: UpstreamConfig;
  /** Methods held for a decision (tools/call always; resources/read, prompts/get optionally). */
  hold: ReadonlySet<string>;
  filterList: boolean;
  logger?: Logger;
}

export interface SessionHooks {
  sink: ClientSink;
  /** The upstream went away (child exited); the session is over. */
  onUpstreamGone?: (why: string) => void;
  /** HTTP upstream only: no upstream session (the 2026-07-28 stateless revision). */
  stateless?: boolean;
}

export class Gateway {
  readonly sessions = new Set<Relay>();

  constructor(readonly o: GatewayOptions) {
    o.source.onChange?.(() => {
      o.logger?.info({ sessions: this.sessions.size }, 'policy changed; telling clients their tool lists may have changed');
      for (const s of this.sessions) s.policyChanged();
    });
  }

  openSession(info: SessionInfo, hooks: SessionHooks): Relay {
    const relay = new Relay({ authorizer: this.o.authorizer, hold: this.o.hold, filterList: this.o.filterList, info, logger: this.o.logger });
    relay.sink = hooks.sink;
    const u = this.o.upstream;
    if (u.kind === 'stdio') {
      relay.upstream = new StdioUpstream(
        { command: u.command, args: u.args, env: u.env, cwd: u.cwd, logger: this.o.logger },
        (text) => relay.fromServer(text),
        (code, signal) => {
          this.sessions.delete(relay);
          hooks.onUpstreamGone?.(signal ? `MCP server killed by ${signal}` : `MCP server exited with code ${code}`);
        },
      );
    } else {
      relay.upstream = new HttpUpstream({ url: u.url, headers: u.headers, logger: this.o.logger, stateless: hooks.stateless }, (text, related) =>
        relay.fromServer(text, related),
      );
    }
    if (!hooks.stateless) this.sessions.add(relay);
    return relay;
  }

  async closeSession(relay: Relay): Promise<void> {
    this.sessions.delete(relay);
    await relay.close();
  }

  /** Ends every session; `graceMs` as in UpstreamPeer.close (short after a signal). */
  async stop(graceMs?: number): Promise<void> {
    const all = [...this.sessions];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.close(graceMs)));
    await this.o.source.stop?.();
  }
}
