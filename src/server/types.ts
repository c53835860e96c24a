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

/** The request headers the decision endpoints read (see scanHeaders in server.ts). */
export interface RequestHeaders {
  contentType?: string;
  contentLength?: string;
  requestId?: string;
  authorization?: string;
}

/** Where a decision endpoint's answer goes: a node:http response or a fast-path connection. */
export interface Reply {
  /** Sends (or queues) a response; `extra` are further header name/value pairs. */
  send(status: number, body: string, id: string, extra?: readonly string[]): void;
  /** Responses given so far (a handler that failed half-way can tell whether it answered). */
  readonly responses: number;
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
  /** The search APIs' view of the same policy (swapped with `decide`); undefined before a load. */
  search?: SearchSource;
  /** Bundle revision, or a content hash for local files; '' before the first load. */
  revision: string;
  /** Epoch ms of the last successful load or sync; 0 = never. */
  lastSync: number;
  degraded: boolean;
  startedAt: number;
}

/**
 * What the search APIs need from one loaded policy (built by src/agent/search.ts): its decision
 * function, its revision, and the known entities. Immutable, like the policy it comes from.
 */
export interface SearchSource {
  /** The policy revision, bound into page tokens. */
  readonly revision: string;
  /** The same prepared decision as `AgentState.decide` for this policy. */
  readonly decide: Decide;
  /**
   * The same decision for one search, whose candidates' inputs differ only under `varying`:
   * rules that do not read that part of the input are computed once for the search.
   */
  session(varying: 'subject' | 'resource' | 'action'): Decide;
  /**
   * Known subjects or resources of one type, sorted by id; undefined when the type is unknown.
   * Throws when the policy's entities document cannot be evaluated.
   */
  entities(kind: 'subject' | 'resource', type: string): Candidates | undefined;
  /** True when the policy lists entities of this kind at all (`subjects` / `resources`). */
  lists(kind: 'subject' | 'resource'): boolean;
  /** Candidate action names for a resource type, sorted. Throws like `entities`. */
  actions(resourceType: string): readonly string[];
}

/** The known entities of one type. */
export interface Candidates {
  /** Ids in search order. */
  readonly ids: readonly string[];
  /** Stored properties by position in `ids` (undefined: none). */
  readonly properties: readonly (Record<string, unknown> | undefined)[];
  /** Position of an id in `ids`, or -1. */
  indexOf(id: string): number;
}
