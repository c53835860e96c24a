// Engine benchmark (npm run bench:engine): time per decision and bytes allocated per decision for
// the example policy and a larger generated one, on allow and deny inputs. Absolute times drift on
// shared machines; compare figures from one run with each other.
//
// npm run bench:engine compiles it (tsconfig.bench.json) and runs it with --expose-gc and a large
// semi-space, so allocation per decision can be read from heap growth.

import { readFileSync } from 'node:fs';
import { compile, type Policy } from '../src/rego/index.js';
import type { Value } from '../src/rego/value.js';
import { ROOT } from './root.js';

const root = ROOT + '/';
const gc = (globalThis as { gc?: () => void }).gc;

interface Case {
  name: string;
  policy: Policy;
  path: string;
  input: Value;
}

function examplePolicy(): Policy {
  return compile([{ file: 'policy.rego', source: readFileSync(root + 'examples/policy.rego', 'utf8') }], {
    data: JSON.parse(readFileSync(root + 'examples/data.json', 'utf8')),
  });
}

/** The example policy's shape at scale: 1,000 roles with 10 grants each, 1,000 principals. */
function largePolicy(): Policy {
  const roles: Record<string, unknown> = {};
  const agents: Record<string, unknown> = {};
  for (let r = 0; r < 1000; r++) {
    const grants = [];
    for (let g = 0; g < 10; g++) {
      grants.push({ resource_type: 'mcp_tool', resources: [`svc${r}_${g}__*`], actions: ['invoke', 'read'] });
    }
    roles[`role-${r}`] = grants;
    agents[`agent-${r}`] = { roles: [`role-${r}`, `role-${(r + 1) % 1000}`] };
  }
  return compile([{ file: 'policy.rego', source: readFileSync(root + 'examples/policy.rego', 'utf8') }], {
    data: { principals: { agent: agents }, roles } as unknown as Value,
  });
}

function request(subject: string, resource: string, props?: Record<string, Value>): Value {
  return {
    subject: { type: 'agent', id: subject },
    resource: { type: 'mcp_tool', id: resource, properties: props ?? {} },
    action: { name: 'invoke' },
  };
}

function measure(c: Case, iterations: number): { wallNs: number; cpuNs: number; bytesPerOp: number; result: string } {
  const ep = c.policy.entrypoint(c.path);
  if (!ep) throw new Error(`no entrypoint ${c.path}`);
  let last: Value | undefined;
  for (let i = 0; i < 20_000; i++) last = ep.evaluate(c.input); // warm up (JIT, caches)
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < 7; round++) {
    const t0 = process.cpuUsage();
    const w0 = performance.now();
    for (let i = 0; i < iterations; i++) last = ep.evaluate(c.input);
    const w = performance.now() - w0;
    const d = process.cpuUsage(t0);
    wall.push((w * 1e6) / iterations);
    cpu.push(((d.user + d.system) * 1000) / iterations);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  // Allocation: heap growth over a run short enough that no scavenge happens (large semi-space).
  let bytesPerOp = NaN;
  if (gc) {
    const n = 2000;
    gc();
    const h0 = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) last = ep.evaluate(c.input);
    const h1 = process.memoryUsage().heapUsed;
    if (h1 >= h0) bytesPerOp = (h1 - h0) / n;
  }
  return { wallNs: wall[0], cpuNs: cpu[3], bytesPerOp, result: JSON.stringify(last) };
}

const example = examplePolicy();
const large = largePolicy();
const path = 'vengtoo/authz/decision';
const cases: Case[] = [
  { name: 'example: allow', policy: example, path, input: request('ai-assistant', 'database__query') },
  {
    name: 'example: deny (DROP guard)',
    policy: example,
    path,
    input: request('ai-assistant', 'database__execute', { sql: 'DROP TABLE users' }),
  },
  { name: 'example: deny (no role)', policy: example, path, input: request('report-bot', 'database__query') },
  { name: 'large 1000x10: allow', policy: large, path, input: request('agent-500', 'svc501_7__run') },
  { name: 'large 1000x10: deny', policy: large, path, input: request('agent-500', 'svc9_1__run') },
];

console.log(`node ${process.version}; 7 rounds per case${gc ? '' : ' (run with --expose-gc for allocation figures)'}`);
console.log('  wall: fastest round (other processes on the machine only ever add time)');
console.log('  cpu:  median round of process CPU time (includes GC and JIT helper threads)');
console.log('case                              wall ns/op  cpu ns/op  bytes/op  result');
for (const c of cases) {
  const r = measure(c, 20_000);
  const bytes = Number.isNaN(r.bytesPerOp) ? 'n/a' : r.bytesPerOp.toFixed(0);
  console.log(
    `${c.name.padEnd(32)} ${r.wallNs.toFixed(0).padStart(10)} ${r.cpuNs.toFixed(0).padStart(10)} ${bytes.padStart(9)}  ${r.result}`,
  );
}
