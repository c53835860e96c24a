// `vengtoo-agent mcp-gateway`: a transparent MCP proxy that asks the policy before every tool call
// (PRODUCT.md §10, docs/mcp-gateway.md). Exit codes: 0 when the client went away or after
// SIGTERM/SIGINT, 1 on a runtime failure, 2 on a usage or configuration error.

import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { AgentStartError } from '../agent/agent.js';
import { createOutput } from '../agent/output.js';
import { ConfigError, LOG_LEVELS, loadConfig, parseDuration, parseListen, type Key, type LogLevel } from '../config/index.js';
import { Authorizer, type DenyAs } from '../mcp/authorizer.js';
import { TokenAuth, parseTokenFile } from '../mcp/auth.js';
import { HttpDownstream } from '../mcp/downstream-http.js';
import { serveStdio } from '../mcp/downstream-stdio.js';
import { Gateway, type UpstreamConfig } from '../mcp/gateway.js';
import { RemotePdp } from '../mcp/pdp.js';
import { HOLDABLE, type Naming } from '../mcp/request.js';
import { LocalEngine, type DecisionSource } from '../mcp/source.js';
import { UsageError, parseArgs, type FlagSpec } from './args.js';
import { packageInfo } from './meta.js';

const SPECS: FlagSpec[] = [
  { name: 'name' },
  { name: 'subject' },
  { name: 'policy' },
  { name: 'pdp' },
  { name: 'pdp-timeout' },
  { name: 'listen' },
  { name: 'upstream-url' },
  { name: 'deny-as' },
  { name: 'filter-list', boolean: true },
  { name: 'naming' },
  { name: 'authorize' },
  { name: 'decision-log', boolean: true },
  { name: 'tokens' },
  { name: 'jwt-secret-file' },
  { name: 'jwt-audience' },
  { name: 'jwt-issuer' },
  { name: 'allow-anonymous', boolean: true },
  { name: 'config' },
  { name: 'decision-path' },
  { name: 'log-level' },
  { name: 'help', boolean: true, short: 'h' },
];

export const HELP = `vengtoo-agent mcp-gateway — authorize every MCP tool call with the agent's policy.

Usage:
  vengtoo-agent mcp-gateway --name NAME [flags] -- <server command> [args...]   wrap a stdio MCP server
  vengtoo-agent mcp-gateway --name NAME --upstream-url URL [flags]              front a Streamable HTTP server

The client talks to the gateway over stdio (default) or Streamable HTTP (--listen); the gateway
forwards every message untouched, except that tools/call (and, with --authorize, resources/read
and prompts/get) waits for a policy decision and tools/list only shows tools the policy allows.

Flags:
  --name NAME            server name: the policy sees tool "query" as resource id "NAME__query" (required)
  --subject ID           subject id for stdio clients (default: $VENGTOO_MCP_SUBJECT, else "mcp-client")
  --policy PATH          in-process engine: a .rego file, a folder or a bundle .tar.gz (watched, hot reload);
                         without it, VENGTOO_API_KEY selects cloud mode (bundles, audit forwarding) as for the agent
  --pdp URL              ask a running agent instead (POST URL/access/v1/evaluation); token: $VENGTOO_MCP_PDP_TOKEN
  --pdp-timeout DUR      remote decision timeout (default 2s); timeout or unreachable PDP = denied (-32603)
  --listen ADDR          serve Streamable HTTP on host:port (endpoint /mcp) instead of stdio
  --upstream-url URL     the MCP server is a Streamable HTTP endpoint (token: $VENGTOO_MCP_UPSTREAM_TOKEN)
  --deny-as MODE         error (JSON-RPC error -32001, default) or tool-error (result with isError: true)
  --no-filter-list       show every tool in tools/list (calls are still authorized)
  --naming MODE          default (agent / mcp_tool / invoke) or coaz (AuthZEN MCP binding draft names)
  --authorize LIST       methods to hold, comma-separated: tools (always), resources, prompts
  --decision-log         one JSON line per decision (stderr on stdio, stdout with --listen)
  --tokens FILE          HTTP: JSON map of bearer token → subject (or {"subject","agent"})
  --jwt-secret-file FILE HTTP: accept HS256 JWTs signed with this secret (or $VENGTOO_MCP_JWT_SECRET); sub = subject
  --jwt-audience AUD     HTTP: required JWT aud
  --jwt-issuer ISS       HTTP: required JWT iss
  --allow-anonymous      HTTP: no bearer token needed; every client is --subject
  --config PATH          agent YAML config (decision_path, watch, log_level, ...)
  --decision-path PATH   decision rule (default vengtoo/authz/decision)
  --log-level LEVEL      debug, info, warn or error (logs go to stderr on stdio)
  -h, --help             this text

Example (.mcp.json):
  {"mcpServers": {"database": {"command": "npx", "args": ["vengtoo-agent", "mcp-gateway",
    "--name", "database", "--policy", "policy.rego", "--", "npx", "-y", "some-db-mcp-server"]}}}
`;

