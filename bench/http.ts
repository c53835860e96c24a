// HTTP benchmark: the agent against a bare node:http server, alternating in one run.
//
//   npm run bench:http                       (BENCH_SECONDS=5 BENCH_ROUNDS=3 by default)
//
// The bare server reads the same request body, JSON.parses it and answers a constant decision of
// the same size: the most Node can do on this machine. The agent serves examples/policy.rego.
// Both are loaded by wrk (1 thread, 16 connections) with the product description's allowed
// request; the agent runs twice, with decision logging off and on (stdout to /dev/null, so the
// agent's own cost is measured, not a log consumer's), and once more with a constant decision
// rule giving the same answer, which separates the HTTP layer's cost from the policy's. Rounds
// alternate between the targets so machine noise hits all alike; medians are reported.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

const REQUEST = JSON.stringify({
  subject: { type: 'agent', id: 'ai-assistant' },
  resource: { type: 'mcp_tool', name: 'database__query' },
  action: { name: 'invoke' },
});
const ANSWER =
  '{"decision":true,"allowed":true,"reason":"Access granted via role","access_path":"role","context":{"reason":"Access granted via role","access_path":"role"}}';

const BARE_SERVER = `
import { createServer } from 'node:http';
const answer = ${JSON.stringify(ANSWER)};
const len = String(Buffer.byteLength(answer));
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse((chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8'));
    res.writeHead(200, ['content-type', 'application/json', 'content-length', len]);
    res.end(answer);
  });
}).listen(Number(process.argv[1]), '127.0.0.1');
`;

interface Result {
  rps: number;
  p50: number; // ms
  p99: number; // ms
  errors: number;
  requests: number;
  /** Server CPU time (user + system) per request, µs; NaN where /proc is not available. */
  cpuUs: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: REQUEST });
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function toMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function wrk(url: string, script: string, seconds: number, pid: number): Result {
  const cpu0 = cpuSeconds(pid);
  const r = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const out = r.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors:.*?(\d+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const cpuUs = ((cpuSeconds(pid) - cpu0) * 1e6) / requests;
  return { rps, p50, p99, errors, requests, cpuUs };
}

/** GET on a fresh connection (no keep-alive reuse after the long load phase). */
function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  if (spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error) {
    console.error('wrk is not installed. Install it with `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk` (macOS).');
    process.exit(1);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'vengtoo-bench-'));
  const script = join(tmp, 'post.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(REQUEST)}\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const devnull = openSync('/dev/null', 'w');
  const procs: ChildProcess[] = [];
  const start = (args: string[]) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', devnull, 'inherit'], env: { ...process.env, HOME: tmp } });
    procs.push(p);
    return p;
  };
  try {
    const [bareP, agentP, logP, constP] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    // The same answer from a constant rule: the agent's own cost without the starter policy's.
    const constant = join(tmp, 'constant.rego');
    writeFileSync(constant, 'package vengtoo.authz\n\ndecision := {"allowed": true, "reason": "Access granted via role", "access_path": "role"}\n');
    const bare = start(['--input-type=module', '-e', BARE_SERVER, String(bareP)]);
    // The agent as users run it: the compiled package (built first, so it matches the sources).
    const agentArgs = (port: number, policy = 'examples/policy.rego') => ['dist/cli/main.js', '--policy', policy, '--no-watch', '--listen', `127.0.0.1:${port}`];
    const agent = start(agentArgs(agentP));
    const logged = start([...agentArgs(logP), '--decision-log']);
    const constAgent = start(agentArgs(constP, constant));
    const targets = [
      { name: 'bare node:http', url: `http://127.0.0.1:${bareP}/access/v1/evaluation`, pid: bare.pid! },
      { name: 'agent', url: `http://127.0.0.1:${agentP}/access/v1/evaluation`, pid: agent.pid! },
      { name: 'agent + decision log', url: `http://127.0.0.1:${logP}/access/v1/evaluation`, pid: logged.pid! },
      { name: 'agent, constant rule', url: `http://127.0.0.1:${constP}/access/v1/evaluation`, pid: constAgent.pid! },
    ];
    await Promise.all(targets.map((t) => waitReady(t.url)));

    console.log(`node ${process.version}, ${CONNECTIONS} connections, wrk -t1, ${ROUNDS} rounds × ${SECONDS}s per target (after a 2s warm-up each)`);
    console.log(`machine load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other processes compete for the CPUs)`);
    for (const t of targets) wrk(t.url, script, 2, t.pid); // JIT warm-up
    const results = new Map<string, Result[]>(targets.map((t) => [t.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const t of targets) {
        const r = wrk(t.url, script, SECONDS, t.pid);
        if (r.errors > 0) throw new Error(`${t.name}: ${r.errors} failed responses`);
        results.get(t.name)!.push(r);
        console.log(
          `  round ${round}  ${t.name.padEnd(22)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   server CPU ${r.cpuUs.toFixed(1)} µs/req`,
        );
      }
    }
    const summary = targets.map((t) => {
      const rs = results.get(t.name)!;
      return {
        name: t.name,
        rps: median(rs.map((r) => r.rps)),
        p50: median(rs.map((r) => r.p50)),
        p99: median(rs.map((r) => r.p99)),
        cpuUs: median(rs.map((r) => r.cpuUs)),
      };
    });
    console.log(`machine load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const base = summary[0];
    console.log('\nmedians:');
    console.log('  target                    req/s   vs bare    p50 (ms)   p99 (ms)   server CPU µs/req   vs bare (CPU)');
    for (const s of summary) {
      console.log(
        `  ${s.name.padEnd(22)} ${s.rps.toFixed(0).padStart(8)}   ${(s.rps / base.rps).toFixed(2).padStart(7)}   ${s.p50.toFixed(3).padStart(9)}  ${s.p99.toFixed(3).padStart(9)}   ${s.cpuUs.toFixed(1).padStart(17)}   ${(base.cpuUs / s.cpuUs).toFixed(2).padStart(13)}`,
      );
    }
    console.log('  ("vs bare (CPU)" = bare CPU per request / this CPU per request: the throughput ratio both would');
    console.log('   reach with a CPU to themselves; it is steadier than req/s when other processes share the machine.)');

    // Time inside the policy evaluation itself, from the agent's own histogram.
    const metrics = await getText(targets[1].url.replace('/access/v1/evaluation', '/metrics'));
    const sum = Number(/^vengtoo_agent_decision_duration_seconds_sum (\S+)$/m.exec(metrics)?.[1]);
    const count = Number(/^vengtoo_agent_decision_duration_seconds_count (\S+)$/m.exec(metrics)?.[1]);
    console.log(`\nagent: ${count} decisions, mean evaluation time ${((sum / count) * 1e6).toFixed(1)} µs (vengtoo_agent_decision_duration_seconds)`);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
