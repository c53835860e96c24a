// Builtins whose output size comes from their arguments charge the evaluation budget
// (Ctx.charge) as they build it, so eval_max_steps / eval_timeout stop a single huge call
// (numbers.range(1, 1e9), a template ranging 10^9 times, ...) instead of letting it run to its
// end or exhaust the heap. Small calls cost one unit per element and are otherwise unaffected.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compile, RegoError, type EvalOptions, type Value } from '../../src/rego/index.js';
import { Ctx } from '../../src/rego/eval/context.js';

/** Evaluates `p := <expr>` with the given budget: the value, or the error code and message, and the time taken. */
function run(expr: string, opts: EvalOptions): { value?: Value; code?: string; message?: string; ms: number } {
  const p = compile([{ file: 'p.rego', source: `package t\np := ${expr}\n` }]);
  const t0 = performance.now();
  try {
    const value = p.entrypoint('t/p')?.evaluate(undefined, opts);
    return { value, ms: performance.now() - t0 };
  } catch (e) {
    if (!(e instanceof RegoError)) throw e;
    return { code: e.code, message: e.message, ms: performance.now() - t0 };
  }
}

const DEFAULT = { maxSteps: 1_000_000, maxTimeMs: 100 }; // the agent's defaults
const STEPS_ONLY = { maxSteps: 1_000_000, maxTimeMs: 0 };
const TIME_ONLY = { maxSteps: 0, maxTimeMs: 100 };

function assertStopped(r: ReturnType<typeof run>, by: 'steps' | 'time' | 'either', withinMs: number): void {
  assert.equal(r.code, 'eval_budget_error', `expected eval_budget_error, got ${r.code ?? JSON.stringify(r.value)?.slice(0, 80)}`);
  if (by === 'steps') assert.match(r.message ?? '', /budget of 1000000 steps/);
  if (by === 'time') assert.match(r.message ?? '', /time budget of 100 ms/);
  assert.ok(r.ms < withinMs, `stopped after ${r.ms.toFixed(0)} ms`);
}

describe('numbers.range and the evaluation budget', () => {
  it('a range of 10^9 elements stops at the step budget, quickly', (t) => {
    const r = run('count(numbers.range(1, 1000000000))', STEPS_ONLY);
    t.diagnostic(`stopped after ${r.ms.toFixed(1)} ms: ${r.message}`);
    assertStopped(r, 'steps', 2000);
    const rs = run('count(numbers.range_step(1000000000, 1, 7))', STEPS_ONLY);
    assertStopped(rs, 'steps', 2000);
    // beyond the safe integers (the bigint path)
    assertStopped(run('count(numbers.range(9007199254740993, 9007199264740993))', STEPS_ONLY), 'steps', 5000);
  });

  it('with the agent defaults (1,000,000 steps, 100 ms) a 10^8 range fails with eval_budget_error', (t) => {
    const r = run('count(numbers.range(1, 100000000))', DEFAULT);
    t.diagnostic(`stopped after ${r.ms.toFixed(1)} ms: ${r.message}`);
    assertStopped(r, 'either', 2000);
  });

  it('with only a time budget (maxSteps 0) a 10^9 range stops at the clock', (t) => {
    const r = run('count(numbers.range(1, 1000000000))', TIME_ONLY);
    t.diagnostic(`stopped after ${r.ms.toFixed(1)} ms: ${r.message}`);
    assertStopped(r, 'time', 2000);
  });

  it('charges one unit per element: the budget decides exactly where a range fits', () => {
    // count(range(1, 1000)) is 1,000 units for the elements plus a few steps for the rule.
    assert.equal(run('count(numbers.range(1, 1000))', { maxSteps: 1100 }).value, 1000);
    assert.equal(run('count(numbers.range(1, 1000))', { maxSteps: 999 }).code, 'eval_budget_error');
  });

  it('leaves small ranges unaffected, with and without budgets', () => {
    for (const opts of [{}, DEFAULT, STEPS_ONLY, TIME_ONLY, { maxSteps: 50 }]) {
      assert.deepEqual(run('numbers.range(1, 5)', opts).value, [1, 2, 3, 4, 5]);
      assert.deepEqual(run('numbers.range(3, -3)', opts).value, [3, 2, 1, 0, -1, -2, -3]);
      assert.deepEqual(run('numbers.range_step(0, 10, 4)', opts).value, [0, 4, 8]);
    }
    // across chunk boundaries and the edge of the safe integers, values stay exact
    const big = run('numbers.range(9007199254740990, 9007199254740993)', DEFAULT).value as Value[];
    assert.deepEqual(big, [9007199254740990, 9007199254740991, 9007199254740992n, 9007199254740993n]);
    const down = run('numbers.range_step(9007199254740993, 9007199254740983, 5)', DEFAULT).value as Value[];
    assert.deepEqual(down, [9007199254740993n, 9007199254740988, 9007199254740983]);
    const many = run('numbers.range(-5000, 5000)', DEFAULT).value as number[];
    assert.equal(many.length, 10001);
    assert.ok(many.every((v, i) => v === i - 5000));
  });
});

