// MCP gateway benchmark: the overhead of the gateway per tools/call.
//
//   npm run bench:mcp                     (BENCH_CALLS=3000 BENCH_WARMUP=500 by default)
//   BENCH_GATEWAY_JS=dist/cli/main.js npm run bench:mcp     (the built gateway instead of src via tsx)
//
// Two copies of the same MCP server (server-everything over stdio, tool `echo`), each with the same
// SDK client: one connected directly, one through `vengtoo-agent mcp-gateway` with the in-process
// engine (a policy that allows echo, evaluated on every call; decision log off). Calls alternate
// direct → gateway so machine noise hits both alike. Reported: median and p99 of each, and the
// overhead (gateway − direct) at the median and at p99. Target: ≤ 0.2 ms median, ≤ 1 ms p99.
// A third path, a bare byte pipe (a node process relaying stdin/stdout to the same server with no
// parsing at all), shows how much of the overhead is the extra process hop itself.
// The last lines time the authorization step alone (Authorizer.check) and the relay's whole CPU
// work per call without I/O, in this process.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.js';
import { Authorizer } from '../src/mcp/authorizer.js';
import { Relay } from '../src/mcp/relay.js';
import { LocalEngine } from '../src/mcp/source.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 500);
const EVERYTHING = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');

const POLICY = `package vengtoo.authz

default decision := {"allowed": false, "reason": "No rule allows this tool"}

decision := {"allowed": true, "reason": "Allowed tool", "access_path": "bench"} if {
	input.subject.type == "agent"
	input.resource.id in {"everything__echo", "everything__get-sum"}
	not contains(object.get(input.resource.properties, ["arguments", "message"], ""), "DROP")
}
`;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function stats(xs: number[]): { median: number; p99: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p99: quantile(s, 0.99) };
}

const fmt = (ms: number): string => ms.toFixed(3).padStart(8) + ' ms';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vengtoo-bench-mcp-'));
  const policy = join(dir, 'policy.rego');
  writeFileSync(policy, POLICY);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: dir };

  const direct = new Client({ name: 'bench', version: '1' });
  await direct.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], env, stderr: 'ignore' }));
  const viaGateway = new Client({ name: 'bench', version: '1' });
  await viaGateway.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [...(process.env.BENCH_GATEWAY_JS ? [process.env.BENCH_GATEWAY_JS] : ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')]), 'mcp-gateway', '--name', 'everything', '--policy', policy, '--log-level', 'warn', '--', process.execPath, EVERYTHING, 'stdio'],
      env,
      cwd: ROOT,
      stderr: 'ignore',
    }),
  );

  const pipe = new Client({ name: 'bench', version: '1' });
  const PIPE = `const { spawn } = require('node:child_process');
const c = spawn(process.execPath, [process.argv[1], 'stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
process.stdin.pipe(c.stdin);
c.stdout.pipe(process.stdout);
c.on('exit', (code) => process.exit(code ?? 0));`;
  await pipe.connect(new StdioClientTransport({ command: process.execPath, args: ['-e', PIPE, EVERYTHING], env, stderr: 'ignore' }));

  const call = async (c: Client, i: number): Promise<number> => {
    const t0 = performance.now();
    const r = await c.callTool({ name: 'echo', arguments: { message: `hello ${i}` } });
    const ms = performance.now() - t0;
    if (r.isError) throw new Error('echo failed');
    return ms;
  };

  for (let i = 0; i < WARMUP; i++) {
    await call(direct, i);
    await call(viaGateway, i);
    await call(pipe, i);
  }
  const d: number[] = [];
  const g: number[] = [];
  const p: number[] = [];
  const order = [
    () => call(direct, 0).then((ms) => void d.push(ms)),
    () => call(viaGateway, 0).then((ms) => void g.push(ms)),
    () => call(pipe, 0).then((ms) => void p.push(ms)),
  ];
  for (let i = 0; i < CALLS; i++) {
    // rotate which goes first, so none always follows another
    for (let k = 0; k < 3; k++) await order[(i + k) % 3]();
  }
  await direct.close();
  await viaGateway.close();
  await pipe.close();

  const sd = stats(d);
  const sg = stats(g);
  const sp = stats(p);
  console.log(`tools/call echo, ${CALLS} calls each after ${WARMUP} warm-up (stdio client → stdio server)`);
  console.log(`                 median         p99`);
  console.log(`direct       ${fmt(sd.median)} ${fmt(sd.p99)}`);
  console.log(`via gateway  ${fmt(sg.median)} ${fmt(sg.p99)}`);
  console.log(`bare pipe    ${fmt(sp.median)} ${fmt(sp.p99)}`);
  console.log(`overhead     ${fmt(sg.median - sd.median)} ${fmt(sg.p99 - sd.p99)}   gateway − direct (target ≤ 0.200 ms median, ≤ 1.000 ms p99)`);
  console.log(`             ${fmt(sp.median - sd.median)} ${fmt(sp.p99 - sd.p99)}   bare pipe − direct (the process hop alone)`);
  console.log(`             ${fmt(sg.median - sp.median)} ${fmt(sg.p99 - sp.p99)}   gateway − bare pipe`);

  // The authorization step alone: build the AuthZEN request, evaluate, make the verdict.
  const { config } = loadConfig({ flags: { policy, watch: false }, cwd: ROOT, home: dir, hostname: 'bench', readFile: () => undefined, env: {} });
  const engine = new LocalEngine({ config, version: 'bench', logger: pino({ level: 'silent' }) });
  await engine.start();
  const authz = new Authorizer({ server: 'everything', naming: 'default', source: engine, denyAs: 'error' });
  const session = { subject: 'mcp-client', client: { name: 'bench', version: '1' } };
  const params = { name: 'echo', arguments: { message: 'hello' } };
  for (let i = 0; i < 20_000; i++) authz.check('tools/call', params, session);
  const a: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const t0 = performance.now();
    const v = authz.check('tools/call', params, session);
    a.push(performance.now() - t0);
    if (!('allowed' in v) || !v.allowed) throw new Error('expected allow');
  }
  const sa = stats(a);
  console.log(`authorization alone (in-process engine)  median ${fmt(sa.median)}  p99 ${fmt(sa.p99)}`);

  // The relay's own CPU work per call, both directions (parse, authorize, re-serialise, route), no I/O.
  const relay = new Relay({ authorizer: authz, hold: new Set(['tools/call']), filterList: true, info: session });
  let bytes = 0;
  relay.upstream = { send: (t) => void (bytes += t.length), close: async () => {} };
  relay.sink = { send: (t) => void (bytes += t.length) };
  const once = (i: number): void => {
    relay.fromClient(`{"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello ${i}"}},"jsonrpc":"2.0","id":${i}}`);
    relay.fromServer(`{"result":{"content":[{"type":"text","text":"Echo: hello ${i}"}]},"jsonrpc":"2.0","id":${i}}`);
  };
  for (let i = 0; i < 20_000; i++) once(i);
  const t0 = performance.now();
  for (let i = 0; i < 100_000; i++) once(i);
  const per = (performance.now() - t0) / 100_000;
  console.log(`relay work per call, both directions, no I/O: ${fmt(per)} (mean; ${bytes > 0 ? 'ok' : '?'})`);
  await engine.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
