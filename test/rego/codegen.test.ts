// The generated bodies (src/rego/compiler/codegen.ts): property reads that must not find
// prototype members or confuse sets, arrays and strings with objects; string literals that must
// survive being written into JavaScript source; loops over every kind of collection; and the
// closure fallback when code generation from strings is disabled.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compile } from '../../src/rego/index.js';
import type { Value } from '../../src/rego/value.js';

function evalRule(source: string, input: Value, rule = 'p', data: Value = {}): Value | undefined {
  const policy = compile([{ file: 'p.rego', source: `package t\n${source}` }], { data });
  return policy.entrypoint(`t/${rule}`)?.evaluate(input);
}

test('refs with constant keys find only the value’s own members', () => {
  const input = JSON.parse('{"obj": {"a": 1, "__proto__": "own", "constructor": "c"}, "arr": [10, 20], "str": "abc", "num": 5}');
  const cases: [string, Value | undefined][] = [
    ['p := input.obj.a', 1],
    ['p := input.obj.__proto__', 'own'],
    ['p := input.obj.constructor', 'c'],
    ['p := input.obj.toString', undefined],
    ['p := input.obj.hasOwnProperty', undefined],
    ['p := input.arr.length', undefined],
    ['p := input.arr["0"]', undefined],
    ['p := input.arr[1]', 20],
    ['p := input.str.length', undefined],
    ['p := input.num.toFixed', undefined],
    ['p := input.missing.a', undefined],
    ['p := input.obj.valueOf', undefined],
  ];
  for (const [src, want] of cases) assert.deepEqual(evalRule(src, input), want, src);
});

test('a ref into a set or an object with non-string keys takes the general path', () => {
  assert.equal(evalRule('s := {"a", "size", "has"}\np := s.a', {}), 'a');
  assert.equal(evalRule('s := {"a", "size", "has"}\np := s.size', {}), 'size');
  assert.equal(evalRule('s := {"a", "size", "has"}\np := s.has', {}), 'has');
  assert.equal(evalRule('o := {1: "one", "k": "v", "map": "m"}\np := o.k', {}), 'v');
  assert.equal(evalRule('o := {1: "one", "k": "v", "map": "m"}\np := o.map', {}), 'm');
  assert.equal(evalRule('s := {"a"}\np := s.b', {}), undefined);
});

test('string literals with quotes, backslashes, line separators and ${} stay exact', () => {
  const weird = 'a"b\\c\u2028d\u2029e${x}`f\'g\n';
  const input = { [weird]: { [weird]: weird } } as Value;
  const key = JSON.stringify(weird);
  assert.equal(evalRule(`p := input[${key}][${key}]`, input), weird);
  assert.equal(evalRule(`p if input[${key}][${key}] == ${key}`, input), true);
  assert.equal(evalRule(`p if input[${key}][${key}] == "other"`, input), undefined);
});

test('some-in loops over arrays, objects, sets and non-collections', () => {
  const input = { arr: [3, 1, 2], obj: { b: 2, a: 1 }, str: 'xy', n: 1 } as Value;
  assert.deepEqual(evalRule('p contains [i, x] if { some i, x in input.arr }', input), evalRule('p := {[0, 3], [1, 1], [2, 2]}', {}));
  assert.deepEqual(evalRule('p := [[k, v] | some k, v in input.obj]', input), [['a', 1], ['b', 2]]);
  assert.deepEqual(evalRule('s := {"z", "y"}\np := [x | some x in s]', input), ['y', 'z']);
  assert.deepEqual(evalRule('p := [x | some x in input.str]', input), []);
  assert.deepEqual(evalRule('p := [x | some x in input.n]', input), []);
});

test('negation: undefined and false satisfy `not`, any other value fails it', () => {
  const src = 'default p := "no"\np := "yes" if not input.x';
  assert.equal(evalRule(src, {}), 'yes');
  assert.equal(evalRule(src, { x: false }), 'yes');
  assert.equal(evalRule(src, { x: true }), 'no');
  assert.equal(evalRule(src, { x: 0 }), 'no');
  assert.equal(evalRule(src, { x: null }), 'no');
  assert.equal(evalRule('p if { not input.x == 1; input.y }', { x: 2, y: true }), true);
  assert.equal(evalRule('p if { not input.x == 1; input.y }', { x: 1, y: true }), undefined);
});

