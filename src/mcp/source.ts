// Where decisions come from: the in-process engine (the agent's own policy loading) or a remote
// PDP (pdp.ts). The in-process source is the Agent itself, used without its HTTP server: the same
// `--policy` reading, bundles, compile, decider, hot reload and metrics, so a policy behaves in
// the gateway exactly as it does behind /access/v1/evaluation.

import type { Logger } from 'pino';
import { Agent, AgentStartError } from '../agent/agent.js';
import { CloudMode, CloudStartError } from '../agent/cloud.js';
import { PolicyWatcher } from '../agent/watcher.js';
import type { Config } from '../config/index.js';
import type { AgentMetrics } from '../server/metrics.js';
import type { Decide, Decision, EvaluationInput } from '../server/types.js';

export interface DecisionSource {
  readonly kind: 'local' | 'pdp';
  /** Synchronous for the in-process engine, so a call is held for no longer than the evaluation. */
  decide(input: EvaluationInput): Decision | Promise<Decision>;
  /** List phase: one boolean per input (true = may be shown). */
  decideMany(inputs: EvaluationInput[]): boolean[] | Promise<boolean[]>;
  /** Whether a policy is loaded (the in-process engine before its first good load is not). */
  ready(): boolean;
  /** Called after every policy swap (hot reload). */
  onChange?(listener: () => void): void;
  /** Called after every decision on a held request (cloud mode: audit forwarding); must not block. */
  onDecision?: (input: EvaluationInput, d: Decision, ms: number) => void;
  metrics?: AgentMetrics;
  stop?(): Promise<void>;
}

const NO_POLICY_ERROR = new Error('no policy loaded');

export interface LocalEngineOptions {
  config: Config;
  version: string;
  logger: Logger;
  /** Register Node's process metrics in the registry (served on /metrics in --listen mode). */
  defaultMetrics?: boolean;
}

export class LocalEngine implements DecisionSource {
  readonly kind = 'local';
  readonly agent: Agent;
  readonly metrics: AgentMetrics;
  private current: Decide | undefined;
  private readonly listeners: (() => void)[] = [];
  private watcher: PolicyWatcher | undefined;
  private cloud: CloudMode | undefined;
  onDecision: ((input: EvaluationInput, d: Decision, ms: number) => void) | undefined;

  constructor(private readonly o: LocalEngineOptions) {
    // The agent's own decision-log writer is never used here: the gateway logs its decisions itself
    // (with the decision id and MCP fields), through the same kind of line writer.
    this.agent = new Agent({ config: o.config, version: o.version, logger: o.logger, write: () => {}, defaultMetrics: o.defaultMetrics ?? false });
    this.metrics = this.agent.metrics;
    // Every swap of the agent's decide function (file reload today, cloud bundles when they land)
    // goes through this setter, so the gateway hears about each new policy whatever loaded it.
    const state = this.agent.state;
    this.current = state.decide;
    Object.defineProperty(state, 'decide', {
      enumerable: true,
      configurable: true,
      get: () => this.current,
      set: (v: Decide | undefined) => {
        const changed = v !== this.current;
        this.current = v;
        if (changed) queueMicrotask(() => this.listeners.forEach((l) => l()));
      },
    });
  }

  /**
   * Local mode: loads the policy (a broken one is reported and every call is denied until it is
   * fixed), then watches it. Cloud mode: the agent's cloud wiring (bundle cache served at once,
   * background sync, heartbeat, audit forwarding of the gateway's decisions).
   */
  async start(): Promise<void> {
    const c = this.o.config;
    if (c.mode === 'cloud') {
      try {
        this.cloud = await CloudMode.create(c, this.agent, this.o.version, this.o.logger);
      } catch (e) {
        if (e instanceof CloudStartError) throw new AgentStartError(e.message);
        throw e;
      }
      this.onDecision = this.cloud.onDecision;
      await this.cloud.start();
      return;
    }
    await this.agent.reload('start');
    if (c.watch) {
      this.watcher = new PolicyWatcher(c.policy, {
        intervalMs: c.watch_interval,
        onChange: () => void this.agent.reload('change'),
        onError: (e) => this.o.logger.warn({ error: String(e) }, 'policy watch failed'),
      });
      await this.watcher.start();
    }
  }

  ready(): boolean {
    return this.current !== undefined;
  }

  decide(input: EvaluationInput): Decision {
    const d = this.current;
    if (d === undefined) return { allowed: false, reason: 'no policy loaded', extra: '', error: NO_POLICY_ERROR };
    return d(input);
  }

  decideMany(inputs: EvaluationInput[]): boolean[] {
    const d = this.current;
    return inputs.map((i) => {
      if (d === undefined) return false;
      const r = d(i);
      return r.allowed && r.error === undefined;
    });
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async stop(): Promise<void> {
    this.watcher?.stop();
    await this.cloud?.stop(this.o.config.shutdown_timeout);
  }
}
