// The authorizer: one decision per held request, the deny answers, and tools/list filtering.
//
// Outcomes of a held request:
//   allowed                                → forwarded upstream unchanged
//   denied by the policy                   → JSON-RPC error -32001 "Denied by policy: <reason> (decision <id>)",
//                                            or with --deny-as tool-error a tools/call result
//                                            {content:[{type:"text",text:<reason>}], isError:true}
//   the request cannot be mapped           → -32602 (e.g. tools/call without a tool name)
//   evaluation error, no policy, PDP down  → -32603: the call is denied, never failed open
// Every held request writes one decision-log line (when the log is on) and counts in the metrics.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AgentMetrics } from '../server/metrics.js';
import type { Decision, EvaluationInput } from '../server/types.js';
import { FORBIDDEN, INTERNAL_ERROR, INVALID_PARAMS, errorResponse, isObject, resultResponse } from './jsonrpc.js';
import { RequestBuilder, type Holdable, type Naming, type SessionInfo } from './request.js';
import type { DecisionSource } from './source.js';

export type DenyAs = 'error' | 'tool-error';

export interface Verdict {
  allowed: boolean;
  /** FORBIDDEN, INVALID_PARAMS or INTERNAL_ERROR when not allowed. */
  code: number;
  reason: string;
  decisionId: string;
  resourceId: string;
}

export interface AuthorizerOptions {
  server: string;
  naming: Naming;
  source: DecisionSource;
  denyAs: DenyAs;
  /** Decision-log line writer; undefined = decision log off. */
  decisionLog?: (line: string) => void;
  logger?: Logger;
}

export class Authorizer {
  readonly builder: RequestBuilder;
  private readonly metrics: AgentMetrics | undefined;
  private lastMs = 0;
  private lastIso = '';

  constructor(private readonly o: AuthorizerOptions) {
    this.builder = new RequestBuilder(o.server, o.naming);
    this.metrics = o.source.metrics;
  }

  /** Synchronous with the in-process engine; a promise with a remote PDP. */
  check(method: Holdable, params: unknown, session: SessionInfo): Verdict | Promise<Verdict> {
    const t0 = performance.now();
    const decisionId = randomUUID();
    const input = this.builder.build(method, params, session);
    if (typeof input === 'string') {
      const v: Verdict = { allowed: false, code: INVALID_PARAMS, reason: input, decisionId, resourceId: '' };
      this.log(session.subject, '', method, v, v.reason, undefined, performance.now() - t0);
      return v;
    }
    const d = this.o.source.decide(input);
    if (d instanceof Promise) return d.then((r) => this.finish(input, r, decisionId, t0));
    return this.finish(input, d, decisionId, t0);
  }

  private finish(input: EvaluationInput, d: Decision, decisionId: string, t0: number): Verdict {
    const ms = performance.now() - t0;
    const resourceId = input.resource.id;
    let v: Verdict;
    if (d.error !== undefined) {
      v = { allowed: false, code: INTERNAL_ERROR, reason: d.reason ?? 'policy evaluation error', decisionId, resourceId };
      this.o.logger?.error({ decision_id: decisionId, resource_id: resourceId, error: errorText(d.error) }, 'authorization failed; call denied');
      this.metrics?.recordEvaluationError(d.error);
    } else {
      v = {
        allowed: d.allowed,
        code: d.allowed ? 0 : FORBIDDEN,
        reason: d.reason ?? (d.allowed ? 'allowed by policy' : 'denied by policy'),
        decisionId,
        resourceId,
      };
    }
    this.metrics?.recordDecision(v.allowed, d.accessPath, ms / 1000);
    this.o.source.onDecision?.(input, d, ms);
    this.log(input.subject.id, resourceId, input.action.name, v, v.code === 0 ? d.reason : v.reason, d.accessPath, ms);
    return v;
  }

  /** The answer to a request that was not allowed. */
  denial(id: unknown, method: Holdable, v: Verdict): string {
    if (v.code === FORBIDDEN && this.o.denyAs === 'tool-error' && method === 'tools/call') {
      return resultResponse(id, {
        content: [{ type: 'text', text: v.reason }],
        isError: true,
        _meta: { 'dev.vengtoo/decision_id': v.decisionId },
      });
    }
    const data = { reason: v.reason, decision_id: v.decisionId, resource_id: v.resourceId };
    if (v.code === FORBIDDEN) return errorResponse(id, FORBIDDEN, `Denied by policy: ${v.reason} (decision ${v.decisionId})`, data);
    if (v.code === INVALID_PARAMS) return errorResponse(id, INVALID_PARAMS, `Cannot authorize: ${v.reason} (decision ${v.decisionId})`, data);
    return errorResponse(id, INTERNAL_ERROR, `Authorization unavailable, call denied: ${v.reason} (decision ${v.decisionId})`, data);
  }

  /**
   * tools/list filtering: each tool is evaluated without arguments (context.phase "list"); tools
   * the policy denies are hidden. Returns the kept tools, in order.
   */
  filterTools(tools: unknown[], session: SessionInfo): unknown[] | Promise<unknown[]> {
    const inputs: EvaluationInput[] = [];
    const at: number[] = [];
    tools.forEach((t, i) => {
      if (!isObject(t)) return;
      const input = this.builder.build('tools/call', { name: t.name }, session, 'list');
      if (typeof input === 'string') return; // a nameless tool cannot be called anyway
      inputs.push(input);
      at.push(i);
    });
    const keep = (allowed: boolean[]): unknown[] => {
      const out: unknown[] = [];
      allowed.forEach((ok, k) => {
        if (ok) out.push(tools[at[k]]);
      });
      return out;
    };
    const r = this.o.source.decideMany(inputs);
    return r instanceof Promise ? r.then(keep) : keep(r);
  }

  /** One line, the agent's decision-log shape plus decision_id, mcp_server and method. */
  private log(
    subject: string,
    resourceId: string,
    action: string,
    v: Verdict,
    reason: string | undefined,
    accessPath: string | undefined,
    ms: number,
  ): void {
    const write = this.o.decisionLog;
    if (write === undefined) return;
    const now = Date.now();
    if (now !== this.lastMs) {
      this.lastMs = now;
      this.lastIso = new Date(now).toISOString();
    }
    let line =
      '{"time":"' +
      this.lastIso +
      '","level":"INFO","msg":"decision","subject_id":' +
      JSON.stringify(subject) +
      ',"resource_id":' +
      JSON.stringify(resourceId) +
      ',"action":' +
      JSON.stringify(action) +
      ',"decision":' +
      v.allowed;
    if (reason !== undefined) line += ',"reason":' + JSON.stringify(reason);
    if (accessPath !== undefined) line += ',"access_path":' + JSON.stringify(accessPath);
    line +=
      ',"ms":' +
      Math.round(ms * 1000) / 1000 +
      ',"decision_id":"' +
      v.decisionId +
      '","mcp_server":' +
      JSON.stringify(this.o.server);
    if (v.code !== 0) line += ',"code":' + v.code;
    write(line + '}\n');
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
