// Shared by the reliability tests and the long runs in scripts/reliability/: the real agent process
// (test/agent/helpers.ts), its RSS and metrics, and wrk when the machine has it.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { http, metricValue, type AgentProcess } from '../../agent/helpers.js';

export { startAgent, runAgent, http, post, metricValue, waitFor, copyExamples, ROOT, type AgentProcess } from '../../agent/helpers.js';

/** The starter policy's allowed request and its exact answer (examples/policy.rego + data.json). */
export const EXAMPLE_REQUEST = JSON.stringify({
  subject: { type: 'agent', id: 'ai-assistant' },
  resource: { type: 'mcp_tool', name: 'database__query' },
  action: { name: 'invoke' },
});
export const EXAMPLE_ANSWER =
  '{"decision":true,"allowed":true,"reason":"Access granted via role","access_path":"role","context":{"reason":"Access granted via role","access_path":"role"}}';

/** Resident set size of a process in bytes (Linux /proc), NaN elsewhere. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export async function scrape(a: AgentProcess): Promise<string> {
  return (await http(a.url + '/metrics')).body;
}

export async function metric(a: AgentProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  return metricValue(await scrape(a), name, labels);
}

/** Sum of every sample of a metric (all label values). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[p[1]] = p[2];
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** Agent log lines at ERROR or FATAL. */
export function errorLines(a: AgentProcess): Record<string, unknown>[] {
  return a.lines.filter((l) => l.level === 'ERROR' || l.level === 'FATAL');
}

/**
 * wrk on PATH, installing it with apt-get when possible (root on Debian/Ubuntu); false when it
 * cannot be had (the caller falls back to the Node load generator).
 */
export function ensureWrk(log: (s: string) => void = () => {}): boolean {
  if (!spawnSync('wrk', ['--version']).error) return true;
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).error) {
    log('wrk is not installed and cannot be installed here (needs root and apt-get); using the Node load generator');
    return false;
  }
  log('installing wrk (apt-get install -y wrk)');
  spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (spawnSync('wrk', ['--version']).error) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const ok = !spawnSync('wrk', ['--version']).error;
  if (!ok) log('wrk could not be installed; using the Node load generator');
  return ok;
}

/** wrk -t1 -cN against a POST endpoint; requests per second and non-2xx/socket errors. */
export function wrkPost(url: string, body: string, seconds: number, connections: number, scriptPath: string): { rps: number; errors: number; requests: number } {
  const lua = `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`;
  writeFileSync(scriptPath, lua);
  const r = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', scriptPath, url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const out = r.stdout;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    errors: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors:.*?(\d+)/.exec(out)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)?.[1]),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
