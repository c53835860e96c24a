// `vengtoo-agent check`: parse and compile errors with file:line:col, builtin type errors,
// strict-mode findings, JSON output, exit codes. Type checking is also tested in-process for
// what it must accept.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkSources } from '../../src/cli/check.js';
import { cli, tempDir, type CliResult } from './tooling-helpers.js';

const STRICT = `package s

import data.lib
import data.never_used

p if {
	x := 1
	lib.v == 2
}

f(a, b) := a

q if {
	some z
	re_match("a", "b")
}

r if {
	input := 5
	input > 1
}
`;

let t: ReturnType<typeof tempDir>;
const runs: Record<string, Promise<CliResult>> = {};

before(() => {
  t = tempDir({
    'ok/a.rego': 'package a\n\nallow if input.user == "alice"\n',
    'ok/a_test.rego': 'package a_test\n\nimport data.a\n\ntest_allow if a.allow with input as {"user": "alice"}\n',
    'parse/good.rego': 'package good\n\np := 1\n',
    'parse/bad.rego': 'package bad\n\np if {\n\tinput.x ==\n}\n',
    'compile/types.rego': 'package types\n\np if count(1)\n\nq if {\n\tx := 5\n\tupper(x) == "5"\n}\n\nr := y\n',
    'strict/s.rego': STRICT,
  });
  runs.ok = cli(['check', 'ok'], t.dir);
  runs.parse = cli(['check', 'parse'], t.dir);
  runs.compile = cli(['check', 'compile/types.rego'], t.dir);
  runs.strict = cli(['check', '--strict', 'strict'], t.dir);
  runs.notStrict = cli(['check', 'strict'], t.dir);
  runs.json = cli(['check', '--format', 'json', 'parse'], t.dir);
  runs.help = cli(['--help'], t.dir);
  runs.checkHelp = cli(['check', '--help'], t.dir);
});
after(() => t.cleanup());

it('a clean folder (tests included) checks silently with exit 0', async () => {
  const r = await runs.ok;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout + r.stderr, '');
});

it('parse errors name file:line:col; exit 2', async () => {
  const r = await runs.parse;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^parse\/bad\.rego:5:1: rego_parse_error: /);
});

it('type errors of builtin calls and unsafe variables, each with its location', async () => {
  const r = await runs.compile;
  assert.equal(r.code, 2);
  const firstLines = r.stderr.split('\n').filter((l) => !l.startsWith('\t'));
  assert.ok(firstLines.includes('compile/types.rego:10:6: rego_unsafe_var_error: var y is unsafe'), r.stderr);
  // Unsafe variables stop compilation before type checking (as in OPA): check the types alone.
  const types = checkSources([{ file: 'types.rego', source: 'package types\n\np if count(1)\n\nq if {\n\tx := 5\n\tupper(x) == "5"\n}\n' }], false);
  assert.deepEqual(
    types.map((e) => e.message),
    [
      'types.rego:3:6: rego_type_error: count: invalid argument(s)\n\thave: (number)\n\twant: (any<array[any], object[any: any], set[any], string>)',
      'types.rego:7:2: rego_type_error: upper: invalid argument(s)\n\thave: (number)\n\twant: (string)',
    ],
  );
});

it('--strict reports unused variables, arguments and imports, deprecated builtins, shadowed input', async () => {
  assert.equal((await runs.notStrict).code, 0, (await runs.notStrict).stderr);
  const r = await runs.strict;
  assert.equal(r.code, 2);
  assert.deepEqual(r.stderr.trim().split('\n'), [
    'strict/s.rego:4:1: rego_compile_error: import data.never_used unused',
    'strict/s.rego:7:2: rego_compile_error: assigned var x unused',
    'strict/s.rego:11:1: rego_compile_error: unused argument b. (hint: use _ (wildcard variable) instead)',
    'strict/s.rego:14:2: rego_compile_error: declared var z unused',
    'strict/s.rego:15:2: rego_type_error: deprecated built-in function calls in expression: re_match',
    'strict/s.rego:19:2: rego_compile_error: variables must not shadow input (use a different variable name)',
  ]);
});

