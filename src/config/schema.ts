// Every configuration key in one table: its kind, default and one line of documentation.
// The typed Config, the env variable names, the generic `--key-name` flags and the README table all
// follow from this table, so a new key is one entry here.

export type Kind =
  | 'string'
  | 'secret' // a string that is never logged
  | 'url'
  | 'path' // "~/" expands to the home directory; relative paths resolve against the YAML file or cwd
  | 'listen' // host:port, [v6]:port or :port; port 0 picks a free port
  | 'duration' // Go syntax, held as milliseconds
  | 'bool'
  | 'int'
  | 'bytes' // integer, or with a KiB/MiB/GiB (or KB/MB/GB) suffix
  | 'log_level';

export interface KeyDef {
  kind: Kind;
  /** The default as a user would write it; `computed` defaults are filled in by load.ts. */
  default: string;
  doc: string;
  /** Lower bound for numbers. */
  min?: number;
  /** Default derived from other keys or from the machine (documented in `default`). */
  computed?: true;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const KEYS = {
  api_key: { kind: 'secret', default: '', doc: 'API key from Vengtoo Cloud; turns on cloud mode when no policy is given' },
  client_secret: {
    kind: 'secret',
    default: '',
    doc: 'When set, `/access/v1/*` requires `Authorization: Bearer <secret>`',
  },
  cloud_url: { kind: 'url', default: 'https://api.vengtoo.com', doc: 'Vengtoo Cloud base URL' },
  tenant_id: { kind: 'string', default: '', doc: 'Tenant ID; read from the bundle manifest when not set' },
  listen_addr: { kind: 'listen', default: '0.0.0.0:8181', doc: 'HTTP listen address (`host:port`; port 0 picks a free port)' },
  poll_interval: { kind: 'duration', default: '30s', min: 1, doc: 'How often to sync policies from the cloud' },
  cache_dir: { kind: 'path', default: '~/.vengtoo/bundles', doc: 'Directory for persisted policy bundles' },
  log_level: { kind: 'log_level', default: 'info', doc: 'Log verbosity: `debug`, `info`, `warn`, `error`' },
  decision_log: { kind: 'bool', default: 'false', doc: 'One JSON line per decision on stdout' },
  agent_name: { kind: 'string', default: 'hostname', computed: true, doc: 'Identifies this agent instance in the dashboard' },
  agent_region: { kind: 'string', default: '', doc: 'Display label for the region this agent runs in' },
  agent_domain: { kind: 'string', default: '', doc: 'Display label for the domain or environment' },
  heartbeat_interval: { kind: 'duration', default: '30s', min: 1, doc: 'How often the agent sends a liveness ping to the cloud' },
  audit_forwarding: { kind: 'bool', default: 'true', doc: 'Forward decisions to the cloud decision log (cloud mode)' },
  audit_endpoint: {
    kind: 'url',
    default: '{cloud_url}/v1/agent/decisions',
    computed: true,
    doc: 'Override the audit ingest endpoint',
  },
  audit_batch_size: { kind: 'int', default: '100', min: 1, doc: 'Decision events to buffer before flushing' },
  audit_batch_interval: { kind: 'duration', default: '5s', min: 1, doc: 'Maximum wait before flushing a partial batch' },
  audit_buffer_size: { kind: 'int', default: '10000', min: 1, doc: 'In-memory buffer capacity for decision events' },
  audit_retry_attempts: { kind: 'int', default: '5', min: 0, doc: 'Retry attempts for failed audit log flushes' },
  trusted_keys_path: {
    kind: 'path',
    default: '~/.vengtoo/trusted_keys.json',
    doc: 'Pinned public keys for bundle signature verification',
  },
  bundle_signature_required: { kind: 'bool', default: 'false', doc: 'Reject unsigned bundles' },
  agent_hosting: { kind: 'string', default: 'self', doc: 'Hosting label shown in the dashboard (self, aws, gcp, ...)' },
  decision_path: {
    kind: 'string',
    default: 'vengtoo/authz/decision',
    doc: 'Decision rule; when undefined, the sibling `allow` rule is tried',
  },
  bundle_url: { kind: 'url', default: '', doc: 'Pull bundles from this OPA bundle URL instead of Vengtoo Cloud' },
  policy: {
    kind: 'path',
    default: '',
    doc: 'Local mode: a `.rego` file, a folder of `.rego` + `data.json`/`data.yaml`, or a bundle `.tar.gz`',
  },
  watch: { kind: 'bool', default: 'true', doc: 'Local mode: reload the policy when its files change' },
  watch_interval: { kind: 'duration', default: '1s', min: 10, doc: 'Local mode: how often policy files are polled for changes (file events also trigger a reload)' },
  max_connections: {
    kind: 'int',
    default: '10000',
    min: 0,
    doc: 'Most open HTTP connections; one more is closed as soon as it is accepted. Keep it below the file-descriptor limit (`ulimit -n`). `0` = unlimited',
  },
  max_body_bytes: { kind: 'bytes', default: '1MiB', min: 64, doc: 'Largest accepted request body (larger → 413)' },
  max_depth: { kind: 'int', default: '64', min: 2, doc: 'Deepest accepted JSON nesting in a request (deeper → 400)' },
  strict_builtin_errors: { kind: 'bool', default: 'false', doc: 'Builtin errors fail the evaluation instead of making the expression undefined' },
  eval_max_steps: {
    kind: 'int',
    default: '1000000',
    min: 0,
    doc: 'Evaluation budget in steps (rules, function calls, iterations, and the elements builtins such as `numbers.range` build); a decision over it is denied as an evaluation error. 0 = unlimited',
  },
  eval_timeout: {
    kind: 'duration',
    default: '100ms',
    min: 0,
    doc: 'Wall-clock evaluation budget per decision request (a batch shares it); over it → denied as an evaluation error. 0 = unlimited',
  },
  http_send: {
    kind: 'bool',
    default: 'false',
    doc: 'Let policies call `http.send` (and resolve names for `net.lookup_ip_addr`). Off by default: the call blocks the decision until the remote answers',
  },
  http_send_allow_net: {
    kind: 'string',
    default: '',
    doc: 'Comma-separated hosts `http.send` may reach (empty = any host, when `http_send` is on)',
  },
  http_send_timeout: { kind: 'duration', default: '5s', min: 1, doc: 'Default `http.send` timeout when the request sets none' },
  search_max_candidates: {
    kind: 'int',
    default: '100000',
    min: 1,
    doc: 'Most candidates one search request examines; more → 400 (with `page.limit`: a shorter page instead)',
  },
  search_timeout: {
    kind: 'duration',
    default: '2s',
    min: 1,
    doc: 'Longest a search request runs; over it → 503 (with `page.limit`: a shorter page instead)',
  },
  public_url: {
    kind: 'url',
    default: '',
    doc: 'Base URL announced in `/.well-known/authzen-configuration` (default: from the request\'s Host header)',
  },
  shutdown_timeout: { kind: 'duration', default: '10s', min: 0, doc: 'On SIGTERM/SIGINT, how long in-flight requests may take before connections are closed' },
} as const satisfies Record<string, KeyDef>;

export type Key = keyof typeof KEYS;

interface KindType {
  string: string;
  secret: string;
  url: string;
  path: string;
  listen: string;
  duration: number;
  bool: boolean;
  int: number;
  bytes: number;
  log_level: LogLevel;
}

/**
 * The effective configuration. Durations are milliseconds, `bytes` are bytes, unset strings are ''.
 * Paths are absolute (or '' when unset).
 */
export type Settings = { -readonly [K in Key]: KindType[(typeof KEYS)[K]['kind']] };

export const KEY_NAMES = Object.keys(KEYS) as Key[];

/** `poll_interval` → `VENGTOO_POLL_INTERVAL`. */
export function envName(key: Key): string {
  return 'VENGTOO_' + key.toUpperCase();
}

/** `poll_interval` → `--poll-interval`. */
export function flagName(key: Key): string {
  return '--' + key.replaceAll('_', '-');
}