test('object literals: values computed, undefined value makes the object undefined', () => {
  const json = (v: Value | undefined): unknown => JSON.parse(JSON.stringify(v));
  assert.deepEqual(json(evalRule('p := o if { o := {"a": input.a, "b": [input.a, 1]} }', { a: 'x' })), { a: 'x', b: ['x', 1] });
  assert.equal(evalRule('p := o if { o := {"a": input.a, "b": input.missing} }', { a: 'x' }), undefined);
  assert.deepEqual(json(evalRule('p := o if { o := {"__proto__": input.a} }', { a: 'x' })), JSON.parse('{"__proto__": "x"}'));
});

test('base data read directly agrees with `with data` overrides', () => {
  const data = { roles: { admin: ['read', 'write'] } } as Value;
  const src = 'q contains a if { some a in data.roles[input.role] }\np := q\nr := x if { x := q with data.roles as {"admin": ["x"]} }';
  assert.deepEqual(evalRule(src, { role: 'admin' }, 'p', data), evalRule('p := {"read", "write"}', {}));
  assert.deepEqual(evalRule(src, { role: 'admin' }, 'r', data), evalRule('p := {"x"}', {}));
});

test('a body of 5,000 expressions and 200 nested loops compiles and runs', () => {
  const tests = Array.from({ length: 5000 }, (_, i) => `input.n > ${-i}`).join('\n\t');
  assert.equal(evalRule(`p if {\n\t${tests}\n}`, { n: 1 }), true);
  assert.equal(evalRule(`p if {\n\t${tests}\n}`, { n: -10 }), undefined);
  const loops = Array.from({ length: 200 }, (_, i) => `some x${i} in input.xs`).join('\n\t');
  assert.equal(evalRule(`p if {\n\t${loops}\n}`, { xs: [1] }), true);
});

test('with code generation from strings disabled, the closure planner answers the same', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const script = `
    import { readFileSync } from 'node:fs';
    import { compile } from './src/rego/index.ts';
    // The first body planned in the process binds n through a call's output argument.
    const first = compile([{ file: 'a.rego', source: 'package a\\np contains n if count(input.xs, n)' }]);
    const counted = [...first.entrypoint('a/p').evaluate({ xs: [1, 2] }).sorted()];
    const p = compile([{ file: 'policy.rego', source: readFileSync('examples/policy.rego', 'utf8') }], { data: JSON.parse(readFileSync('examples/data.json', 'utf8')) });
    let generated = true;
    try { new Function('return 1'); } catch { generated = false; }
    const input = { subject: { type: 'agent', id: 'ai-assistant' }, resource: { type: 'mcp_tool', id: 'database__query' }, action: { name: 'invoke' } };
    console.log(JSON.stringify({ generated, counted, result: p.entrypoint('vengtoo/authz/decision').evaluate(input) }));
  `;
  const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop() as string), {
    generated: false,
    counted: [2],
    result: { allowed: true, reason: 'Access granted via role', access_path: 'role' },
  });
});

test('file names and rule paths cannot reach the generated code (they only name it for profiles)', () => {
  const g = globalThis as { pwned?: boolean };
  delete g.pwned;
  // Ref-head keys and a file name that would end a sourceURL comment if copied in: one would break
  // the generated source, the other would add code to it.
  for (const evil of ['\n)(', '\nglobalThis.pwned = true;\n//', '\u2028)(']) {
    const source = `package t\nobj[${JSON.stringify(evil)}] := 1 if input.x\np := v if v := obj[${JSON.stringify(evil)}]\nf(x) := x + 1\nq := f(1)\n`;
    const policy = compile([{ file: `evil${evil}*/.rego`, source }]);
    assert.equal(policy.entrypoint('t/p')?.evaluate({ x: true }), 1, JSON.stringify(evil));
    assert.equal(policy.entrypoint('t/q')?.evaluate({}), 2, JSON.stringify(evil));
  }
  assert.equal(g.pwned, undefined);
});

test('x in a literal collection: string items compare as strings, others by Rego equality', () => {
  // input.y keeps the collection from being folded to a constant: the items are compared one by one.
  const src = 'p if input.x in {"a", 1, [2], input.y}';
  const cases: [Value, true | undefined][] = [['a', true], ['b', undefined], [1, true], ['1', undefined], [[2], true], [['2'], undefined], [{ k: 1 }, true]];
  for (const [x, want] of cases) assert.equal(evalRule(src, { x, y: { k: 1 } }), want, JSON.stringify(x));
});
