// The agent: the one place that wires config, policy loading, the HTTP server, metrics and logs.
//
// Lifecycle: start() builds the state, loads the policy — local mode: from files, then watches
// them; cloud mode: from the bundle cache at once, then syncs in the background (cloud.ts) — and
// listens. Every policy goes through installPolicy(): compiled completely, then swapped in as one
// `state.decide` reference, so a request always sees one whole policy and a failed compile leaves
// the last good one serving. stop() stops watching/syncing, drains the server, flushes audit events.

import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { parseListen, type Config } from '../config/index.js';
import { hostHooks } from '../host/index.js';
import { compile, type HostHooks } from '../rego/index.js';
import { CompileErrors, RegoError } from '../rego/errors.js';
import { DecisionLog } from '../server/decision-log.js';
import { AgentMetrics } from '../server/metrics.js';
import { AgentServer } from '../server/server.js';
import type { AgentState } from '../server/types.js';
import { makeDecider } from './decider.js';
import { makeSearchSource } from './search.js';
import { PolicyNotFound, readPolicy, type PolicySource } from './policy-files.js';
import type { PlainObject } from '../rego/value.js';
import { PolicyWatcher } from './watcher.js';
import { CloudMode, CloudStartError } from './cloud.js';

export interface AgentOptions {
  config: Config;
  version: string;
  logger: Logger;
  /** Line writer for the decision log (stdout). */
  write: (line: string) => void;
  /** Register Node's process metrics (off in unit tests that build several agents). */
  defaultMetrics?: boolean;
}

export interface InstalledPolicy {
  /** No policy was loaded before this one. */
  first: boolean;
  hasDecision: boolean;
  hasAllow: boolean;
}

/** A start-up problem the CLI reports as a usage/config error (exit code 2). */
export class AgentStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentStartError';
  }
}

export class Agent {
  readonly state: AgentState;
  readonly metrics: AgentMetrics;
  readonly server: AgentServer;
  private readonly log: Logger;
  private watcher: PolicyWatcher | undefined;
  private cloud: CloudMode | undefined;
  private loading = false;
  private pending = false;
  private lastAttempt = '';
  private missingReported = false;
  private stopped = false;

  /** Services builtins may use: http.send and DNS only when the operator turned them on. */
  private readonly host: HostHooks;

  constructor(private readonly o: AgentOptions) {
    const c = o.config;
    this.log = o.logger;
    this.host = c.http_send
      ? hostHooks({
          allowNet: c.http_send_allow_net ? c.http_send_allow_net.split(',').map((h) => h.trim()).filter(Boolean) : [],
          defaultTimeoutMs: c.http_send_timeout,
        })
      : {};
    this.state = { mode: c.mode, decide: undefined, revision: '', lastSync: 0, degraded: false, startedAt: Date.now() };
    // In cloud mode the sync loop registers and updates the degraded and last-sync gauges.
    this.metrics = new AgentMetrics({ defaultMetrics: o.defaultMetrics, syncGauges: c.mode === 'local' });
    this.metrics.degraded?.set(0);
    this.metrics.policyLoaded.set(0);
    this.server = new AgentServer({
      state: this.state,
      metrics: this.metrics,
      logger: o.logger,
      decisionLog: c.decision_log ? new DecisionLog(o.write) : undefined,
      clientSecret: c.client_secret,
      maxBodyBytes: c.max_body_bytes,
      maxDepth: c.max_depth,
      evalTimeoutMs: c.eval_timeout,
      publicUrl: c.public_url,
      searchMaxCandidates: c.search_max_candidates,
      searchTimeout: c.search_timeout,
      maxConnections: c.max_connections,
      version: o.version,
    });
  }

  /** Loads the policy (local mode), starts watching, listens. Resolves with the bound address. */
  async start(): Promise<AddressInfo> {
    const c = this.o.config;
    if (c.mode === 'cloud') {
      try {
        this.cloud = await CloudMode.create(c, this, this.o.version, this.log);
      } catch (e) {
        if (e instanceof CloudStartError) throw new AgentStartError(e.message);
        throw e;
      }
      this.server.setOnDecision(this.cloud.onDecision);
      await this.cloud.start(); // a cached bundle is served at once; the first sync runs in the background
    } else {
      await this.reload('start');
    }
    if (c.mode === 'local' && c.watch) {
      this.watcher = new PolicyWatcher(c.policy, {
        intervalMs: c.watch_interval,
        onChange: () => void this.reload('change'),
        onError: (e) => this.log.warn({ error: String(e) }, 'policy watch failed'),
      });
      await this.watcher.start();
    }
    const addr = parseListen(c.listen_addr)!;
    const bound = await this.server.listen(addr.host, addr.port);
    const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    this.log.info(
      { addr: `${host}:${bound.port}`, mode: c.mode, policy: c.policy || undefined, ready: this.state.decide !== undefined },
      'listening',
    );
    return bound;
  }