describe('other builtins whose output size comes from their arguments', () => {
  // Each would build far more than the budget allows: stopped by the steps (both budgets set:
  // whichever comes first), by the steps alone, and by the clock alone.
  const HUGE: [string, string][] = [
    ['strings.render_template ranging 10^9 times', 'count(strings.render_template("{{range 1000000000}}x{{end}}", {}))'],
    ['strings.render_template, nested ranges (10^10)', 'count(strings.render_template("{{range 100000}}{{range 100000}}{{end}}{{end}}", {}))'],
    ['net.cidr_expand of a /12', 'count(net.cidr_expand("10.0.0.0/12"))'],
  ];
  for (const [name, expr] of HUGE) {
    it(`${name}: stopped by either budget`, (t) => {
      for (const [label, opts, by] of [
        ['defaults', DEFAULT, 'either'],
        ['steps only', STEPS_ONLY, 'steps'],
        ['time only', TIME_ONLY, 'time'],
      ] as const) {
        const r = run(expr, opts);
        t.diagnostic(`${label}: ${r.ms.toFixed(0)} ms, ${r.message}`);
        assertStopped(r, by, 3000);
      }
    });
  }

  // Built in one go, or lazily by V8 (a replace's result is a rope): the step budget stops them
  // before they are built; the clock alone sees too little work to (documented).
  const HUGE_AT_ONCE: [string, string][] = [
    ['sprintf: 1,000 verbs 999,999 wide', 'count(sprintf(concat("", [s | some _ in numbers.range(1, 1000); s := "%999999d"]), numbers.range(1, 1000)))'],
    ['bits.lsh by 10^8 bits', 'bits.lsh(1, 100000000) > 0'],
    [
      'regex.replace: 10^5 matches × a 10^3-character replacement',
      'count(regex.replace(concat("", [x | some _ in numbers.range(1, 100000); x := "a"]), "a", concat("", [x | some _ in numbers.range(1, 1000); x := "b"])))',
    ],
    [
      'replace: 10^5 matches × a 10^3-character replacement',
      'count(replace(concat("", [x | some _ in numbers.range(1, 100000); x := "a"]), "a", concat("", [x | some _ in numbers.range(1, 1000); x := "b"])))',
    ],
    [
      'strings.replace_n: 10^5 matches × a 10^3-character replacement',
      'count(strings.replace_n({"a": concat("", [x | some _ in numbers.range(1, 1000); x := "b"]), "c": "d"}, concat("", [x | some _ in numbers.range(1, 100000); x := "a"])))',
    ],
    [
      'json.marshal_with_options: 10^5 elements × a 10^3-character indent',
      'count(json.marshal_with_options(numbers.range(1, 100000), {"indent": concat("", [x | some _ in numbers.range(1, 1000); x := " "])}))',
    ],
    ['strings.render_template printf padding in a range', 'count(strings.render_template("{{range 1000}}{{printf \\"%999999d\\" 1}}{{end}}", {}))'],
  ];
  for (const [name, expr] of HUGE_AT_ONCE) {
    it(`${name}: stopped by the step budget`, (t) => {
      for (const [label, opts] of [
        ['defaults', DEFAULT],
        ['steps only', STEPS_ONLY],
      ] as const) {
        const r = run(expr, opts);
        t.diagnostic(`${label}: ${r.ms.toFixed(0)} ms, ${r.message}`);
        assertStopped(r, 'either', 3000);
      }
    });
  }

  it('small calls of the same builtins are unaffected', () => {
    const cases: [string, Value][] = [
      ['strings.render_template("{{range 3}}{{.}},{{end}}", {})', '0,1,2,'],
      ['strings.render_template("{{range $i, $x := .xs}}{{$i}}={{$x}} {{end}}", {"xs": ["a", "b"]})', '0=a 1=b '],
      ['strings.render_template("{{range .m}}{{.}}{{end}}", {"m": {"b": 2, "a": 1}})', '12'],
      ['strings.render_template("{{range .none}}x{{else}}empty{{end}}", {})', 'empty'],
      ['strings.render_template("{{printf \\"%5d|%-4s|\\" 42 \\"ab\\"}}", {})', '   42|ab  |'],
      ['count(net.cidr_expand("192.168.0.0/30"))', 4],
      ['sprintf("%08.3f|%-6d|%x", [3.14159, 42, 255])', '0003.142|42    |ff'],
      ['sprintf("%*d", [6, 7])', '     7'],
      ['bits.lsh(3, 4)', 48],
      ['bits.lsh(0, 100000000)', 0],
      ['replace("a-b-c", "-", "+")', 'a+b+c'],
      ['strings.replace_n({"a": "1", "b": "22"}, "abcab")', '122c122'],
      ['regex.replace("a1b22", "[0-9]+", "<$0>")', 'a<1>b<22>'],
      ['json.marshal_with_options([1, {"a": 2}], {"indent": "  ", "prefix": "> "})', '> [\n>   1,\n>   {\n>     "a": 2\n>   }\n> ]'],
    ];
    for (const [expr, want] of cases) {
      for (const opts of [{}, DEFAULT, { maxSteps: 200 }]) assert.deepEqual(run(expr, opts).value, want, `${expr} with ${JSON.stringify(opts)}`);
    }
    // a long replacement joined chunk by chunk gives the same text as one join
    const long = run('replace(concat("", [x | some _ in numbers.range(1, 300); x := "a-"]), "-", concat("", [x | some _ in numbers.range(1, 500); x := "xy"]))', {}).value as string;
    assert.equal(long, ('a' + 'xy'.repeat(500)).repeat(300));
  });
});

describe('Ctx.charge', () => {
  it('adds to the step count and stops at the step budget like tick', () => {
    const c = new Ctx(undefined, {}, 0, { maxSteps: 10_000 });
    c.charge(0);
    c.charge(-5);
    assert.equal(c.steps, 0);
    c.charge(9_000);
    c.tick(undefined);
    assert.equal(c.steps, 9_001);
    c.charge(999);
    assert.throws(
      () => c.charge(1),
      (e: unknown) => e instanceof RegoError && e.code === 'eval_budget_error' && /budget of 10000 steps/.test(e.message),
    );
  });

  it('reads the clock whenever the count crosses a multiple of 1,024', () => {
    const c = new Ctx(undefined, {}, 0, { maxTimeMs: 20 });
    c.charge(1024); // starts the clock
    const until = performance.now() + 30;
    while (performance.now() < until);
    c.charge(1000); // 2,024: no multiple of 1,024 crossed, the clock is not read
    assert.throws(
      () => c.charge(100), // 2,124: crosses 2,048
      (e: unknown) => e instanceof RegoError && e.code === 'eval_budget_error' && /time budget of 20 ms/.test(e.message),
    );
  });
});
