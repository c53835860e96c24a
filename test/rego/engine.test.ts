// The engine as a library user sees it: compile errors with codes and locations, evaluation
// semantics the conformance suite does not pin down, and hostile inputs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, CompileErrors, parseTermValue, RegoError, type Policy } from '../../src/rego/index.js';
import { RSet, toJSON, type Value } from '../../src/rego/value.js';

function policy(source: string, data?: Value): Policy {
  return compile([{ file: 'p.rego', source }], { data });
}

function compileError(source: string): { code: string; row: number; col: number; message: string }[] {
  try {
    policy(source);
  } catch (err) {
    assert.ok(err instanceof CompileErrors, `expected CompileErrors, got ${String(err)}`);
    return err.errors.map((e) => ({ code: e.code, row: e.location?.row ?? 0, col: e.location?.col ?? 0, message: e.message }));
  }
  assert.fail('expected a compile error');
}

/** Plain JSON of a value (toJSON makes null-prototype objects). */
function plain(v: Value): unknown {
  return JSON.parse(JSON.stringify(toJSON(v)));
}

function value(p: Policy, path: string, input?: Value): unknown {
  const v = p.entrypoint(path)?.evaluate(input);
  return v === undefined ? undefined : plain(v);
}

describe('compile errors carry OPA codes and file:line:col', () => {
  it('reports an unsafe variable', () => {
    const errs = compileError('package t\n\np if {\n\tx > 1\n}\n');
    assert.equal(errs[0].code, 'rego_unsafe_var_error');
    assert.equal(errs[0].row, 4);
    assert.match(errs[0].message, /^p\.rego:4:2: rego_unsafe_var_error: var x is unsafe$/);
  });

  it('reports an unsafe head variable', () => {
    const errs = compileError('package t\np[x] := 1 if { true }\n');
    assert.equal(errs[0].code, 'rego_unsafe_var_error');
    assert.match(errs[0].message, /var x is unsafe/);
  });

  it('reports recursion through rules', () => {
    const errs = compileError('package t\np if q\nq if p\n');
    assert.equal(errs[0].code, 'rego_recursion_error');
    assert.match(errs[0].message, /data\.t\.(p|q) is recursive/);
  });

  it('reports recursion through functions', () => {
    const errs = compileError('package t\nf(x) := y if { y := f(x) }\n');
    assert.equal(errs[0].code, 'rego_recursion_error');
  });

  it('reports an undefined function with its location', () => {
    const errs = compileError('package t\n\np if nosuch(1)\n');
    assert.equal(errs[0].code, 'rego_type_error');
    assert.equal(errs[0].row, 3);
    assert.match(errs[0].message, /undefined function nosuch/);
  });

  it('reports a wrong number of arguments', () => {
    const errs = compileError('package t\np if count([1], 2, 3)\n');
    assert.equal(errs[0].code, 'rego_type_error');
    assert.match(errs[0].message, /count/);
  });

  it('reports := re-declaring a variable', () => {
    const errs = compileError('package t\np if {\n\tx := 1\n\tx := 2\n}\n');
    assert.equal(errs[0].code, 'rego_compile_error');
    assert.match(errs[0].message, /var x assigned above/);
  });

  it('reports conflicting rule kinds at one path', () => {
    const errs = compileError('package t\np := 1\np contains 2\n');
    assert.equal(errs[0].code, 'rego_type_error');
  });

  it('reports parse errors as CompileErrors with rego_parse_error', () => {
    const errs = compileError('package t\np if {\n');
    assert.equal(errs[0].code, 'rego_parse_error');
  });

  it('collects errors from several files', () => {
    try {
      compile([
        { file: 'a.rego', source: 'package a\np if x > 1\n' },
        { file: 'b.rego', source: 'package b\nq if nosuch()\n' },
      ]);
      assert.fail('expected errors');
    } catch (err) {
      assert.ok(err instanceof CompileErrors);
      const files = err.errors.map((e) => e.location?.file).sort();
      assert.deepEqual(files, ['a.rego', 'b.rego']);
    }
  });
});

