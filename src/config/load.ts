// YAML + environment + flags → one typed Config. No side effects: the caller passes the environment,
// the flags and a file reader, and gets a Config back or a ConfigError naming the key.
//
// Precedence, lowest first: defaults < YAML file < VENGTOO_<KEY> environment < flags.
// YAML file: --config PATH (or VENGTOO_CONFIG), else ./vengtoo-agent.yaml, else ~/.vengtoo/agent.yaml.

import { isAbsolute, join, resolve, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from './duration.js';
import { KEYS, KEY_NAMES, LOG_LEVELS, envName, flagName, type Key, type KeyDef, type Settings } from './schema.js';

export type Mode = 'local' | 'cloud';

export interface Config extends Settings {
  /** local: a policy path is given; cloud: pull bundles (api_key or bundle_url). */
  mode: Mode;
}

export type Origin = 'default' | 'file' | 'env' | 'flag';

export interface LoadedConfig {
  config: Config;
  /** The YAML file that was read, or '' when none. */
  file: string;
  origins: Record<Key, Origin>;
  /** Non-fatal remarks (e.g. an unknown VENGTOO_* variable), for the caller to log. */
  warnings: string[];
}

export interface ConfigSources {
  /** Flag values by key; `true` for a bare boolean flag. */
  flags?: Partial<Record<Key, string | boolean>>;
  /** The flag a key came from, for messages (default `--key-name`), e.g. listen_addr → "--listen". */
  flagNames?: Partial<Record<Key, string>>;
  /** An explicit YAML path (--config); it must exist. */
  configPath?: string;
  env?: Record<string, string | undefined>;
  cwd: string;
  home: string;
  hostname: string;
  /** Returns the file's text, or undefined when it does not exist. Other errors throw. */
  readFile: (path: string) => string | undefined;
}

export class ConfigError extends Error {
  constructor(
    /** The offending key, or '' for errors about the file itself. */
    readonly key: string,
    readonly detail: string,
    readonly source = '',
  ) {
    super(`config: ${key ? key + (source ? ` (from ${source})` : '') + ': ' : source ? source + ': ' : ''}${detail}`);
    this.name = 'ConfigError';
  }
}

const KEY_SET = new Set<string>(KEY_NAMES);

export function loadConfig(src: ConfigSources): LoadedConfig {
  const env = src.env ?? {};
  const warnings: string[] = [];
  const values = {} as Record<Key, unknown>;
  const origins = {} as Record<Key, Origin>;

  for (const key of KEY_NAMES) {
    const def: KeyDef = KEYS[key];
    if (def.computed) continue;
    values[key] = convert(key, def.default, 'default', src.cwd, src.home);
    origins[key] = 'default';
  }

  // YAML file.
  const explicit = src.configPath ?? nonEmpty(env.VENGTOO_CONFIG);
  let file = '';
  let text: string | undefined;
  if (explicit !== undefined) {
    file = resolve(src.cwd, expandHome(explicit, src.home));
    text = src.readFile(file);
    if (text === undefined) throw new ConfigError('', `config file not found: ${file}`, explicit === src.configPath ? '--config' : 'VENGTOO_CONFIG');
  } else {
    for (const candidate of [join(src.cwd, 'vengtoo-agent.yaml'), join(src.home, '.vengtoo', 'agent.yaml')]) {
      text = src.readFile(candidate);
      if (text !== undefined) {
        file = candidate;
        break;
      }
    }
  }
  if (text !== undefined) {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (e) {
      throw new ConfigError('', `invalid YAML: ${(e as Error).message}`, file);
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('', 'the YAML document must be a mapping of keys to values', file);
      for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
        if (!KEY_SET.has(k)) throw new ConfigError(k, `unknown key${suggest(k)}`, file);
        if (v === null || v === undefined) continue;
        values[k as Key] = convert(k as Key, v, file, dirname(file), src.home);
        origins[k as Key] = 'file';
      }
    }
  }

  // Environment.
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('VENGTOO_') || name === 'VENGTOO_CONFIG') continue;
    const key = name.slice(8).toLowerCase();
    if (!KEY_SET.has(key)) {
      warnings.push(`unknown environment variable ${name} ignored${suggest(key, 'VENGTOO_')}`);
      continue;
    }
    if (raw === undefined || raw === '') continue;
    values[key as Key] = convert(key as Key, raw, envName(key as Key), src.cwd, src.home);
    origins[key as Key] = 'env';
  }

  // Flags.
  for (const [key, raw] of Object.entries(src.flags ?? {})) {
    if (raw === undefined) continue;
    const name = src.flagNames?.[key as Key] ?? flagName(key as Key);
    if (!KEY_SET.has(key)) throw new ConfigError(key, 'unknown flag', name);
    values[key as Key] = convert(key as Key, raw, name, src.cwd, src.home);
    origins[key as Key] = 'flag';
  }

  // Computed defaults.
  if (values.agent_name === undefined || values.agent_name === '') {
    values.agent_name = src.hostname;
    origins.agent_name ??= 'default';
  }
  if (values.audit_endpoint === undefined || values.audit_endpoint === '') {
    values.audit_endpoint = String(values.cloud_url).replace(/\/+$/, '') + '/v1/agent/decisions';
    origins.audit_endpoint ??= 'default';
  }

  const settings = values as Settings;
  let mode: Mode;
  if (settings.policy !== '') mode = 'local';
  else if (settings.api_key !== '' || settings.bundle_url !== '') mode = 'cloud';
  else {
    throw new ConfigError(
      'api_key',
      'no policy and no API key: pass --policy PATH for local mode, or set VENGTOO_API_KEY (or bundle_url) for cloud mode',
    );
  }
  return { config: { ...settings, mode }, file, origins, warnings };
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return p;
}

