// The bundle sync loop: pull the tenant's bundle from the control plane (or any OPA bundle server
// via bundle_url), verify and parse it, hand it to the agent to compile and swap, persist it.
//
//   GET <url>  Authorization: Bearer <api_key>, User-Agent, If-None-Match: <etag of active bundle>
//   200 → read + verify (src/bundle) → onBundle (agent compiles and swaps) → cache → success
//   304 → success, nothing new
//   anything else, a timeout, a bad bundle, or onBundle refusing → failure: the active policy
//   stays, the failure is logged and counted, and the next try backs off exponentially.
//
// Nothing here ever takes the active policy away: only onBundle with a new bundle replaces it.

import type { Registry } from 'prom-client';
import { BundleError, readBundle, type Bundle, type ReadBundleOptions, type VerifyOptions } from '../bundle/index.js';
import type { BundleCache } from './cache.js';
import {
  backoffDelay,
  baseHeaders,
  counter,
  errorMessage,
  gauge,
  isTimeout,
  jittered,
  retryAfterMs,
  silentLogger,
  systemClock,
  type Clock,
  type FetchFn,
  type Logger,
  type TimerHandle,
} from './deps.js';

export interface BundleInfo {
  source: 'cloud' | 'cache';
  etag?: string;
  revision: string;
  /** When the control plane last served or confirmed this bundle (ms since epoch). */
  fetchedAt: number;
}

/**
 * Called with each new verified bundle. The agent compiles it and swaps it in. Return false or
 * throw to refuse it: the previous policy stays active and the sync counts as failed.
 */
export type OnBundle = (bundle: Bundle, info: BundleInfo) => unknown | Promise<unknown>;

export interface BundleSyncOptions {
  /** Bundle URL: `{cloud_url}/v1/agent/bundle`, or `bundle_url`. */
  url: string;
  apiKey?: string;
  /** Agent version for the User-Agent header. */
  version: string;
  /** poll_interval (ms). */
  pollIntervalMs: number;
  /** ± fraction of jitter on the poll interval. Default 0.1. */
  pollJitter?: number;
  /** Per-request timeout including the body (ms). Default min(30 s, max(poll interval, 5 s)). */
  timeoutMs?: number;
  /** First retry delay after a failure (ms). Default 1 s. */
  backoffBaseMs?: number;
  /** Longest retry delay (ms). Default 2 min (at least the poll interval). */
  backoffMaxMs?: number;
  /** Degraded when the active policy was last fetched/confirmed longer ago than this (ms). 0 = off. */
  maxPolicyAgeMs?: number;
  /** Bundle size limits (maxBytes also caps the download). */
  limits?: Pick<ReadBundleOptions, 'maxBytes' | 'maxFileBytes' | 'maxFiles'>;
  /** Trusted keys etc.; `required` = bundle_signature_required. */
  verify?: VerifyOptions;
  cache?: BundleCache;
  onBundle: OnBundle;
  logger?: Logger;
  registry?: Registry;
  fetch?: FetchFn;
  clock?: Clock;
  random?: () => number;
}

export type SyncOutcome = 'updated' | 'not_modified' | 'failed';

export type FailureReason = 'network' | 'timeout' | 'http' | 'too_large' | 'bundle' | 'signature' | 'rejected';

export interface SyncResult {
  outcome: SyncOutcome;
  reason?: FailureReason;
  error?: string;
  status?: number;
  /** Suggested wait before the next try (from Retry-After). */
  retryAfterMs?: number;
}

export interface SyncState {
  /** A policy from this loop is active (from the cache or the cloud). */
  hasPolicy: boolean;
  source?: 'cloud' | 'cache';
  revision?: string;
  etag?: string;
  /** tenant_id from the active bundle's manifest metadata. */
  tenantId?: string;
  /** Last successful sync (200 accepted or 304), ms since epoch. */
  lastSuccessAt?: number;
  lastAttemptAt?: number;
  lastError?: string;
  lastErrorAt?: number;
  consecutiveFailures: number;
  /** When the active bundle was last fetched or confirmed by the control plane. */
  policyFetchedAt?: number;
  /** Age of the active policy (ms), from policyFetchedAt. */
  policyAgeMs?: number;
  /**
   * The active bundle could not be written to the cache (read-only or full cache_dir): a restart
   * would serve an older policy. Written again on every later sync attempt until it succeeds.
   */
  cacheStale: boolean;
  /** Last sync failed, the policy is older than maxPolicyAgeMs, or the cache is stale. */
  degraded: boolean;
  nextSyncAt?: number;
}