describe('evaluation', () => {
  it('distinguishes undefined from false', () => {
    const p = policy('package t\ndefault d := false\nd if input.x == 1\nu if input.x == 1\n');
    assert.equal(value(p, 't/d', { x: 2 }), false);
    assert.equal(value(p, 't/u', { x: 2 }), undefined);
    assert.equal(value(p, 't/u', { x: 1 }), true);
  });

  it('raises a conflict for complete rules with different values', () => {
    const p = policy('package t\np := 1 if input.a\np := 2 if input.b\n');
    assert.equal(value(p, 't/p', { a: true }), 1);
    assert.throws(
      () => value(p, 't/p', { a: true, b: true }),
      (e: unknown) => e instanceof RegoError && e.code === 'eval_conflict_error',
    );
  });

  it('raises a conflict for functions with different outputs', () => {
    const p = policy('package t\nf(x) := 1 if x > 0\nf(x) := 2 if x > 1\np := f(input)\n');
    assert.equal(value(p, 't/p', 1), 1);
    assert.throws(() => value(p, 't/p', 5), (e: unknown) => e instanceof RegoError && e.code === 'eval_conflict_error');
  });

  it('treats builtin errors as undefined, or as errors when strict', () => {
    const src = 'package t\np := x if x := 1 / input\n';
    assert.equal(value(policy(src), 't/p', 0), undefined);
    const strict = compile([{ file: 'p.rego', source: src }], { strictBuiltinErrors: true });
    assert.throws(
      () => strict.entrypoint('t/p')?.evaluate(0),
      (e: unknown) => e instanceof RegoError && e.code === 'eval_builtin_error' && /div: divide by zero/.test(e.message),
    );
  });

  it('keeps integers beyond 2^53 exact', () => {
    const p = policy('package t\np := input + 1\n');
    assert.equal(p.entrypoint('t/p')?.evaluate(18446744073709551614n), 18446744073709551615n);
  });

  it('treats __proto__ and constructor as ordinary keys', () => {
    const input = JSON.parse('{"__proto__": {"admin": true}, "constructor": "x"}') as Value;
    const p = policy(
      'package t\na := input.__proto__.admin\nb := input.constructor\nc := input.toString\nks := {k | input[k]}\no := {"__proto__": 1}\n',
    );
    assert.equal(value(p, 't/a', input), true);
    assert.equal(value(p, 't/b', input), 'x');
    assert.equal(value(p, 't/c', input), undefined);
    assert.deepEqual(value(p, "t/ks", input), ['__proto__', 'constructor']);
    const o = p.entrypoint('t/o')?.evaluate(undefined) as Record<string, Value>;
    assert.equal(Object.getPrototypeOf(o), null);
    assert.equal(o['__proto__'], 1);
  });

  it('iterates sets and objects in sorted order', () => {
    const p = policy('package t\na := [x | some x in {3, 1, 2}]\nb := [k | some k, _ in {"b": 1, "a": 2}]\n');
    assert.deepEqual(value(p, 't/a'), [1, 2, 3]);
    assert.deepEqual(value(p, 't/b'), ['a', 'b']);
  });

  it('replaces input, data and functions with `with`', () => {
    const p = policy(
      'package t\nf(x) := x + 1\nq := input.v\nr := data.cfg.v\ns := f(1)\n' +
        'a := y if y := q with input.v as 7\nb := y if y := r with data.cfg.v as 8\nc := y if y := s with f as 10\n',
      { cfg: { v: 1 } },
    );
    assert.equal(value(p, 't/a', {}), 7);
    assert.equal(value(p, 't/b'), 8);
    assert.equal(value(p, 't/c'), 10);
    assert.equal(value(p, 't/r'), 1);
  });

  it('stops a runaway evaluation at its step budget', () => {
    const p = compile(
      [{ file: 'p.rego', source: 'package t\np := count([1 | some a in numbers.range(1, 300); some b in numbers.range(1, 300)])\n' }],
      { maxSteps: 10_000 },
    );
    assert.throws(
      () => p.entrypoint('t/p')?.evaluate(undefined),
      (e: unknown) => e instanceof RegoError && e.code === 'eval_budget_error',
    );
    assert.equal(p.entrypoint('t/p')?.evaluate(undefined, { maxSteps: 0 }), 90000);
  });

  it('turns a stack overflow on deeply nested input into an evaluation error', () => {
    let deep: Value = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const p = policy('package t\np if {\n\ts := {input}\n\tcount(s) == 1\n}\n');
    assert.throws(
      () => p.entrypoint('t/p')?.evaluate([deep]),
      (e: unknown) => e instanceof RegoError && e.code === 'eval_internal_error',
    );
  });

  it('answers queries with one row per solution', () => {
    const p = policy('package t\nxs := ["a", "b"]\n');
    const rows = p.query('data.t.xs[i] = x').map((r) => plain(r as unknown as Value));
    assert.deepEqual(rows, [
      { i: 0, x: 'a' },
      { i: 1, x: 'b' },
    ]);
  });

  it('parses ground terms, including sets', () => {
    const v = parseTermValue('{"a": {1, 2}}') as Record<string, Value>;
    assert.ok(v.a instanceof RSet);
    assert.deepEqual(plain(v), { a: [1, 2] });
  });

  it('returns no entrypoint where nothing is defined', () => {
    const p = policy('package t\np := 1\n');
    assert.equal(p.entrypoint('t/nope'), undefined);
    assert.notEqual(p.entrypoint('data.t.p'), undefined);
  });
});

describe('strict builtin errors', () => {
  const src = 'package t\np[x] := y if {\n\tsome x in [1, 0, 2]\n\ty := 10 / x\n}\nq := count(p)\n';

  it('makes the failing call undefined, goes on, then fails with the first error (OPA)', () => {
    const strict = compile([{ file: 'p.rego', source: src }], { strictBuiltinErrors: true });
    const { rows, error } = strict.queryAll('data.t.p[x] = y');
    assert.ok(error instanceof RegoError && error.code === 'eval_builtin_error');
    assert.match(error.message, /^p\.rego:4: eval_builtin_error: div: divide by zero$/);
    assert.deepEqual(rows.map((r) => plain(r as unknown as Value)), [
      { x: 1, y: 10 },
      { x: 2, y: 5 },
    ]);
    assert.throws(() => strict.query('data.t.p[x] = y'), (e: unknown) => e instanceof RegoError && e.message === error.message);
    assert.throws(
      () => strict.entrypoint('t/q')?.evaluate(undefined),
      (e: unknown) => e instanceof RegoError && e.code === 'eval_builtin_error',
    );
  });

  it('reports the builtin error rather than a later conflict', () => {
    const s = 'package t\nb := 1 if x := 1 / 0\nb := 2\nb := 3\n';
    const strict = compile([{ file: 'p.rego', source: s }], { strictBuiltinErrors: true });
    assert.throws(
      () => strict.entrypoint('t/b')?.evaluate(undefined),
      (e: unknown) => e instanceof RegoError && e.code === 'eval_builtin_error',
    );
  });

  it('leaves non-strict evaluations undefined and without error', () => {
    const { rows, error } = compile([{ file: 'p.rego', source: src }]).queryAll('data.t.q = n');
    assert.equal(error, undefined);
    assert.deepEqual(rows.map((r) => plain(r as unknown as Value)), [{ n: 2 }]);
  });
});