  /** Reloads the local policy; concurrent calls coalesce into one more run after the current one. */
  async reload(why: 'start' | 'change'): Promise<void> {
    if (this.loading) {
      this.pending = true;
      return;
    }
    this.loading = true;
    try {
      do {
        this.pending = false;
        await this.loadOnce(why);
      } while (this.pending && !this.stopped);
    } finally {
      this.loading = false;
    }
  }

  private async loadOnce(why: 'start' | 'change'): Promise<void> {
    const c = this.o.config;
    const t0 = performance.now();
    let src: PolicySource;
    try {
      src = await readPolicy(c.policy, { trustedKeysPath: c.trusted_keys_path, signatureRequired: c.bundle_signature_required });
    } catch (e) {
      if (e instanceof PolicyNotFound) {
        if (!this.missingReported) {
          this.missingReported = true;
          const msg = this.state.decide
            ? 'policy path disappeared; keeping the last good policy'
            : 'policy path does not exist yet; waiting for it (not ready)';
          this.log.warn({ policy: c.policy }, msg);
        }
        this.lastAttempt = '';
        return;
      }
      return this.failed(e, 'read');
    }
    this.missingReported = false;
    if (src.contentHash === this.lastAttempt) return; // nothing new (or the same broken content)
    this.lastAttempt = src.contentHash;

    let installed: InstalledPolicy;
    try {
      installed = this.installPolicy(src.modules, src.data, src.revision);
    } catch (e) {
      return this.failed(e, 'compile');
    }
    this.log.info(
      {
        revision: src.revision,
        files: src.files,
        modules: src.modules.length,
        ms: Math.round((performance.now() - t0) * 100) / 100,
        reason: why === 'start' || installed.first ? 'initial load' : 'file change',
      },
      installed.first ? 'policy loaded' : 'policy reloaded',
    );
  }

  /**
   * Compiles modules + data completely, then swaps the result in (one reference assignment).
   * Throws CompileErrors (the current policy stays). The entry points for the decision rule and
   * its `allow` fallback are resolved here, once per policy. Used by local mode and by any other
   * policy source (cloud bundles).
   */
  installPolicy(modules: { file: string; source: string }[], data: PlainObject, revision: string): InstalledPolicy {
    const c = this.o.config;
    const policy = compile(modules, {
      data,
      strictBuiltinErrors: c.strict_builtin_errors,
      maxSteps: c.eval_max_steps,
      maxTimeMs: c.eval_timeout,
      host: this.host,
    });
    const info = makeDecider(policy, c.decision_path);
    const first = this.state.decide === undefined;
    this.state.search = makeSearchSource(policy, info.decide, revision, info.session); // lazy: costs nothing until searched
    this.state.decide = info.decide; // the swap
    this.state.revision = revision;
    this.state.lastSync = Date.now();
    this.metrics.policyReloads.inc({ result: 'success' });
    this.metrics.lastSync?.set(this.state.lastSync / 1000);
    this.metrics.policyLoaded.set(1);
    if (!info.hasDecision && !info.hasAllow) {
      this.log.warn(
        { decision_path: c.decision_path },
        `the policy defines neither data.${c.decision_path.replaceAll('/', '.')} nor the allow rule beside it; every request will be denied ("no policy decision")`,
      );
    }
    return { first, hasDecision: info.hasDecision, hasAllow: info.hasAllow };
  }

  /** Reports a policy that could not be read or compiled; the current one (if any) keeps serving. */
  failed(e: unknown, stage: 'read' | 'compile'): void {
    this.metrics.policyReloads.inc({ result: 'failure' });
    const keeping = this.state.decide !== undefined;
    const fields: Record<string, unknown> = { stage, error: e instanceof Error ? e.message : String(e) };
    if (e instanceof CompileErrors) {
      fields.errors = e.errors.map((x) => describeRegoError(x));
    } else if (e instanceof RegoError) {
      fields.errors = [describeRegoError(e)];
    }
    this.log.error(
      fields,
      keeping ? 'policy reload failed; the last good policy keeps serving' : 'policy load failed; not ready until the policy is fixed',
    );
  }

  /** Graceful stop: watcher off, server drained (bounded by shutdown_timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.stop();
    await this.server.close(this.o.config.shutdown_timeout);
    // after the server: decisions made by in-flight requests are still forwarded
    await this.cloud?.stop(this.o.config.shutdown_timeout);
  }
}

function describeRegoError(e: RegoError): Record<string, unknown> {
  const out: Record<string, unknown> = { code: e.code, message: e.message };
  if (e.location) {
    out.file = e.location.file;
    out.row = e.location.row;
    out.col = e.location.col;
  }
  return out;
}