const ACCEPT = 'application/vnd.openpolicyagent.bundles+gzip, application/gzip, application/octet-stream;q=0.9, */*;q=0.1';

export class BundleSync {
  private readonly o: BundleSyncOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly fetchFn: FetchFn;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxBytes: number;

  private active: { etag?: string; revision: string; sha256: string; tenantId?: string; source: 'cloud' | 'cache' } | undefined;
  private st: Omit<SyncState, 'degraded' | 'policyAgeMs' | 'hasPolicy' | 'cacheStale'> = { consecutiveFailures: 0 };
  /** The active bundle while the cache refuses it (see SyncState.cacheStale). */
  private unsaved: { bytes: Uint8Array; meta: { revision: string; fetchedAt: number; etag?: string } } | undefined;
  private timer: TimerHandle | undefined;
  private running = false;
  private inflight: Promise<SyncResult> | undefined;
  private readonly stopController = new AbortController();

  private readonly m;

  constructor(opts: BundleSyncOptions) {
    this.o = opts;
    this.log = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.random = opts.random ?? Math.random;
    this.timeoutMs = opts.timeoutMs ?? Math.min(30_000, Math.max(opts.pollIntervalMs, 5_000));
    this.backoffBaseMs = opts.backoffBaseMs ?? 1_000;
    this.backoffMaxMs = Math.max(opts.backoffMaxMs ?? 120_000, this.backoffBaseMs);
    this.maxBytes = opts.limits?.maxBytes ?? 64 * 1024 * 1024;
    const r = opts.registry;
    this.m = {
      syncs: counter(r, 'vengtoo_agent_bundle_syncs_total', 'Bundle sync attempts by result (updated, not_modified, failed).', ['result']),
      failures: counter(r, 'vengtoo_agent_bundle_sync_failures_total', 'Failed bundle syncs by reason (network, timeout, http, too_large, bundle, signature, rejected).', ['reason']),
      lastSync: gauge(r, 'vengtoo_agent_bundle_last_sync_timestamp_seconds', 'Unix time of the last successful bundle sync (200 accepted or 304).', [], (g) => {
        if (this.st.lastSuccessAt !== undefined) g.set(this.st.lastSuccessAt / 1000);
      }),
      degraded: gauge(r, 'vengtoo_agent_degraded', '1 when the last bundle sync failed or the policy is older than the configured maximum age.', [], (g) => g.set(this.state().degraded ? 1 : 0)),
      consecutive: gauge(r, 'vengtoo_agent_bundle_sync_consecutive_failures', 'Bundle sync failures since the last success.', [], (g) => g.set(this.st.consecutiveFailures)),
      info: gauge(r, 'vengtoo_agent_bundle_info', 'The active bundle (value 1), labelled with its revision and where it came from.', ['revision', 'source']),
    };
    this.m.degraded.set(0);
  }

  /** Current state for /healthz and the heartbeat. */
  state(): SyncState {
    const now = this.clock.now();
    const age = this.st.policyFetchedAt !== undefined ? Math.max(0, now - this.st.policyFetchedAt) : undefined;
    const tooOld = !!this.o.maxPolicyAgeMs && age !== undefined && age > this.o.maxPolicyAgeMs;
    return {
      ...this.st,
      hasPolicy: this.active !== undefined,
      ...(this.active ? { source: this.active.source, revision: this.active.revision, tenantId: this.active.tenantId } : {}),
      ...(this.active?.etag !== undefined ? { etag: this.active.etag } : {}),
      ...(age !== undefined ? { policyAgeMs: age } : {}),
      cacheStale: this.unsaved !== undefined,
      degraded: this.st.consecutiveFailures > 0 || tooOld || this.unsaved !== undefined,
    };
  }

