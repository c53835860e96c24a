// Host services for the engine's I/O builtins, for the CLI and the agent:
//
//   const policy = compile(sources, { host: { ...hostHooks({ allowNet: ['api.internal'] }), print } });
//
// Both hooks block the calling thread on a shared I/O worker (see sync-worker.ts).

import type { HostHooks } from '../rego/builtins/types.js';
import { createLookupIP } from './dns.js';
import { createHttpSend, type HttpSendOptions } from './http-send.js';

export { createHttpSend, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT_MS, type HttpSendOptions } from './http-send.js';
export { createLookupIP, DEFAULT_DNS_TIMEOUT_MS } from './dns.js';
export { stopWorker } from './sync-worker.js';

export interface HostOptions extends HttpSendOptions {
  /** Timeout of one `net.lookup_ip_addr` lookup (default 5s). */
  dnsTimeoutMs?: number;
}

/** `httpSend` and `lookupIP` hooks; `allowNet` applies to both, as OPA's capabilities do. */
export function hostHooks(options: HostOptions = {}): HostHooks {
  return {
    httpSend: createHttpSend(options),
    lookupIP: createLookupIP(options.dnsTimeoutMs, options.allowNet),
  };
}
