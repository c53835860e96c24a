// `vengtoo-agent test`: discovery of test_* rules, PASS/FAIL/ERROR/SKIPPED, --run, -v, exit codes,
// JSON output and coverage numbers.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { coverableRows, coverageReport, discoverTests, runTests } from '../../src/cli/test-runner.js';
import { compile, parseModule } from '../../src/rego/index.js';
import { cli, tempDir, type CliResult } from './tooling-helpers.js';

const CALC = `package calc

double(x) := x * 2

positive(x) if x > 0

p := 1

p := 2 if input.twice
`;

const CALC_TESTS = `package calc_test

import data.calc

test_double if calc.double(2) == 4

test_positive if calc.positive(1)

test_wrong if calc.double(2) == 5

test_undefined if calc.positive(-1)

test_conflict if calc.p with input as {"twice": true}

todo_test_later if false
`;

const COV = `package cov

allow if {
	input.role == "admin"
}

deny if {
	input.role == "guest"
}
`;

let t: ReturnType<typeof tempDir>;
const runs: Record<string, Promise<CliResult>> = {};

before(() => {
  t = tempDir({
    'pass/calc.rego': CALC,
    'pass/calc_test.rego': 'package calc_test\n\nimport data.calc\n\ntest_double if calc.double(2) == 4\n\ntest_positive if calc.positive(1)\n',
    'fail/calc.rego': CALC,
    'fail/calc_test.rego': CALC_TESTS,
    'cov/policy.rego': COV,
    'cov/policy_test.rego': 'package cov_test\n\nimport data.cov\n\ntest_allow if cov.allow with input as {"role": "admin"}\n',
  });
  runs.pass = cli(['test', 'pass'], t.dir);
  runs.fail = cli(['test', 'fail'], t.dir);
  runs.verbose = cli(['test', '-v', '--run', 'positive|double', 'fail'], t.dir);
  runs.json = cli(['test', '--format', 'json', 'fail'], t.dir);
  runs.coverage = cli(['test', '--coverage', 'cov'], t.dir);
});
after(() => t.cleanup());

it('all tests passing: the summary only, exit 0', async () => {
  const r = await runs.pass;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'PASS: 2/2\n');
});

it('failures and errors are listed by file with a summary, exit 2', async () => {
  const r = await runs.fail;
  assert.equal(r.code, 2);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'fail/calc_test.rego:');
  assert.match(r.stdout, /^data\.calc_test\.test_wrong: FAIL \([\d.]+(ns|µs|ms|s)\)$/m);
  assert.match(r.stdout, /^data\.calc_test\.test_undefined: FAIL /m);
  assert.match(r.stdout, /^data\.calc_test\.test_conflict: ERROR /m);
  assert.match(r.stdout, /^ {2}fail\/calc\.rego:\d+: eval_conflict_error: /m);
  assert.doesNotMatch(r.stdout, /test_double/);
  assert.ok(r.stdout.endsWith('-'.repeat(80) + '\nPASS: 2/6\nFAIL: 2/6\nSKIPPED: 1/6\nERROR: 1/6\n'), r.stdout);
});

it('-v lists every test run; --run selects by full name', async () => {
  const r = await runs.verbose;
  assert.equal(r.code, 0, r.stdout);
  const tests = r.stdout.split('\n').filter((l) => l.startsWith('data.'));
  assert.deepEqual(
    tests.map((l) => l.replace(/ \(.*\)$/, '')),
    ['data.calc_test.test_double: PASS', 'data.calc_test.test_positive: PASS'],
  );
  assert.match(r.stdout, /PASS: 2\/2\n$/);
});

it('--format json gives one object per test', async () => {
  const r = await runs.json;
  assert.equal(r.code, 2);
  const out = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.deepEqual(
    out.map((x) => [x.name, x.fail === true, x.skip === true, (x.error as { code?: string } | undefined)?.code]),
    [
      ['test_double', false, false, undefined],
      ['test_positive', false, false, undefined],
      ['test_wrong', true, false, undefined],
      ['test_undefined', true, false, undefined],
      ['test_conflict', false, false, 'eval_conflict_error'],
      ['todo_test_later', false, true, undefined],
    ],
  );
  assert.equal(out[0].package, 'data.calc_test');
  assert.deepEqual(out[0].location, { file: 'fail/calc_test.rego', row: 5, col: 1 });
});

it('--coverage reports covered and not covered lines of the non-test files', async () => {
  const r = await runs.coverage;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    files: {
      'cov/policy.rego': {
        covered: [{ start: { row: 3 }, end: { row: 4 } }],
        not_covered: [{ start: { row: 7 }, end: { row: 8 } }],
        covered_lines: 2,
        not_covered_lines: 2,
        coverage: 50,
      },
    },
    covered_lines: 2,
    not_covered_lines: 2,
    coverage: 50,
  });
});

// ---- in-process ----

it('discovers test_* and todo_test_* rules only, once per name, not functions', () => {
  const m = parseModule('package x\n\ntest_a if true\ntest_a if false\ntest_f(x) if x\nhelper_test_b if true\ntodo_test_c if true\np.test_d if true\n', 'x_test.rego');
  assert.deepEqual(
    discoverTests([m]).map((c) => [c.path, c.skip]),
    [
      ['data.x.test_a', false],
      ['data.x.todo_test_c', true],
    ],
  );
});

it('runTests: print() output is kept per test', () => {
  const sink = { lines: [] as string[] };
  const policy = compile([{ file: 'p_test.rego', source: 'package p\n\ntest_a if { print("hello"); false }\n' }], {
    host: { print: (s) => sink.lines.push(s) },
  });
  const [r] = runTests(policy, discoverTests(policy.modules), { printSink: sink });
  assert.equal(r.outcome, 'FAIL');
  assert.deepEqual(r.output, ['hello']);
});

it('coverable rows: rule heads and expressions, including nested bodies', () => {
  const m = parseModule('package c\n\np if {\n\txs := [x |\n\t\tsome x in input\n\t]\n\tcount(xs) > 0\n}\n\nq := 1\n', 'c.rego');
  assert.deepEqual([...coverableRows(m)].sort((a, b) => a - b), [3, 4, 5, 7, 10]);
  const report = coverageReport([m], new Set(['c.rego:3', 'c.rego:4', 'c.rego:7']));
  assert.equal(report.files['c.rego'].coverage, 60);
});