  /**
   * Loads the cached bundle (if any), verifies it and offers it to onBundle. Returns true when a
   * cached policy is now active. Never throws: a bad cache is logged and ignored.
   */
  async loadFromCache(): Promise<boolean> {
    const cache = this.o.cache;
    if (!cache) return false;
    const cached = await cache.load();
    if (!cached) return false;
    let bundle: Bundle;
    try {
      bundle = await readBundle(cached.bytes, { ...this.o.limits, verify: this.o.verify, ...(cached.meta.etag !== undefined ? { etag: cached.meta.etag } : {}) });
    } catch (e) {
      this.log.warn({ dir: cache.dir, err: errorMessage(e), code: (e as BundleError).code }, 'cached bundle does not verify; ignoring it');
      return false;
    }
    const info: BundleInfo = { source: 'cache', revision: bundle.manifest.revision, fetchedAt: cached.meta.fetchedAt, ...(cached.meta.etag !== undefined ? { etag: cached.meta.etag } : {}) };
    try {
      const ok = await this.o.onBundle(bundle, info);
      if (ok === false) throw new Error('refused by the agent');
    } catch (e) {
      this.log.warn({ dir: cache.dir, err: errorMessage(e), revision: info.revision }, 'cached bundle refused; ignoring it');
      return false;
    }
    this.activate(bundle, info);
    this.log.info({ revision: info.revision, etag: info.etag, fetched_at: new Date(info.fetchedAt).toISOString() }, 'serving the cached bundle');
    return true;
  }

