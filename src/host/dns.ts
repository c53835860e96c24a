// The host side of `net.lookup_ip_addr`: the system resolver (getaddrinfo, so /etc/hosts
// counts) through the synchronous I/O bridge. Every address, IPv4 and IPv6.

import { runJob, WorkerJobError, WorkerTimeoutError } from './sync-worker.js';

export const DEFAULT_DNS_TIMEOUT_MS = 5_000;

/**
 * Builds the `lookupIP` host hook. Failures throw an Error whose message the builtin reports,
 * e.g. `lookup nonexistent.invalid: no such host`. With a non-empty allow-list, other names
 * fail with `unallowed host: <name>` (OPA's capabilities allow_net).
 */
export function createLookupIP(timeoutMs: number = DEFAULT_DNS_TIMEOUT_MS, allowNet?: string[]): (name: string) => string[] {
  const allow = allowNet?.length ? new Set(allowNet.map((h) => h.toLowerCase())) : undefined;
  return (name: string): string[] => {
    if (allow !== undefined && !allow.has(name.toLowerCase())) throw new Error(`unallowed host: ${name}`);
    try {
      return runJob<string[]>({ kind: 'dns', name }, timeoutMs > 0 ? timeoutMs : Infinity);
    } catch (e) {
      if (e instanceof WorkerTimeoutError) throw new Error(`lookup ${name}: i/o timeout`);
      if (e instanceof WorkerJobError) throw new Error(e.message);
      throw e;
    }
  };
}
