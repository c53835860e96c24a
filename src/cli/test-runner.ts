// Policy unit tests, OPA style: every rule named `test_*` (no arguments) in any package is a test.
// PASS when it is defined and not false, FAIL when false or undefined, ERROR when evaluation
// fails; `todo_test_*` rules are SKIPPED. Coverage: the lines of non-test modules that hold a rule
// head or an expression, and which of them evaluation reached.

import type { Body, Expr, Module, Term } from '../rego/ast.js';
import type { Location } from '../rego/errors.js';
import { RegoError, type Policy } from '../rego/index.js';

export interface TestCase {
  /** `data.pkg.test_x`. */
  path: string;
  /** `data.pkg`. */
  pkg: string;
  name: string;
  location: Location;
  skip: boolean;
}

export interface TestResult extends TestCase {
  outcome: 'PASS' | 'FAIL' | 'ERROR' | 'SKIPPED';
  durationNs: bigint;
  error?: RegoError;
  /** Text of print() calls made by the test. */
  output: string[];
}

export function isTestFile(file: string): boolean {
  return file.endsWith('_test.rego');
}

/** Test rules of every module, in module and source order; a name defined twice runs once. */
export function discoverTests(modules: readonly Module[]): TestCase[] {
  const seen = new Set<string>();
  const out: TestCase[] = [];
  for (const m of modules) {
    for (const r of m.rules) {
      const first = r.head.ref[0];
      if (r.head.ref.length !== 1 || first?.type !== 'var' || r.head.args !== undefined) continue;
      const skip = first.name.startsWith('todo_test_');
      if (!skip && !first.name.startsWith('test_')) continue;
      const pkg = ['data', ...m.package.path].join('.');
      const path = `${pkg}.${first.name}`;
      if (seen.has(path)) continue;
      seen.add(path);
      out.push({ path, pkg, name: first.name, location: r.loc, skip });
    }
  }
  return out;
}

export interface RunOptions {
  /** Run only tests whose full name matches. */
  filter?: RegExp;
  /** Filled with covered `file:row` keys (the policy must be compiled with coverage). */
  coverage?: Set<string>;
  /** Receives print() output; the runner attributes it to the running test. */
  printSink?: { lines: string[] };
}

export function runTests(policy: Policy, tests: readonly TestCase[], opts: RunOptions = {}): TestResult[] {
  const results: TestResult[] = [];
  for (const t of tests) {
    if (opts.filter && !opts.filter.test(t.path)) continue;
    if (t.skip) {
      results.push({ ...t, outcome: 'SKIPPED', durationNs: 0n, output: [] });
      continue;
    }
    if (opts.printSink) opts.printSink.lines = [];
    const start = process.hrtime.bigint();
    let outcome: TestResult['outcome'];
    let error: RegoError | undefined;
    try {
      const v = policy.entrypoint(t.path)?.evaluate(undefined, opts.coverage ? { coverage: opts.coverage } : undefined);
      outcome = v === undefined || v === false ? 'FAIL' : 'PASS';
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      outcome = 'ERROR';
      error = e;
    }
    const durationNs = process.hrtime.bigint() - start;
    results.push({ ...t, outcome, durationNs, error, output: opts.printSink ? [...opts.printSink.lines] : [] });
  }
  return results;
}

// ---- coverage ----

export interface LineRange {
  start: { row: number };
  end: { row: number };
}

export interface FileCoverage {
  covered?: LineRange[];
  not_covered?: LineRange[];
  covered_lines: number;
  not_covered_lines: number;
  coverage: number;
}

export interface CoverageReport {
  files: Record<string, FileCoverage>;
  covered_lines: number;
  not_covered_lines: number;
  coverage: number;
}

/** OPA's coverage report shape, over the non-test modules. */
export function coverageReport(modules: readonly Module[], covered: ReadonlySet<string>): CoverageReport {
  const files: Record<string, FileCoverage> = {};
  let cov = 0;
  let notCov = 0;
  for (const m of modules) {
    if (isTestFile(m.file)) continue;
    const rows = coverableRows(m);
    const prefix = m.file + ':';
    for (const key of covered) if (key.startsWith(prefix)) rows.add(Number(key.slice(prefix.length)));
    const yes: number[] = [];
    const no: number[] = [];
    for (const row of [...rows].sort((a, b) => a - b)) (covered.has(prefix + row) ? yes : no).push(row);
    files[m.file] = {
      ...(yes.length > 0 ? { covered: ranges(yes) } : {}),
      ...(no.length > 0 ? { not_covered: ranges(no) } : {}),
      covered_lines: yes.length,
      not_covered_lines: no.length,
      coverage: percent(yes.length, no.length),
    };
    cov += yes.length;
    notCov += no.length;
  }
  return { files, covered_lines: cov, not_covered_lines: notCov, coverage: percent(cov, notCov) };
}

function percent(yes: number, no: number): number {
  if (yes + no === 0) return 0;
  return Math.round((10000 * yes) / (yes + no)) / 100;
}

function ranges(rows: number[]): LineRange[] {
  const out: LineRange[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && last.end.row === r - 1) last.end.row = r;
    else out.push({ start: { row: r }, end: { row: r } });
  }
  return out;
}

/** Rows holding a rule head or an expression (in any body, including comprehensions). */
export function coverableRows(m: Module): Set<number> {
  const rows = new Set<number>();
  const body = (b: Body): void => {
    for (const e of b) expr(e);
  };
  const expr = (e: Expr): void => {
    rows.add(e.loc.row);
    switch (e.kind) {
      case 'term':
        term(e.term);
        break;
      case 'unify':
      case 'assign':
        term(e.left);
        term(e.right);
        break;
      case 'somein':
        term(e.collection);
        break;
      case 'every':
        term(e.domain);
        body(e.body);
        break;
      default:
        break;
    }
  };
  const term = (t: Term): void => {
    switch (t.type) {
      case 'arraycompr':
      case 'setcompr':
        body(t.body);
        break;
      case 'objectcompr':
        body(t.body);
        break;
      case 'call':
        t.args.forEach(term);
        break;
      case 'ref':
        term(t.head);
        t.path.forEach(term);
        break;
      case 'array':
      case 'set':
        t.items.forEach(term);
        break;
      case 'object':
        t.entries.forEach(([k, v]) => (term(k), term(v)));
        break;
      default:
        break;
    }
  };
  for (const r of m.rules) {
    if (!r.isDefault) rows.add(r.loc.row);
    body(r.body);
    if (r.head.value) term(r.head.value);
    for (let e = r.else; e !== undefined; e = e.else) body(e.body);
  }
  return rows;
}
