// `vengtoo-agent [serve]`: runs the agent until SIGTERM/SIGINT.
// Exit codes: 0 after a graceful shutdown, 1 on a runtime failure (e.g. the port is taken),
// 2 on a usage or configuration error (the message names the flag or key).

import { hostname, homedir } from 'node:os';
import { readFileSync } from 'node:fs';
import { Agent, AgentStartError } from '../agent/agent.js';
import { createOutput } from '../agent/output.js';
import { ConfigError, KEYS, KEY_NAMES, envName, loadConfig, redacted, type Key } from '../config/index.js';
import { UsageError, parseArgs, type FlagSpec } from './args.js';
import { packageInfo } from './meta.js';

/** The documented flags, then every config key as `--key-name`. */
const NAMED: { flag: string; key?: Key; boolean?: boolean; short?: string }[] = [
  { flag: 'config' },
  { flag: 'policy', key: 'policy' },
  { flag: 'listen', key: 'listen_addr' },
  { flag: 'log-level', key: 'log_level' },
  { flag: 'decision-log', key: 'decision_log', boolean: true },
  { flag: 'help', boolean: true, short: 'h' },
];

const FLAG_TO_KEY = new Map<string, Key>();
const SPECS: FlagSpec[] = [];
for (const n of NAMED) {
  SPECS.push({ name: n.flag, boolean: n.boolean, short: n.short });
  if (n.key) FLAG_TO_KEY.set(n.flag, n.key);
}
for (const key of KEY_NAMES) {
  const flag = key.replaceAll('_', '-');
  if (SPECS.some((s) => s.name === flag)) continue;
  SPECS.push({ name: flag, boolean: KEYS[key].kind === 'bool' });
  FLAG_TO_KEY.set(flag, key);
}

export const HELP = `vengtoo-agent — authorization sidecar: a Rego policy in memory, AuthZEN decisions over HTTP.

Usage:
  vengtoo-agent --policy PATH [flags]        local mode: a .rego file, a folder, or a bundle .tar.gz
  VENGTOO_API_KEY=... vengtoo-agent          cloud mode: bundles from Vengtoo Cloud
  vengtoo-agent version                      print the version
  vengtoo-agent help                         this text

Flags:
  --config PATH        YAML config (default: ./vengtoo-agent.yaml, then ~/.vengtoo/agent.yaml)
  --policy PATH        policy for local mode (watched; edits are reloaded)
  --listen ADDR        listen address, host:port (default 0.0.0.0:8181; port 0 picks a free one)
  --log-level LEVEL    debug, info, warn or error (default info)
  --decision-log       one JSON line per decision on stdout (--decision-log=false to turn off)
  -h, --help           this text

Every configuration key can also be given as a flag (--poll-interval 10s, --max-body-bytes 64KiB)
or as an environment variable (${envName('poll_interval')}=10s). Flags override the environment,
which overrides the YAML file. Keys: ${KEY_NAMES.join(', ')}.

Endpoints: POST /access/v1/evaluation, POST /access/v1/evaluations,
GET /.well-known/authzen-configuration, /healthz, /readyz, /metrics.
`;

export async function run(argv: string[]): Promise<number> {
  let flags: Map<string, string | boolean>;
  try {
    const parsed = parseArgs(argv, SPECS);
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`);
    flags = parsed.flags;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`vengtoo-agent: ${e.message}\nRun "vengtoo-agent --help" for usage.\n`);
    return 2;
  }
  if (flags.get('help') === true) {
    process.stdout.write(HELP);
    return 0;
  }

  const keyFlags: Partial<Record<Key, string | boolean>> = {};
  const flagNames: Partial<Record<Key, string>> = {};
  for (const [flag, value] of flags) {
    const key = FLAG_TO_KEY.get(flag);
    if (key) {
      keyFlags[key] = value;
      flagNames[key] = '--' + flag;
    }
  }
  let loaded;
  try {
    loaded = loadConfig({
      flags: keyFlags,
      flagNames,
      configPath: typeof flags.get('config') === 'string' ? (flags.get('config') as string) : undefined,
      env: process.env,
      cwd: process.cwd(),
      home: homedir(),
      hostname: hostname(),
      readFile: readIfExists,
    });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`vengtoo-agent: ${e.message}\n`);
    return 2;
  }
  const { config } = loaded;
  const out = createOutput(config.log_level);
  const log = out.logger;
  process.on('uncaughtException', (e) => {
    log.fatal({ err: e }, 'uncaught exception; exiting');
    out.flushSync();
    process.exit(1);
  });
  for (const w of loaded.warnings) log.warn(w);
  const { version } = packageInfo();
  log.info({ version, mode: config.mode, config_file: loaded.file || undefined, node: process.version }, 'starting vengtoo-agent');
  log.debug({ config: redacted(config), origins: loaded.origins }, 'effective configuration');

  const agent = new Agent({ config, version, logger: log, write: out.write });
  try {
    await agent.start();
  } catch (e) {
    if (e instanceof AgentStartError) {
      process.stderr.write(`vengtoo-agent: ${e.message}\n`);
      await out.close();
      return 2;
    }
    log.error({ error: (e as Error).message, listen_addr: config.listen_addr }, 'start-up failed');
    await out.close();
    return 1;
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  // A second signal while draining: stop waiting.
  const force = (s: NodeJS.Signals): void => {
    log.warn({ signal: s }, 'second signal; exiting without waiting for in-flight requests');
    out.flushSync();
    process.exit(1);
  };
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  log.info({ signal, timeout_ms: config.shutdown_timeout }, 'shutting down: no new connections, finishing in-flight requests');
  await agent.stop();
  log.info('stopped');
  await out.close();
  return 0;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new ConfigError('', 'is a directory, not a YAML file', path);
    throw new ConfigError('', (e as Error).message, path);
  }
}