/** Converts one raw value (YAML scalar, env string or flag) for a key, or throws naming the key. */
function convert(key: Key, raw: unknown, source: string, baseDir: string, home: string): unknown {
  const def: KeyDef = KEYS[key];
  const fail = (detail: string): never => {
    throw new ConfigError(key, detail, source === 'default' ? '' : source);
  };
  const str = (): string => {
    if (typeof raw === 'string') return raw;
    if (typeof raw === 'number' || typeof raw === 'bigint') return String(raw);
    return fail(`expected a string, got ${describe(raw)}`);
  };
  switch (def.kind) {
    case 'string':
    case 'secret': {
      const s = str();
      return key === 'decision_path' ? decisionPath(s, fail) : s;
    }
    case 'url': {
      const s = str().trim();
      if (s === '') return '';
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        return fail(`invalid URL ${JSON.stringify(s)}`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(`URL must use http or https: ${JSON.stringify(s)}`);
      return s;
    }
    case 'path': {
      const s = str();
      if (s === '') return '';
      const p = expandHome(s, home);
      return isAbsolute(p) ? p : resolve(baseDir, p);
    }
    case 'listen': {
      const s = str().trim();
      if (parseListen(s) === undefined) fail(`invalid listen address ${JSON.stringify(s)} (use host:port, [::1]:port or :port)`);
      return s;
    }
    case 'log_level': {
      const s = str().trim().toLowerCase();
      if (!(LOG_LEVELS as readonly string[]).includes(s)) fail(`invalid log level ${JSON.stringify(raw)} (use ${LOG_LEVELS.join(', ')})`);
      return s;
    }
    case 'duration': {
      let ms: number | undefined;
      if (typeof raw === 'number') ms = raw === 0 ? 0 : undefined;
      else if (typeof raw === 'string') ms = parseDuration(raw);
      if (ms === undefined) {
        return fail(`invalid duration ${JSON.stringify(raw)} (use Go syntax such as "30s", "1m30s" or "500ms")`);
      }
      if (def.min !== undefined && ms < def.min) fail(`duration ${JSON.stringify(raw)} is too short`);
      return ms;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'number' && (raw === 0 || raw === 1)) return raw === 1;
      const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
      return fail(`invalid boolean ${JSON.stringify(raw)} (use true, false, 1 or 0)`);
    }
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) return fail(`invalid number ${JSON.stringify(raw)} (expected a whole number)`);
      if (def.min !== undefined && n < def.min) fail(`${n} is below the minimum ${def.min}`);
      return n;
    }
    case 'bytes': {
      const n = parseBytes(raw);
      if (n === undefined) return fail(`invalid size ${JSON.stringify(raw)} (use bytes, or a suffix: 64KiB, 1MiB, 1MB)`);
      if (def.min !== undefined && n < def.min) fail(`${n} bytes is below the minimum ${def.min}`);
      return n;
    }
  }
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

function parseBytes(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw >= 0 ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  if (!m) return undefined;
  const unit = BYTE_UNITS[m[2].toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** `data.vengtoo.authz.decision` or `vengtoo/authz/decision` → `vengtoo/authz/decision`. */
function decisionPath(s: string, fail: (d: string) => never): string {
  let p = s.trim();
  if (p.startsWith('data.')) p = p.slice(5).replaceAll('.', '/');
  p = p.replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/.test(p)) {
    return fail(`invalid rule path ${JSON.stringify(s)} (use package/rule, e.g. "vengtoo/authz/decision")`);
  }
  return p;
}

export interface ListenAddress {
  /** '' means every interface. */
  host: string;
  port: number;
}

export function parseListen(s: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.%\w]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}

/** " (did you mean poll_interval?)" for a near miss. */
function suggest(key: string, prefix = ''): string {
  let best = '';
  let bestDist = 3;
  for (const k of KEY_NAMES) {
    const d = distance(key.toLowerCase(), k);
    if (d < bestDist) {
      bestDist = d;
      best = k;
    }
  }
  return best ? ` (did you mean ${prefix ? prefix + best.toUpperCase() : best}?)` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The config with secrets masked, for a start-up log line. */
export function redacted(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of KEY_NAMES) {
    const v = config[key];
    out[key] = KEYS[key].kind === 'secret' && v !== '' ? '<redacted>' : v;
  }
  out.mode = config.mode;
  return out;
}
