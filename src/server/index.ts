// The HTTP side of the agent: AuthZEN handlers, health, metrics, auth. Knows nothing about Rego.
export { AgentServer, type ServerOptions } from './server.js';
export { AgentMetrics, ROUTES, DURATION_BUCKETS } from './metrics.js';
export { DecisionLog, type LineWriter } from './decision-log.js';
export { BearerAuth, WWW_AUTHENTICATE } from './auth.js';
export type { AgentState, Decide, Decision, EvaluationInput, Entity, Action } from './types.js';
