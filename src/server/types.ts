// What the HTTP server needs from the rest of the agent. The server knows nothing about Rego:
// the agent hands it a `decide` function built once per policy (see src/agent/decider.ts).

/** The outcome of one evaluation, already interpreted per the policy contract (PRODUCT.md §3). */
export interface Decision {
  allowed: boolean;
  reason?: string;
  accessPath?: string;
  /** Further keys the policy returned, rendered as JSON object members (`"k":v,...`), or ''. */
  extra: string;
  /** Set when evaluation failed; the decision is then a deny with reason "policy evaluation error". */
  error?: unknown;
}

/** The normalised request the policy sees as `input`. */
export interface EvaluationInput {
  subject: Entity;
  resource: Entity;
  action: Action;
  context?: Record<string, unknown>;
  [other: string]: unknown;
}

export interface Entity {
  type: string;
  id: string;
  properties?: Record<string, unknown>;
  [other: string]: unknown;
}

export interface Action {
  name: string;
  properties?: Record<string, unknown>;
  [other: string]: unknown;
}

export type Decide = (input: EvaluationInput) => Decision;

/**
 * Live state shared by the agent (writer) and the server (reader). Swapping `decide` is the atomic
 * policy swap: a request reads it once and uses that function to the end.
 */
export interface AgentState {
  mode: 'local' | 'cloud';
  /** undefined until a policy is loaded. */
  decide: Decide | undefined;
  /** Bundle revision, or a content hash for local files; '' before the first load. */
  revision: string;
  /** Epoch ms of the last successful load or sync; 0 = never. */
  lastSync: number;
  degraded: boolean;
  startedAt: number;
}
