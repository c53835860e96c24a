// From an MCP request to an AuthZEN request (the policy's `input`).
//
// Default naming (the product's examples, PRODUCT.md §10):
//   tools/call     subject {type:"agent", id}  action {name:"invoke"}  resource {type:"mcp_tool",     id:"<server>__<tool>",   properties:{arguments}}
//   resources/read                             action {name:"read"}    resource {type:"mcp_resource", id:"<server>__<uri>",    properties:{uri}}
//   prompts/get                                action {name:"get"}     resource {type:"mcp_prompt",   id:"<server>__<prompt>", properties:{arguments}}
// `--naming coaz` (the AuthZEN MCP binding draft): subject {type:"identity", id} (the human or the
// token's subject), action {name:<MCP method>}, resource {type:"tool"|"resource"|"prompt", id:<name or uri>},
// and the agent (the MCP client) in context.agent.
//
// Context, both namings: {server, method, phase:"call"|"list", client:{name,version,...}, protocol_version?, agent?}.
// In the list phase (tools/list filtering) the resource carries no arguments.

import type { EvaluationInput } from '../server/types.js';
import { isObject } from './jsonrpc.js';

export type Naming = 'default' | 'coaz';
export type Phase = 'call' | 'list';

/** What the gateway knows about the client of one session. */
export interface SessionInfo {
  /** The subject id: --subject / env on stdio, the bearer token's subject on HTTP. */
  subject: string;
  /** `params.clientInfo` of the client's initialize request. */
  client?: Record<string, unknown>;
  /** The protocol version the client asked for. */
  protocolVersion?: string;
  /** The agent's id (coaz: context.agent): the token's client id, else the client's name. */
  agent?: string;
}

/** Methods the gateway can hold for a decision. */
export const HOLDABLE = ['tools/call', 'resources/read', 'prompts/get'] as const;
export type Holdable = (typeof HOLDABLE)[number];

const DEFAULT_NAMES: Record<Holdable, { type: string; action: string }> = {
  'tools/call': { type: 'mcp_tool', action: 'invoke' },
  'resources/read': { type: 'mcp_resource', action: 'read' },
  'prompts/get': { type: 'mcp_prompt', action: 'get' },
};
const COAZ_TYPES: Record<Holdable, string> = { 'tools/call': 'tool', 'resources/read': 'resource', 'prompts/get': 'prompt' };

export class RequestBuilder {
  constructor(
    private readonly server: string,
    private readonly naming: Naming,
  ) {}

  /**
   * The AuthZEN request for one held MCP request, or a string naming why it cannot be mapped
   * (answered with -32602).
   */
  build(method: Holdable, params: unknown, session: SessionInfo, phase: Phase = 'call'): EvaluationInput | string {
    if (!isObject(params)) return `${method}: params must be an object`;
    let target: unknown;
    let properties: Record<string, unknown>;
    if (method === 'resources/read') {
      target = params.uri;
      if (typeof target !== 'string' || target === '') return 'resources/read: params.uri must be a non-empty string';
      properties = { uri: target };
    } else {
      target = params.name;
      if (typeof target !== 'string' || target === '') return `${method}: params.name must be a non-empty string`;
      const args = params.arguments;
      if (args !== undefined && args !== null && !isObject(args)) return `${method}: params.arguments must be an object`;
      properties = phase === 'list' ? {} : { arguments: args ?? {} };
    }
    const context: Record<string, unknown> = { server: this.server, method, phase, client: session.client ?? {} };
    if (session.protocolVersion !== undefined) context.protocol_version = session.protocolVersion;
    if (this.naming === 'coaz') {
      context.agent = session.agent ?? (typeof session.client?.name === 'string' ? session.client.name : '');
      return {
        subject: { type: 'identity', id: session.subject },
        resource: { type: COAZ_TYPES[method], id: target, properties },
        action: { name: method },
        context,
      };
    }
    const names = DEFAULT_NAMES[method];
    if (session.agent !== undefined) context.agent = session.agent;
    return {
      subject: { type: 'agent', id: session.subject },
      resource: { type: names.type, id: `${this.server}__${target}`, properties },
      action: { name: names.action },
      context,
    };
  }
}
