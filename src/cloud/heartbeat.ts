// Heartbeat: `POST {cloud_url}/v1/agent/heartbeat` every heartbeat_interval with what the control
// plane shows about this agent. Failures are logged and counted, never fatal, never retried
// beyond the next beat.

import type { Registry } from 'prom-client';
import { baseHeaders, counter, errorMessage, isTimeout, jittered, silentLogger, systemClock, type Clock, type FetchFn, type Logger, type TimerHandle } from './deps.js';

export interface DecisionCounts {
  total: number;
  allowed: number;
  denied: number;
  errors?: number;
}

/** The heartbeat body (see docs/cloud-protocol.md). */
export interface HeartbeatPayload {
  agent_name: string;
  agent_region: string;
  agent_domain: string;
  agent_hosting: string;
  version: string;
  tenant_id: string | null;
  mode: string;
  bundle_revision: string | null;
  last_sync_time: string | null;
  degraded: boolean;
  uptime_seconds: number;
  started_at: string;
  time: string;
  decisions: DecisionCounts;
}

/** What the agent knows when a beat is sent; read fresh each time. */
export interface HeartbeatStatus {
  tenantId?: string;
  bundleRevision?: string;
  /** ms since epoch of the last successful sync. */
  lastSyncAt?: number;
  degraded: boolean;
}

export interface HeartbeatOptions {
  /** `{cloud_url}/v1/agent/heartbeat`. */
  url: string;
  apiKey?: string;
  version: string;
  intervalMs: number;
  timeoutMs?: number;
  agent: { name: string; region?: string; domain?: string; hosting?: string; mode?: string };
  /** Started time of the process (ms since epoch); default: when the Heartbeat was built. */
  startedAt?: number;
  status: () => HeartbeatStatus;
  decisions?: () => DecisionCounts;
  logger?: Logger;
  registry?: Registry;
  fetch?: FetchFn;
  clock?: Clock;
  random?: () => number;
}

export class Heartbeat {
  private readonly o: HeartbeatOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly fetchFn: FetchFn;
  private readonly startedAt: number;
  private timer: TimerHandle | undefined;
  private running = false;
  private consecutiveFailures = 0;
  private readonly stopController = new AbortController();
  private readonly sent;
  private readonly failed;

  constructor(opts: HeartbeatOptions) {
    this.o = opts;
    this.log = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.startedAt = opts.startedAt ?? this.clock.now();
    this.sent = counter(opts.registry, 'vengtoo_agent_heartbeats_total', 'Heartbeats accepted by the control plane.');
    this.failed = counter(opts.registry, 'vengtoo_agent_heartbeat_failures_total', 'Heartbeats that failed (network, timeout or non-2xx), by reason.', ['reason']);
  }

  payload(): HeartbeatPayload {
    const now = this.clock.now();
    const s = this.o.status();
    const a = this.o.agent;
    return {
      agent_name: a.name,
      agent_region: a.region ?? '',
      agent_domain: a.domain ?? '',
      agent_hosting: a.hosting ?? 'self',
      version: this.o.version,
      tenant_id: s.tenantId ?? null,
      mode: a.mode ?? 'cloud',
      bundle_revision: s.bundleRevision ?? null,
      last_sync_time: s.lastSyncAt !== undefined ? new Date(s.lastSyncAt).toISOString() : null,
      degraded: s.degraded,
      uptime_seconds: Math.max(0, Math.round((now - this.startedAt) / 1000)),
      started_at: new Date(this.startedAt).toISOString(),
      time: new Date(now).toISOString(),
      decisions: this.o.decisions?.() ?? { total: 0, allowed: 0, denied: 0 },
    };
  }

  /** Sends one beat now. Resolves true when the control plane accepted it; never throws. */
  async beat(): Promise<boolean> {
    let body: string;
    try {
      body = JSON.stringify(this.payload());
    } catch (e) {
      this.fail('payload', errorMessage(e));
      return false;
    }
    const timeout = this.o.timeoutMs ?? Math.min(10_000, Math.max(1_000, this.o.intervalMs));
    try {
      const res = await this.fetchFn(this.o.url, {
        method: 'POST',
        headers: { ...baseHeaders({ version: this.o.version, ...(this.o.apiKey ? { apiKey: this.o.apiKey } : {}) }), 'Content-Type': 'application/json' },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(timeout), this.stopController.signal]),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status > 299) {
        this.fail('http', `HTTP ${res.status}`);
        return false;
      }
    } catch (e) {
      if (this.stopController.signal.aborted) return false;
      this.fail(isTimeout(e) ? 'timeout' : 'network', errorMessage(e));
      return false;
    }
    if (this.consecutiveFailures > 0) this.log.info({ after_failures: this.consecutiveFailures }, 'heartbeat recovered');
    this.consecutiveFailures = 0;
    this.sent.inc();
    return true;
  }

  private fail(reason: string, err: string): void {
    this.failed.inc({ reason });
    this.consecutiveFailures++;
    const fields = { url: this.o.url, reason, err, consecutive_failures: this.consecutiveFailures };
    if (this.consecutiveFailures === 1 || this.consecutiveFailures % 10 === 0) this.log.warn(fields, 'heartbeat failed');
    else this.log.debug(fields, 'heartbeat failed again');
  }

  /** Beats now and then every interval (±10 %). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = (): void => {
      if (!this.running) return;
      void this.beat().finally(() => {
        if (this.running) this.timer = this.clock.setTimeout(loop, jittered(this.o.intervalMs, 0.1, this.o.random));
      });
    };
    loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.stopController.abort();
  }
}
