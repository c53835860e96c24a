// Starting the real agent process for end-to-end tests: `node --import tsx src/cli/main.ts ...`
// on 127.0.0.1 with an ephemeral port, read back from the "listening" log line.

import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const TSX = import.meta.resolve('tsx');

export type LogLine = Record<string, unknown>;

export interface AgentProcess {
  proc: ChildProcess;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every stdout line so far, parsed (non-JSON lines are kept as {raw}). */
  lines: LogLine[];
  stderr: () => string;
  /** Resolves with the first line (already seen or future) matching `pred`. */
  waitForLine: (pred: (l: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
  /** Sends a signal and resolves with the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Wait for the "listening" line (default true). */
  waitListening?: boolean;
  /** Keep inherited VENGTOO_* variables (default: removed, so the host's env cannot leak in). */
  inheritVengtooEnv?: boolean;
  /**
   * Run the built agent (dist/cli/main.js, after `npm run build`) instead of the sources through
   * tsx: what load and soak measurements need, as code loaded through tsx runs about half as fast.
   */
  built?: boolean;
}

export function runAgent(args: string[], opts: StartOptions = {}): AgentProcess {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && (opts.inheritVengtooEnv || !k.startsWith('VENGTOO_'))) env[k] = v;
  }
  // A home without ~/.vengtoo/agent.yaml, so the machine's own config never leaks into a test.
  env.HOME = opts.env?.HOME ?? mkdtempSync(join(tmpdir(), 'vengtoo-home-'));
  Object.assign(env, opts.env);
  const entry = opts.built ? [join(ROOT, 'dist', 'cli', 'main.js')] : ['--import', TSX, MAIN];
  const proc = spawn(process.execPath, [...entry, ...args], {
    cwd: opts.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let buf = '';
  let err = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { raw: text };
      }
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].pred(line)) {
          waiters[i].resolve(line);
          waiters.splice(i, 1);
        }
      }
    }
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));

  const waitForLine = (pred: (l: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        reject(new Error(`no matching log line within ${timeoutMs} ms; stdout:\n${lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${err}`));
      }, timeoutMs);
      waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(t);
          resolve(l);
        },
      });
      void exited.then((code) => {
        clearTimeout(t);
        reject(new Error(`agent exited (${code}) before the expected log line; stderr:\n${err}\nstdout:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`));
      });
    });
  };
  const agent: AgentProcess = {
    proc,
    url: '',
    lines,
    stderr: () => err,
    waitForLine,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  return agent;
}

/** Starts the agent and waits until it listens; `--listen 127.0.0.1:0` is added unless given. */
export async function startAgent(args: string[], opts: StartOptions = {}): Promise<AgentProcess> {
  const withListen = args.some((a) => a === '--listen' || a.startsWith('--listen=')) || opts.env?.VENGTOO_LISTEN_ADDR
    ? args
    : [...args, '--listen', '127.0.0.1:0'];
  const agent = runAgent(withListen, opts);
  const line = await agent.waitForLine((l) => l.msg === 'listening', 30_000);
  agent.url = `http://${line.addr as string}`;
  return agent;
}

/** A temporary copy of examples/ (policy.rego + data.json), removed by the returned cleanup. */
export function copyExamples(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vengtoo-policy-'));
  cpSync(join(ROOT, 'examples', 'policy.rego'), join(dir, 'policy.rego'));
  cpSync(join(ROOT, 'examples', 'data.json'), join(dir, 'data.json'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => any;
}

/** A raw HTTP request (node:http), for what fetch will not send (bad content types, huge bodies). */
export function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

/** POST JSON to the agent. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return http(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

/** One sample of a Prometheus metric from /metrics text (0 when absent). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[p[1]] = p[2];
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}
