// Decisions from a remote agent (`--pdp URL`): POST {URL}/access/v1/evaluation with a timeout.
// Anything but a 200 with a boolean decision (unreachable, timeout, 4xx/5xx, bad JSON) is a deny
// that carries an error, which the gateway answers with -32603: there is no fail-open switch.
// tools/list filtering asks {URL}/access/v1/evaluations once for all tools.

import type { Decision, EvaluationInput } from '../server/types.js';
import type { DecisionSource } from './source.js';

export interface PdpOptions {
  /** Base URL of the agent (http://127.0.0.1:8181), or the full evaluation endpoint. */
  url: string;
  timeoutMs: number;
  /** The agent's client secret, sent as `Authorization: Bearer`. */
  token?: string;
}

export class PdpUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PdpUnavailable';
  }
}

export class RemotePdp implements DecisionSource {
  readonly kind = 'pdp';
  private readonly one: string;
  private readonly many: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly o: PdpOptions) {
    const base = o.url.replace(/\/+$/, '').replace(/\/access\/v1\/evaluations?$/, '');
    this.one = base + '/access/v1/evaluation';
    this.many = base + '/access/v1/evaluations';
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (o.token) this.headers.authorization = `Bearer ${o.token}`;
  }

  ready(): boolean {
    return true;
  }

  async decide(input: EvaluationInput): Promise<Decision> {
    try {
      const body = await this.post(this.one, input);
      return toDecision(body);
    } catch (e) {
      return { allowed: false, reason: 'policy decision point unavailable', extra: '', error: e };
    }
  }

  async decideMany(inputs: EvaluationInput[]): Promise<boolean[]> {
    if (inputs.length === 0) return [];
    try {
      const body = await this.post(this.many, { evaluations: inputs });
      const items = (body as { evaluations?: unknown }).evaluations;
      if (!Array.isArray(items)) throw new PdpUnavailable('PDP answered without an evaluations array');
      return inputs.map((_, i) => (items[i] as { decision?: unknown } | undefined)?.decision === true);
    } catch {
      return inputs.map(() => false); // fail closed: nothing is shown
    }
  }

  private async post(url: string, payload: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `timed out after ${this.o.timeoutMs} ms` : causeText(e);
      throw new PdpUnavailable(`PDP ${url} unreachable: ${why}`);
    }
    const text = await res.text();
    if (res.status !== 200) throw new PdpUnavailable(`PDP ${url} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new PdpUnavailable(`PDP ${url} answered invalid JSON`);
    }
  }
}

/** `{decision, context:{reason, access_path}}` (AuthZEN) or `{allowed, reason, access_path}` (product mirrors). */
export function toDecision(body: unknown): Decision {
  if (typeof body !== 'object' || body === null) throw new PdpUnavailable('PDP answered a non-object');
  const b = body as Record<string, unknown>;
  const ctx = (typeof b.context === 'object' && b.context !== null ? b.context : {}) as Record<string, unknown>;
  const decision = typeof b.decision === 'boolean' ? b.decision : b.allowed;
  if (typeof decision !== 'boolean') throw new PdpUnavailable('PDP answer has no boolean decision');
  const d: Decision = { allowed: decision, extra: '' };
  const reason = typeof ctx.reason === 'string' ? ctx.reason : b.reason;
  const path = typeof ctx.access_path === 'string' ? ctx.access_path : b.access_path;
  if (typeof reason === 'string') d.reason = reason;
  if (typeof path === 'string') d.accessPath = path;
  return d;
}

function causeText(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return c?.code ?? c?.message ?? (e as Error).message ?? String(e);
}