export async function run(argv: string[]): Promise<number> {
  let flags: Map<string, string | boolean>;
  let command: string[];
  try {
    const parsed = parseArgs(argv, SPECS);
    flags = parsed.flags;
    command = parsed.positionals;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usage(e.message);
  }
  if (flags.get('help') === true) {
    process.stdout.write(HELP);
    return 0;
  }
  const str = (k: string): string | undefined => {
    const v = flags.get(k);
    return typeof v === 'string' ? v : undefined;
  };

  // ---- flags → settings ----
  const name = str('name');
  if (name === undefined || name === '') return usage('--name NAME is required (the server name the policy sees)');
  if (/\s/.test(name)) return usage('--name must not contain spaces');
  const upstreamUrl = str('upstream-url');
  if (upstreamUrl !== undefined && command.length > 0) return usage('give either --upstream-url or a server command after --, not both');
  if (upstreamUrl === undefined && command.length === 0) return usage('no MCP server: give its command after -- (or --upstream-url URL)');
  if (upstreamUrl !== undefined && !/^https?:\/\//.test(upstreamUrl)) return usage('--upstream-url must be an http(s) URL');
  const pdp = str('pdp');
  if (pdp !== undefined && str('policy') !== undefined) return usage('give either --policy or --pdp, not both');
  if (pdp !== undefined && !/^https?:\/\//.test(pdp)) return usage('--pdp must be an http(s) URL');
  const denyAs = (str('deny-as') ?? 'error') as DenyAs;
  if (denyAs !== 'error' && denyAs !== 'tool-error') return usage('--deny-as takes error or tool-error');
  const naming = (str('naming') ?? 'default') as Naming;
  if (naming !== 'default' && naming !== 'coaz') return usage('--naming takes default or coaz');
  const hold = new Set<string>(['tools/call']);
  for (const part of (str('authorize') ?? 'tools').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = part === 'tools' ? 'tools/call' : part === 'resources' ? 'resources/read' : part === 'prompts' ? 'prompts/get' : part;
    if (!(HOLDABLE as readonly string[]).includes(m)) return usage(`--authorize: unknown method ${JSON.stringify(part)} (tools, resources, prompts)`);
    hold.add(m);
  }
  let pdpTimeout = 2000;
  if (str('pdp-timeout') !== undefined) {
    const ms = parseDuration(str('pdp-timeout')!);
    if (ms === undefined || ms <= 0) return usage('--pdp-timeout takes a duration such as 2s or 500ms');
    pdpTimeout = ms;
  }
  const listen = str('listen');
  const listenAddr = listen === undefined ? undefined : parseListen(listen);
  if (listen !== undefined && listenAddr === undefined) return usage('--listen takes host:port');
  const logLevel = str('log-level');
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) return usage(`--log-level takes ${LOG_LEVELS.join(', ')}`);
  const subject = str('subject') ?? nonEmpty(process.env.VENGTOO_MCP_SUBJECT) ?? 'mcp-client';

  let auth: TokenAuth | undefined;
  if (listen !== undefined) {
    try {
      const tokensFile = str('tokens');
      const secretFile = str('jwt-secret-file');
      auth = new TokenAuth({
        tokens: tokensFile === undefined ? undefined : parseTokenFile(readFileSync(tokensFile, 'utf8')),
        jwtSecret: secretFile !== undefined ? readFileSync(secretFile, 'utf8').trim() : nonEmpty(process.env.VENGTOO_MCP_JWT_SECRET),
        audience: str('jwt-audience'),
        issuer: str('jwt-issuer'),
      });
    } catch (e) {
      return usage((e as Error).message);
    }
    if (!auth.configured) {
      if (flags.get('allow-anonymous') !== true) {
        return usage('--listen needs client authentication: --tokens FILE, --jwt-secret-file FILE (or VENGTOO_MCP_JWT_SECRET), or --allow-anonymous');
      }
      auth = undefined;
    }
  }

  // ---- output: stdout is the MCP channel on stdio, so logs and decision lines go to stderr ----
  const out = createOutput((logLevel ?? 'info') as LogLevel, listen === undefined ? 2 : 1);
  const log = out.logger.child({ component: 'mcp-gateway', server: name });
  const { version } = packageInfo();

  // ---- decisions ----
  let source: DecisionSource;
  let decisionLog = flags.get('decision-log') === true;
  if (pdp !== undefined) {
    source = new RemotePdp({ url: pdp, timeoutMs: pdpTimeout, token: nonEmpty(process.env.VENGTOO_MCP_PDP_TOKEN) });
  } else {
    const keyFlags: Partial<Record<Key, string | boolean>> = {};
    if (str('policy') !== undefined) keyFlags.policy = str('policy')!;
    if (flags.has('decision-log')) keyFlags.decision_log = flags.get('decision-log')!;
    if (logLevel !== undefined) keyFlags.log_level = logLevel;
    if (str('decision-path') !== undefined) keyFlags.decision_path = str('decision-path')!;
    let config;
    try {
      const env: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VENGTOO_MCP_')) env[k] = v;
      const loaded = loadConfig({
        flags: keyFlags,
        flagNames: { policy: '--policy', decision_log: '--decision-log', log_level: '--log-level', decision_path: '--decision-path' },
        configPath: str('config'),
        env,
        cwd: process.cwd(),
        home: homedir(),
        hostname: hostname(),
        readFile: readIfExists,
      });
      config = loaded.config;
      for (const w of loaded.warnings) log.warn(w);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      await out.close();
      return usage(e.message.replace(/^config: api_key: .*/, 'no policy: pass --policy PATH, --pdp URL, or VENGTOO_API_KEY for cloud mode'));
    }
    decisionLog = config.decision_log;
    const engine = new LocalEngine({ config, version, logger: log, defaultMetrics: listen !== undefined });
    try {
      await engine.start();
    } catch (e) {
      if (e instanceof AgentStartError) {
        await out.close();
        return usage(e.message);
      }
      throw e;
    }
    if (!engine.ready()) log.warn({ policy: config.policy || undefined, mode: config.mode }, 'no policy loaded yet: every held call is denied (-32603) until one is');
    source = engine;
  }

  const authorizer = new Authorizer({ server: name, naming, source, denyAs, decisionLog: decisionLog ? out.write : undefined, logger: log });
  const upstream: UpstreamConfig =
    upstreamUrl !== undefined
      ? { kind: 'http', url: upstreamUrl, headers: upstreamHeaders() }
      : { kind: 'stdio', command: command[0], args: command.slice(1) };
  const gateway = new Gateway({ name, authorizer, source, upstream, hold, filterList: flags.get('filter-list') !== false, logger: log });
  log.info(
    { version, upstream: upstream.kind === 'http' ? upstream.url : command.join(' '), downstream: listen ?? 'stdio', decisions: pdp ?? 'in-process', naming },
    'mcp-gateway starting',
  );

  const stop = async (code: number, graceMs?: number): Promise<number> => {
    await gateway.stop(graceMs);
    await out.close();
    return code;
  };

  if (listenAddr === undefined) {
    const ended = serveStdio(gateway, { input: process.stdin, output: process.stdout, info: { subject } });
    const signalled = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    const why = await Promise.race([ended, signalled]);
    log.info({ why }, 'mcp-gateway stopping');
    return stop(0, why.startsWith('SIG') ? 500 : undefined);
  }

  const downstream = new HttpDownstream({ gateway, source, auth, anonymousSubject: subject, metrics: source.metrics, logger: log });
  try {
    const bound = await downstream.listen(listenAddr.host, listenAddr.port);
    const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    log.info({ addr: `${host}:${bound.port}`, endpoint: `http://${host}:${bound.port}/mcp`, auth: auth ? 'bearer' : 'anonymous' }, 'listening');
  } catch (e) {
    log.error({ error: (e as Error).message, listen }, 'start-up failed');
    return stop(1);
  }
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'mcp-gateway stopping');
  await downstream.close();
  return stop(0, 500);
}

function upstreamHeaders(): Record<string, string> {
  const token = nonEmpty(process.env.VENGTOO_MCP_UPSTREAM_TOKEN);
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

function usage(message: string): number {
  process.stderr.write(`vengtoo-agent mcp-gateway: ${message}\nRun "vengtoo-agent mcp-gateway --help" for usage.\n`);
  return 2;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ConfigError('', (e as Error).message, path);
  }
}
