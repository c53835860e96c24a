// Prometheus metrics on a private prom-client Registry.
//
// prom-client's per-call label hashing costs ~0.5 µs per update on this class of machine, which is a
// noticeable share of a decision. So the hot path only bumps plain counters held here, and the
// prom-client metrics read them in their `collect` hook when /metrics is scraped. Rare events
// (reloads, errors) use prom-client directly.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Routes as metric label values; anything else is counted as "other" to keep cardinality bounded. */
export const ROUTES = [
  '/access/v1/evaluation',
  '/access/v1/evaluations',
  '/.well-known/authzen-configuration',
  '/healthz',
  '/readyz',
  '/metrics',
  'other',
  '/access/v1/search/subject',
  '/access/v1/search/resource',
  '/access/v1/search/action',
] as const;
export type RouteId = number; // index into ROUTES

/** Sub-millisecond buckets: a decision normally takes a few microseconds. */
export const DURATION_BUCKETS = [
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25,
];

/** Event-loop lag sampling: a 10 ms timer; its delay beyond the 10 ms is the lag. */
const LAG_RESOLUTION_MS = 10;
const LAG_QUANTILES = [0.5, 0.9, 0.99, 1] as const;

/** Distinct access_path label values kept before further ones are counted as "other". */
const MAX_ACCESS_PATHS = 64;

type HistogramValues = Awaited<ReturnType<Histogram['get']>>;

/** A histogram whose observations are two array writes; prom-client renders it on scrape. */
class FastHistogram extends Histogram {
  private readonly bounds: readonly number[];
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;
  private readonly metricName: string;
  private readonly helpText: string;

  constructor(name: string, help: string, buckets: readonly number[], registry: Registry) {
    super({ name, help, buckets: [...buckets], registers: [registry] });
    this.metricName = name;
    this.helpText = help;
    this.bounds = buckets;
    this.counts = new Float64Array(buckets.length + 1);
  }

