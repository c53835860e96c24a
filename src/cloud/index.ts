// Vengtoo Cloud client: bundle sync (ETag, backoff), disk cache, heartbeat, audit forwarding.
// Never imports src/server; the agent wires these to the policy swap, health and metrics.

export { BundleSync, type BundleSyncOptions, type BundleInfo, type OnBundle, type SyncResult, type SyncState, type SyncOutcome, type FailureReason } from './sync.js';
export { BundleCache, cacheSourceId, atomicWrite, type BundleCacheOptions, type CacheMeta, type CachedBundle } from './cache.js';
export { Heartbeat, type HeartbeatOptions, type HeartbeatPayload, type HeartbeatStatus, type DecisionCounts } from './heartbeat.js';
export { AuditForwarder, type AuditForwarderOptions, type AuditEvent, type AuditStats, type DropReason } from './audit.js';
export { systemClock, silentLogger, cloudEndpoint, backoffDelay, jittered, type Clock, type Logger, type FetchFn } from './deps.js';

/** Protocol paths under cloud_url (docs/cloud-protocol.md). */
export const CLOUD_PATHS = {
  bundle: '/v1/agent/bundle',
  heartbeat: '/v1/agent/heartbeat',
  decisions: '/v1/agent/decisions',
} as const;