  /** Loads the cache, then syncs now and every poll interval in the background. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.loadFromCache();
    this.schedule(0);
  }

  /** Stops the loop and aborts a sync in flight (the active policy is unaffected). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.st.nextSyncAt = undefined;
    this.stopController.abort();
    await this.inflight?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.st.nextSyncAt = this.clock.now() + ms;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.syncNow().then((r) => this.schedule(this.nextDelay(r)));
    }, ms);
  }

  private nextDelay(r: SyncResult): number {
    if (r.outcome !== 'failed') return jittered(this.o.pollIntervalMs, this.o.pollJitter ?? 0.1, this.random);
    const d = backoffDelay(this.st.consecutiveFailures, this.backoffBaseMs, this.backoffMaxMs, this.random);
    return Math.min(this.backoffMaxMs, Math.max(d, r.retryAfterMs ?? 0));
  }

  /** One sync attempt (concurrent calls share one). Never throws. */
  syncNow(): Promise<SyncResult> {
    if (!this.inflight) {
      this.inflight = this.attempt()
        .catch((e): SyncResult => ({ outcome: 'failed', reason: 'bundle', error: errorMessage(e) }))
        .then((r) => this.record(r))
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return this.inflight;
  }

  private record(r: SyncResult): SyncResult {
    if (this.stopController.signal.aborted && r.outcome === 'failed') return r; // stopping is no failure
    const now = this.clock.now();
    this.st.lastAttemptAt = now;
    this.m.syncs.inc({ result: r.outcome });
    if (r.outcome === 'failed') {
      this.st.consecutiveFailures++;
      this.st.lastError = r.error;
      this.st.lastErrorAt = now;
      this.m.failures.inc({ reason: r.reason ?? 'bundle' });
      const fields = { url: this.o.url, reason: r.reason, status: r.status, err: r.error, consecutive_failures: this.st.consecutiveFailures, revision: this.active?.revision };
      if (this.st.consecutiveFailures === 1 || this.st.consecutiveFailures % 10 === 0) this.log.warn(fields, 'bundle sync failed; keeping the active policy');
      else this.log.debug(fields, 'bundle sync failed again');
    } else {
      if (this.st.consecutiveFailures > 0) this.log.info({ url: this.o.url, after_failures: this.st.consecutiveFailures }, 'bundle sync recovered');
      this.st.consecutiveFailures = 0;
      this.st.lastSuccessAt = now;
      this.st.policyFetchedAt = now;
      this.m.lastSync.set(now / 1000);
    }
    this.m.consecutive.set(this.st.consecutiveFailures);
    this.m.degraded.set(this.state().degraded ? 1 : 0);
    return r;
  }

  private async attempt(): Promise<SyncResult> {
    if (this.unsaved !== undefined) await this.persist(this.unsaved.bytes, this.unsaved.meta);
    const headers: Record<string, string> = { ...baseHeaders({ version: this.o.version, ...(this.o.apiKey ? { apiKey: this.o.apiKey } : {}) }), Accept: ACCEPT };
    if (this.active?.etag) headers['If-None-Match'] = this.active.etag;
    const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopController.signal]);
    let res: Response;
    let bytes: Uint8Array;
    try {
      res = await this.fetchFn(this.o.url, { method: 'GET', headers, signal, redirect: 'follow' });
      if (res.status === 304) {
        await res.body?.cancel().catch(() => undefined);
        if (!this.active) return { outcome: 'failed', reason: 'http', status: 304, error: 'got 304 Not Modified without an active bundle' };
        void this.o.cache?.touch(this.clock.now());
        return { outcome: 'not_modified', status: 304 };
      }
      if (res.status !== 200) {
        const text = await readText(res, 512);
        const ra = retryAfterMs(res.headers.get('retry-after'), this.clock.now());
        return { outcome: 'failed', reason: 'http', status: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}`, ...(ra !== undefined ? { retryAfterMs: ra } : {}) };
      }
      const length = Number(res.headers.get('content-length') ?? NaN);
      if (Number.isFinite(length) && length > this.maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        return { outcome: 'failed', reason: 'too_large', status: 200, error: `bundle of ${length} bytes exceeds the limit of ${this.maxBytes} bytes` };
      }
      const body = await readBody(res, this.maxBytes);
      if (body === 'too_large') return { outcome: 'failed', reason: 'too_large', status: 200, error: `bundle exceeds the limit of ${this.maxBytes} bytes` };
      bytes = body;
    } catch (e) {
      if (this.stopController.signal.aborted) return { outcome: 'failed', reason: 'network', error: 'stopped' };
      if (isTimeout(e)) return { outcome: 'failed', reason: 'timeout', error: `no complete response within ${this.timeoutMs} ms` };
      return { outcome: 'failed', reason: 'network', error: errorMessage(e) };
    }

    const etag = res.headers.get('etag') ?? undefined;
    let bundle: Bundle;
    try {
      bundle = await readBundle(bytes, { ...this.o.limits, verify: this.o.verify, ...(etag !== undefined ? { etag } : {}) });
    } catch (e) {
      const sig = e instanceof BundleError && e.isSignatureError;
      return { outcome: 'failed', reason: sig ? 'signature' : 'bundle', status: 200, error: errorMessage(e) };
    }
    // A server without ETags sends the same bytes every time: nothing new.
    if (this.active && bundle.sha256 === this.active.sha256) {
      if (etag !== undefined) this.active.etag = etag;
      return { outcome: 'not_modified', status: 200 };
    }
    const now = this.clock.now();
    const info: BundleInfo = { source: 'cloud', revision: bundle.manifest.revision, fetchedAt: now, ...(etag !== undefined ? { etag } : {}) };
    try {
      const ok = await this.o.onBundle(bundle, info);
      if (ok === false) return { outcome: 'failed', reason: 'rejected', status: 200, error: `bundle revision ${JSON.stringify(info.revision)} refused by the agent` };
    } catch (e) {
      return { outcome: 'failed', reason: 'rejected', status: 200, error: `bundle revision ${JSON.stringify(info.revision)} refused: ${errorMessage(e)}` };
    }
    const previous = this.active?.revision;
    this.activate(bundle, info);
    this.log.info({ revision: info.revision, previous_revision: previous, etag, size: bundle.size, signed_by: bundle.signature?.keyId }, 'bundle activated');
    await this.persist(bytes, { revision: info.revision, fetchedAt: now, ...(etag !== undefined ? { etag } : {}) });
    return { outcome: 'updated', status: 200 };
  }

  /** Writes the active bundle to the cache; on failure keeps it to try again (degraded meanwhile). */
  private async persist(bytes: Uint8Array, meta: { revision: string; fetchedAt: number; etag?: string }): Promise<void> {
    if (!this.o.cache) return;
    const ok = await this.o.cache.save(bytes, meta);
    if (ok && this.unsaved !== undefined) this.log.info({ dir: this.o.cache.dir, revision: meta.revision }, 'bundle cache written again');
    this.unsaved = ok ? undefined : { bytes, meta };
  }

  private activate(bundle: Bundle, info: BundleInfo): void {
    const tenant = bundle.manifest.metadata?.tenant_id;
    this.active = {
      revision: info.revision,
      sha256: bundle.sha256,
      source: info.source,
      ...(info.etag !== undefined ? { etag: info.etag } : {}),
      ...(typeof tenant === 'string' ? { tenantId: tenant } : {}),
    };
    this.st.policyFetchedAt = info.fetchedAt;
    this.m.info.reset();
    this.m.info.set({ revision: info.revision, source: info.source }, 1);
  }
}

/** Reads a response body up to `max` bytes; 'too_large' (and the stream cancelled) beyond. */
async function readBody(res: Response, max: number): Promise<Uint8Array | 'too_large'> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return 'too_large';
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

async function readText(res: Response, max: number): Promise<string> {
  try {
    const b = await readBody(res, 64 * 1024);
    if (b === 'too_large') return '';
    return new TextDecoder().decode(b.subarray(0, max)).replace(/\s+/g, ' ').trim();
  } catch {
    return '';
  }
}