it('--format json prints {"errors": [...]} on standard output', async () => {
  const r = await runs.json;
  assert.equal(r.code, 2);
  const out = JSON.parse(r.stdout);
  assert.equal(out.errors.length, 1);
  assert.equal(out.errors[0].code, 'rego_parse_error');
  assert.deepEqual(out.errors[0].location, { file: 'parse/bad.rego', row: 5, col: 1 });
});

it('--help lists the tooling commands; each command explains its flags', async () => {
  const all = await runs.help;
  assert.equal(all.code, 0);
  for (const cmd of ['eval', 'test', 'check', 'build', 'bench']) assert.match(all.stdout, new RegExp(`vengtoo-agent ${cmd} `));
  const check = await runs.checkHelp;
  assert.equal(check.code, 0);
  assert.match(check.stdout, /^Usage: vengtoo-agent check /);
  assert.match(check.stdout, /--strict/);
  assert.match(check.stdout, /--format FORMAT/);
});

// ---- in-process: what the type checker must accept ----

const accepted: [string, string][] = [
  ['unknown types are never rejected', 'p if count(input.x)\nq := upper(data.y)'],
  ['a union allows each member', 'p if count("abc") == 3\nq if count({1}) == 1\nr := concat(",", {"a"})'],
  ['a user function may shadow a builtin name', 'upper(x) := x\np if upper(1) == 1'],
  ['a variable re-declared in a comprehension is another variable', 'p if {\n\tx := 1\n\ty := [upper(x) | some x in ["a"]]\n\ty[0] == "A"\n\tx == 1\n}'],
  ['with may replace the function', 'p if upper(1) with upper as count'],
  ['calls with an output argument', 'p if {\n\tcount([1], n)\n\tn == 1\n}'],
  ['results of builtins that return any', 'p if count(object.get({}, "a", [])) == 0'],
  ['minus on sets', 'p if count({1, 2} - {1}) == 1'],
  ['templates are strings', 'p if upper($"a{1}") == "A1"'],
];
for (const [name, body] of accepted) {
  it(`type check accepts: ${name}`, () => {
    assert.deepEqual(checkSources([{ file: 'p.rego', source: `package p\n\n${body}\n` }], false).map((e) => e.message), []);
  });
}

const rejected: [string, string, string][] = [
  ['a number to a string builtin', 'p if upper(5)', 'upper'],
  ['an operator on a string', 'p if 1 + "a" > 0', 'plus'],
  ['a typed builtin result', 'p if upper(count([1]))', 'upper'],
  ['a variable assigned a literal', 'p if {\n\ts := {"a": 1}\n\tstartswith(s, "a")\n}', 'startswith'],
  ['in a comprehension', 'p := [x | some x in [1]; lower(1) == x]', 'lower'],
  ['in a function', 'f(x) := sprintf(1, [x])', 'sprintf'],
];
for (const [name, body, fn] of rejected) {
  it(`type check rejects: ${name}`, () => {
    const errs = checkSources([{ file: 'p.rego', source: `package p\n\n${body}\n` }], false);
    assert.equal(errs.length, 1, errs.map((e) => e.message).join('\n'));
    assert.equal(errs[0].code, 'rego_type_error');
    assert.ok(errs[0].detail.startsWith(`${fn}: invalid argument(s)`), errs[0].detail);
  });
}

it('strict mode accepts variables used in heads, else branches, nested bodies and with', () => {
  const src = `package p

import data.lib as l
import input.user

f(x) := y if {
	y := x + 1
}

g(a) := 1 if a > 1
else := 2

p contains v if {
	v := [w | some w in l.items]
}

q if {
	n := 1
	every k in [1] { k == n }
	user.name == "a"
}

r if {
	m := {"a": 1}
	data.x.y with input as m
}
`;
  assert.deepEqual(checkSources([{ file: 'p.rego', source: src }], true).map((e) => e.message), []);
});

it('a builtin called with the wrong number of arguments is a type error', () => {
  const errs = checkSources([{ file: 'p.rego', source: 'package p\n\np if count([1], 2, 3)\n' }], false);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].code, 'rego_type_error');
  assert.match(errs[0].message, /^p\.rego:3:6: rego_type_error: count: arity mismatch/);
});
