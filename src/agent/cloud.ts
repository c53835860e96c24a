// Cloud mode wiring (PRODUCT.md §4–5): the src/cloud components connected to the agent.
//   - BundleSync pulls `{cloud_url}/v1/agent/bundle` (or `bundle_url`), verifies, and offers each
//     bundle to Agent.installPolicy (compile fully, then swap); a bundle that does not compile is
//     refused and the previous policy stays. The disk cache in `cache_dir` makes a restart serve
//     at once, before the first sync.
//   - Heartbeat reports name, revision, last sync, degraded and decision counts.
//   - AuditForwarder receives every decision through the server's onDecision hook (an O(1)
//     enqueue; sending happens in the background).
// Health and metrics read the sync state live.

import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { TrustedKeys } from '../bundle/index.js';
import { loadTrustedKeys } from '../bundle/index.js';
import { AuditForwarder, BundleCache, BundleSync, CLOUD_PATHS, Heartbeat, cacheSourceId, cloudEndpoint } from '../cloud/index.js';
import type { Config } from '../config/index.js';
import type { AgentMetrics } from '../server/metrics.js';
import type { AgentState, Decision, EvaluationInput } from '../server/types.js';

/** What the cloud wiring needs from the agent. */
export interface CloudHost {
  state: AgentState;
  metrics: AgentMetrics;
  installPolicy(modules: { file: string; source: string }[], data: import('../rego/value.js').PlainObject, revision: string): unknown;
  failed(e: unknown, stage: 'read' | 'compile'): void;
}

export class CloudStartError extends Error {}

export class CloudMode {
  readonly sync: BundleSync;
  private readonly heartbeat: Heartbeat | undefined;
  private readonly audit: AuditForwarder | undefined;
  private tenantFromBundle: string | undefined;

  private constructor(
    private readonly config: Config,
    private readonly host: CloudHost,
    version: string,
    log: Logger,
    keys: TrustedKeys | undefined,
  ) {
    const c = config;
    const registry = host.metrics.registry;
    const url = c.bundle_url || cloudEndpoint(c.cloud_url, CLOUD_PATHS.bundle);
    const apiKey = c.api_key || undefined;
    const cache = new BundleCache({ dir: c.cache_dir, logger: log, registry, sourceId: cacheSourceId(url, apiKey) });
    this.sync = new BundleSync({
      url,
      apiKey,
      version,
      pollIntervalMs: c.poll_interval,
      cache,
      registry,
      logger: log,
      verify: keys || c.bundle_signature_required ? { keys: keys ?? {}, required: c.bundle_signature_required } : undefined,
      onBundle: (bundle, info) => {
        try {
          host.installPolicy(bundle.modules, bundle.data, info.revision || bundle.sha256.slice(0, 12));
        } catch (e) {
          host.failed(e, 'compile');
          throw e;
        }
        const t = bundle.manifest.metadata?.tenant_id;
        if (typeof t === 'string') this.tenantFromBundle = t;
        return true;
      },
    });

    // Health reads the sync state live.
    const sync = this.sync;
    // (The setters ignore writes: in cloud mode the sync loop is the source of truth.)
    Object.defineProperty(host.state, 'degraded', { get: () => sync.state().degraded, set: () => {}, enumerable: true });
    Object.defineProperty(host.state, 'lastSync', { get: () => sync.state().lastSuccessAt ?? 0, set: () => {}, enumerable: true });

    if (apiKey !== undefined) {
      this.heartbeat = new Heartbeat({
        url: cloudEndpoint(c.cloud_url, CLOUD_PATHS.heartbeat),
        apiKey,
        version,
        intervalMs: c.heartbeat_interval,
        agent: { name: c.agent_name, region: c.agent_region, domain: c.agent_domain, hosting: c.agent_hosting, mode: 'cloud' },
        startedAt: host.state.startedAt,
        status: () => {
          const s = sync.state();
          return { tenantId: this.tenantId(), bundleRevision: s.revision, lastSyncAt: s.lastSuccessAt, degraded: s.degraded };
        },
        decisions: () => host.metrics.decisionCounts(),
        registry,
        logger: log,
      });
      if (c.audit_forwarding) {
        this.audit = new AuditForwarder({
          endpoint: c.audit_endpoint,
          apiKey,
          version,
          batchSize: c.audit_batch_size,
          batchIntervalMs: c.audit_batch_interval,
          bufferSize: c.audit_buffer_size,
          retryAttempts: c.audit_retry_attempts,
          registry,
          logger: log,
        });
      }
    }
  }

  static async create(config: Config, host: CloudHost, version: string, log: Logger): Promise<CloudMode> {
    let keys: TrustedKeys | undefined;
    if (config.trusted_keys_path && existsSync(config.trusted_keys_path)) {
      try {
        keys = await loadTrustedKeys(config.trusted_keys_path);
      } catch (e) {
        throw new CloudStartError(`trusted_keys_path: ${(e as Error).message}`);
      }
    } else if (config.bundle_signature_required) {
      throw new CloudStartError(`bundle_signature_required is set but trusted_keys_path (${config.trusted_keys_path}) does not exist`);
    }
    return new CloudMode(config, host, version, log, keys);
  }

  /** The server's onDecision hook, when audit forwarding is on. */
  get onDecision(): ((input: EvaluationInput, d: Decision, ms: number) => void) | undefined {
    const audit = this.audit;
    if (audit === undefined) return undefined;
    return (input, d, ms) => {
      const ev: Record<string, unknown> = {
        time: Date.now(),
        agent_name: this.config.agent_name,
        tenant_id: this.tenantId() ?? null,
        bundle_revision: this.host.state.revision || null,
        subject: { type: input.subject.type, id: input.subject.id },
        resource: { type: input.resource.type, id: input.resource.id },
        action: { name: input.action.name },
        decision: d.allowed,
        latency_ms: Math.round(ms * 1000) / 1000,
      };
      if (d.reason !== undefined) ev.reason = d.reason;
      if (d.accessPath !== undefined) ev.access_path = d.accessPath;
      audit.enqueue(ev);
    };
  }

  private tenantId(): string | undefined {
    return this.config.tenant_id || this.tenantFromBundle || this.sync.state().tenantId;
  }

  /** Serves the cached bundle (if any) at once, then syncs in the background. */
  async start(): Promise<void> {
    await this.sync.start();
    this.heartbeat?.start();
    this.audit?.start();
  }

  /** Stops syncing and heartbeats; flushes buffered decision events (bounded). */
  async stop(timeoutMs: number): Promise<void> {
    this.heartbeat?.stop();
    await Promise.all([this.sync.stop(), this.audit?.stop(Math.min(timeoutMs, 5000))]);
  }
}