  record(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  // The registry renders through getForPromString when a metric has it (prom-client's Histogram
  // does), else through get(); both return our tallies.
  override async get(): Promise<HistogramValues> {
    return this.snapshot();
  }

  async getForPromString(): Promise<HistogramValues> {
    return this.snapshot();
  }

  private snapshot(): HistogramValues {
    const name = this.metricName;
    const values: HistogramValues['values'] = [];
    let acc = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      acc += this.counts[i];
      values.push({ labels: { le: this.bounds[i] }, value: acc, metricName: `${name}_bucket` });
    }
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${name}_bucket` });
    values.push({ labels: {}, value: this.sum, metricName: `${name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${name}_count` });
    return { name, help: this.helpText, type: 'histogram' as unknown as HistogramValues['type'], aggregator: 'sum', values } as HistogramValues;
  }
}

export class AgentMetrics {
  readonly registry = new Registry();

  // Hot-path tallies, read by the collect hooks below.
  private readonly allowedByPath = new Map<string, number>();
  private readonly deniedByPath = new Map<string, number>();
  private readonly requests: Map<number, number>[] = ROUTES.map(() => new Map());
  private readonly duration: FastHistogram;

  readonly evaluationErrors: Counter<'code'>;
  readonly policyReloads: Counter<'result'>;
  readonly connectionsRejected: Counter;
  /** Absent when a sync loop owns these two gauges (cloud mode registers its own). */
  readonly degraded: Gauge | undefined;
  readonly lastSync: Gauge | undefined;
  readonly policyLoaded: Gauge;

  constructor(opts: { defaultMetrics?: boolean; syncGauges?: boolean } = {}) {
    const registry = this.registry;
    const self = this;
    new Counter({
      name: 'vengtoo_agent_decisions_total',
      help: 'Authorization decisions, by outcome and access path',
      labelNames: ['allowed', 'access_path'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [path, n] of self.allowedByPath) this.inc({ allowed: 'true', access_path: path }, n);
        for (const [path, n] of self.deniedByPath) this.inc({ allowed: 'false', access_path: path }, n);
      },
    });
    this.duration = new FastHistogram(
      'vengtoo_agent_decision_duration_seconds',
      'Time to normalise a request and evaluate the policy, in seconds',
      DURATION_BUCKETS,
      registry,
    );
    new Counter({
      name: 'vengtoo_agent_http_requests_total',
      help: 'HTTP requests, by route and status code',
      labelNames: ['route', 'status'],
      registers: [registry],
      collect() {
        this.reset();
        self.requests.forEach((byStatus, route) => {
          for (const [status, n] of byStatus) this.inc({ route: ROUTES[route], status: String(status) }, n);
        });
      },
    });
    this.evaluationErrors = new Counter({
      name: 'vengtoo_agent_evaluation_errors_total',
      help: 'Policy evaluations that failed with an error (answered as deny), by error code (eval_budget_error: the step or time budget stopped it)',
      labelNames: ['code'],
      registers: [registry],
    });
    this.policyReloads = new Counter({
      name: 'vengtoo_agent_policy_reloads_total',
      help: 'Policy loads and reloads, by result (success, failure)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.policyReloads.inc({ result: 'success' }, 0);
    this.policyReloads.inc({ result: 'failure' }, 0);
    this.connectionsRejected = new Counter({
      name: 'vengtoo_agent_connections_rejected_total',
      help: 'Connections closed as soon as accepted because max_connections connections were open',
      registers: [registry],
    });
    const syncGauges = opts.syncGauges !== false;
    this.degraded = syncGauges
      ? new Gauge({
          name: 'vengtoo_agent_degraded',
          help: '1 when the agent serves a stale policy because it cannot sync',
          registers: [registry],
        })
      : undefined;
    this.lastSync = syncGauges
      ? new Gauge({
          name: 'vengtoo_agent_bundle_last_sync_timestamp_seconds',
          help: 'Unix time of the last successful policy load or bundle sync',
          registers: [registry],
        })
      : undefined;
    this.policyLoaded = new Gauge({
      name: 'vengtoo_agent_policy_loaded',
      help: '1 once a policy is loaded and decisions are served',
      registers: [registry],
    });
    if (opts.defaultMetrics !== false) {
      collectDefaultMetrics({ register: registry });
      // Quantiles of the samples since the previous scrape (then reset), as prom-client's
      // nodejs_eventloop_lag_* do, but net of the sampling timer's own 10 ms.
      const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
      lag.enable();
      new Gauge({
        name: 'vengtoo_agent_event_loop_lag_seconds',
        help: 'Event-loop lag since the previous scrape, by quantile ("1" = the maximum): how late a 10 ms timer fired',
        labelNames: ['quantile'],
        registers: [registry],
        collect() {
          for (const q of LAG_QUANTILES) {
            const ns = lag.count === 0 ? 0 : q === 1 ? lag.max : lag.percentile(q * 100);
            this.set({ quantile: String(q) }, Math.max(0, ns / 1e9 - LAG_RESOLUTION_MS / 1000));
          }
          lag.reset();
        },
      });
    }
  }

  /** A failed evaluation (answered as deny), by its RegoError code. */
  recordEvaluationError(e: unknown): void {
    const code = typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'unknown';
    this.evaluationErrors.inc({ code });
  }

  /** One decision: outcome, access path ('' when none) and duration in seconds. */
  recordDecision(allowed: boolean, accessPath: string | undefined, seconds: number): void {
    const m = allowed ? this.allowedByPath : this.deniedByPath;
    let key = accessPath ?? '';
    let n = m.get(key);
    if (n === undefined) {
      if (m.size >= MAX_ACCESS_PATHS) {
        key = 'other';
        n = m.get(key) ?? 0;
      } else n = 0;
    }
    m.set(key, n + 1);
    this.duration.record(seconds);
  }

  recordRequest(route: RouteId, status: number): void {
    const m = this.requests[route];
    m.set(status, (m.get(status) ?? 0) + 1);
  }

  /** Totals since start (for the cloud heartbeat). */
  decisionCounts(): { total: number; allowed: number; denied: number } {
    let allowed = 0;
    let denied = 0;
    for (const n of this.allowedByPath.values()) allowed += n;
    for (const n of this.deniedByPath.values()) denied += n;
    return { total: allowed + denied, allowed, denied };
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
