// Configuration: one typed Config from YAML, VENGTOO_* environment variables and flags.
export { loadConfig, parseListen, redacted, ConfigError } from './load.js';
export type { Config, ConfigSources, LoadedConfig, ListenAddress, Mode, Origin } from './load.js';
export { KEYS, KEY_NAMES, LOG_LEVELS, envName, flagName } from './schema.js';
export type { Key, KeyDef, Kind, LogLevel, Settings } from './schema.js';
export { parseDuration, formatDuration } from './duration.js';
