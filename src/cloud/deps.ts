// What the cloud client receives from the agent: a logger, a clock, fetch, a metrics registry.
// All injectable so tests (and the agent) decide; defaults are the real ones.

import { Counter, Gauge, type Registry } from 'prom-client';

/** pino-compatible logger: `log.warn({ err }, 'message')` or `log.warn('message')`. */
export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Real time; timers are unref'd so they never keep the process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return t;
  },
  clearTimeout(h) {
    clearTimeout(h as ReturnType<typeof setTimeout>);
  },
};

export type FetchFn = typeof globalThis.fetch;

/** Sleeps on the given clock; resolves early (without throwing) when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = (): void => {
      signal?.removeEventListener('abort', done);
      clock.clearTimeout(h);
      resolve();
    };
    const h = clock.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Exponential backoff with "equal jitter": half the capped delay fixed, half random, so retries
 * never bunch up and never come sooner than half the nominal delay.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const nominal = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}

/** A period with ±fraction jitter. */
export function jittered(ms: number, fraction: number, random: () => number = Math.random): number {
  return Math.max(0, Math.round(ms * (1 - fraction + 2 * fraction * random())));
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date), if any. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(header);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    const c = cause instanceof Error ? cause.message : undefined;
    return c && !e.message.includes(c) ? `${e.message}: ${c}` : e.message;
  }
  return String(e);
}

export function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === 'TimeoutError' || (e as { cause?: Error }).cause?.name === 'TimeoutError');
}

// The latest owner's collect hook per metric, so a metric reused by a new client reads the new one.
const collectors = new WeakMap<object, (g: never) => void>();

// prom-client throws when a metric name is registered twice; the agent may build a client more
// than once on one registry (tests, reconfiguration), so reuse what is there.
export function counter<L extends string>(
  registry: Registry | undefined,
  name: string,
  help: string,
  labelNames: L[] = [],
  collect?: (c: Counter<L>) => void,
): Counter<L> {
  const existing = registry?.getSingleMetric(name) as Counter<L> | undefined;
  const c =
    existing ??
    new Counter<L>({
      name,
      help,
      labelNames,
      registers: registry ? [registry] : [],
      collect(this: Counter<L>) {
        (collectors.get(this) as ((c: Counter<L>) => void) | undefined)?.(this);
      },
    });
  if (collect) collectors.set(c, collect as (g: never) => void);
  return c;
}


export function gauge<L extends string>(
  registry: Registry | undefined,
  name: string,
  help: string,
  labelNames: L[] = [],
  collect?: (g: Gauge<L>) => void,
): Gauge<L> {
  const existing = registry?.getSingleMetric(name) as Gauge<L> | undefined;
  const g =
    existing ??
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: registry ? [registry] : [],
      collect(this: Gauge<L>) {
        (collectors.get(this) as ((g: Gauge<L>) => void) | undefined)?.(this);
      },
    });
  if (collect) collectors.set(g, collect as (g: never) => void);
  return g;
}

export interface HttpClientOptions {
  apiKey?: string;
  /** Agent version; requests carry `User-Agent: vengtoo-agent/<version>`. */
  version: string;
}

export function baseHeaders(o: HttpClientOptions): Record<string, string> {
  const h: Record<string, string> = { 'User-Agent': `vengtoo-agent/${o.version}` };
  if (o.apiKey) h.Authorization = `Bearer ${o.apiKey}`;
  return h;
}

/** Joins `{cloud_url}` and a protocol path. */
export function cloudEndpoint(cloudUrl: string, path: string): string {
  return cloudUrl.replace(/\/+$/, '') + path;
}
