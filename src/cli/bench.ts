// `vengtoo-agent bench`: times repeated evaluation of one prepared query in this process, like
// `opa bench`. The query is parsed, rewritten and planned once (as `eval` does); each sample is one
// evaluation timed with process.hrtime (so each includes ~50–100 ns of timer overhead).
//
// Allocation: V8 keeps no per-call allocation counter, so bytes/op is the heap growth over small
// batches of evaluations, each started right after a forced full GC (gc() via --expose-gc, turned
// on at run time); the median batch is reported. A minor GC inside a batch makes that batch
// under-count, which the median absorbs unless evaluations allocate megabytes.

import { hostHooks } from '../host/index.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CompileErrors, compile, RegoError } from '../rego/index.js';
import { prepareQuery } from './eval.js';
import { choiceFlag, countFlag, errorsOf, guarded, jsonText, loadPolicies, parseToolArgs, printErrors, readInput, stringFlag, TRUSTED_KEYS_FLAG, TRUSTED_KEYS_HELP, UsageError, type ToolFlag } from './tooling.js';

export const HELP = `Usage: vengtoo-agent bench [flags] QUERY

Benchmarks a query: prepares it once, evaluates it repeatedly in-process and prints ns/op
(median, p90, p99, mean), operations per second and bytes allocated per operation.

Flags:
  -d, --data PATH          policy or data to load; repeatable (as for eval)
  -i, --input FILE         input document (JSON or YAML; - reads standard input)
  --count N                number of timed evaluations (default: as many as fit in about one
                           second, at least 10)
  --format FORMAT          pretty (default, a table) or json
  --strict-builtin-errors  builtin errors fail the query
${TRUSTED_KEYS_HELP}
  -h, --help               this text

How it measures: 10% of the count (at most 1,000) untimed warm-up evaluations first; then each
evaluation is timed on its own with the monotonic high-resolution clock. Bytes/op is the growth of
the used heap over batches of up to 100 evaluations, each batch starting after a forced full
garbage collection (median over up to 20 batches); it approximates allocation and under-counts
when a minor collection runs inside a batch.

Exit codes: 0 done; 2 usage, compile or evaluation error.
`;

const FLAGS: ToolFlag[] = [
  { name: 'data', short: 'd', repeat: true },
  { name: 'input', short: 'i' },
  { name: 'count', short: 'n' },
  { name: 'format', short: 'f' },
  { name: 'strict-builtin-errors', boolean: true },
  TRUSTED_KEYS_FLAG,
  { name: 'help', short: 'h', boolean: true },
];

export interface BenchResult {
  samples: number;
  ns_per_op: { median: number; p90: number; p99: number; mean: number; min: number; max: number };
  ops_per_sec: number;
  /** null when no garbage collector hook was available. */
  bytes_per_op: number | null;
  /** Rows in the query's result set (0 = undefined). */
  results: number;
}

export async function run(argv: string[]): Promise<number> {
  return guarded('bench', async () => {
    const args = parseToolArgs(argv, FLAGS);
    if (args.flags.get('help') === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const format = choiceFlag(args, 'format', ['pretty', 'json'] as const, 'pretty');
    if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'a query is required' : 'give exactly one query (quote it)');
    const count = args.flags.has('count') ? countFlag(args, 'count', 1) : undefined;
    const set = await loadPolicies(args.lists.get('data') ?? [], { trustedKeysPath: stringFlag(args, 'trusted-keys-path') });
    const inputPath = stringFlag(args, 'input');
    const input = inputPath !== undefined ? await readInput(inputPath) : undefined;

    let result: BenchResult;
    try {
      const policy = compile(set.modules, {
        data: set.data,
        strictBuiltinErrors: args.flags.get('strict-builtin-errors') === true,
        host: hostHooks(),
      });
      const q = prepareQuery(policy, args.positionals[0]);
      result = bench(() => q.prepared.run(input).length, count);
    } catch (e) {
      if (!(e instanceof CompileErrors || e instanceof RegoError)) throw e;
      printErrors(errorsOf(e));
      return 2;
    }
    process.stdout.write(format === 'json' ? jsonText(result) + '\n' : table(result));
    return 0;
  });
}

/** Runs `op` (returning its result count) and measures it. Throws what `op` throws. */
export function bench(op: () => number, count?: number): BenchResult {
  const results = op(); // fails fast on evaluation errors
  let n = count;
  if (n === undefined) {
    const t0 = process.hrtime.bigint();
    let calib = 0;
    while (calib < 10 || (calib < 1000 && process.hrtime.bigint() - t0 < 50_000_000n)) {
      op();
      calib++;
    }
    const perOp = Number(process.hrtime.bigint() - t0) / calib;
    n = Math.max(10, Math.min(1_000_000, Math.round(1e9 / Math.max(perOp, 1))));
  }
  const warm = Math.min(1000, Math.ceil(n / 10));
  for (let i = 0; i < warm; i++) op();

  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    op();
    times[i] = Number(process.hrtime.bigint() - t);
  }
  const sorted = Array.from(times).sort((a, b) => a - b);
  const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    samples: n,
    ns_per_op: { median: pct(50), p90: pct(90), p99: pct(99), mean: Math.round(mean), min: sorted[0], max: sorted[sorted.length - 1] },
    ops_per_sec: Math.round(1e9 / mean),
    bytes_per_op: bytesPerOp(op, n),
    results,
  };
}

function bytesPerOp(op: () => number, n: number): number | null {
  const gc = gcFunction();
  if (gc === undefined) return null;
  const batch = Math.min(100, n);
  const batches = Math.max(1, Math.min(20, Math.floor(n / batch)));
  const growth: number[] = [];
  for (let b = 0; b < batches; b++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < batch; i++) op();
    growth.push(Math.max(0, process.memoryUsage().heapUsed - before) / batch);
  }
  growth.sort((a, b) => a - b);
  return Math.round(growth[Math.floor(growth.length / 2)]);
}

let gcFn: (() => void) | undefined | null = null;
function gcFunction(): (() => void) | undefined {
  if (gcFn !== null) return gcFn;
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return (gcFn = existing);
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    gcFn = typeof fn === 'function' ? (fn as () => void) : undefined;
  } catch {
    gcFn = undefined;
  }
  return gcFn;
}

function table(r: BenchResult): string {
  const rows: [string, string][] = [
    ['samples', String(r.samples)],
    ['ns/op (median)', String(r.ns_per_op.median)],
    ['ns/op (p90)', String(r.ns_per_op.p90)],
    ['ns/op (p99)', String(r.ns_per_op.p99)],
    ['ns/op (mean)', String(r.ns_per_op.mean)],
    ['ops/s', String(r.ops_per_sec)],
    ['B/op (heap growth)', r.bytes_per_op === null ? 'n/a' : String(r.bytes_per_op)],
    ['results', String(r.results)],
  ];
  const w0 = Math.max(...rows.map(([k]) => k.length));
  const w1 = Math.max(...rows.map(([, v]) => v.length));
  const line = `+${'-'.repeat(w0 + 2)}+${'-'.repeat(w1 + 2)}+\n`;
  return line + rows.map(([k, v]) => `| ${k.padEnd(w0)} | ${v.padStart(w1)} |\n`).join('') + line;
}

