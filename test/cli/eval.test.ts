// `vengtoo-agent eval`: result sets, bindings, exit codes (--fail, --fail-defined), errors.
// The real CLI runs once per case (concurrently, started in before()); finer points of the query
// rewriting are checked in-process through prepareQuery.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareQuery } from '../../src/cli/eval.js';
import { compile, CompileErrors } from '../../src/rego/index.js';
import { cli, tempDir, type CliResult } from './tooling-helpers.js';

let t: ReturnType<typeof tempDir>;
const runs: Record<string, Promise<CliResult>> = {};

before(() => {
  t = tempDir({
    'policy/authz.rego': `package app.authz

default allow := false

allow if input.user in data.admins

names contains n if some n in data.admins
`,
    'policy/data.json': '{"admins": ["alice", "bob"]}',
    'input.json': '{"user": "alice"}',
    'broken.rego': 'package broken\n\np if {\n\tx := 1\n\tcount(1) > x\n}\n',
    'other.json': '{"policy": {"admins": ["carol"]}}',
  });
  const start = (name: string, args: string[], stdin?: string): void => {
    runs[name] = cli(args, t.dir, stdin);
  };
  start('allow', ['eval', '-d', 'policy', '-i', 'input.json', 'data.app.authz.allow']);
  start('bindings', ['eval', '-i', '-', 'x := [1, 2, 3][_]; x > input.min; y := x * 10'], '{"min": 1}');
  start('failUndefined', ['eval', '--fail', '-d', 'policy', 'data.app.authz.nope']);
  start('failDefined', ['eval', '--fail-defined', '-d', 'policy', '-d', 'other.json', 'data.policy.admins']);
  start('broken', ['eval', '-d', 'broken.rego', 'data.broken.p']);
  start('pretty', ['eval', '--format', 'pretty', '-d', 'policy', 'data.app.authz.names']);
  start('usage', ['eval', '--fail', '--fail-defined', 'true']);
});
after(() => t.cleanup());

it('evaluates a rule with policy, data and input; reports value, text and location', async () => {
  const r = await runs.allow;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    result: [{ expressions: [{ value: true, text: 'data.app.authz.allow', location: { row: 1, col: 1 } }] }],
  });
});

it('reports bindings (input from stdin) and true for non-term expressions', async () => {
  const r = await runs.bindings;
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(
    out.result.map((row: { bindings: unknown }) => row.bindings),
    [{ x: 2, y: 20 }, { x: 3, y: 30 }],
  );
  assert.deepEqual(out.result[0].expressions.map((e: { value: unknown; text: string }) => [e.value, e.text]), [
    [true, 'x := [1, 2, 3][_]'],
    [true, 'x > input.min'],
    [true, 'y := x * 10'],
  ]);
  assert.deepEqual(out.result[0].expressions[1].location, { row: 1, col: 20 });
});

it('--fail exits 1 on an undefined result (printing {}); --fail-defined exits 1 on a defined one', async () => {
  const undef = await runs.failUndefined;
  assert.equal(undef.code, 1);
  assert.deepEqual(JSON.parse(undef.stdout), {});
  const def = await runs.failDefined;
  assert.equal(def.code, 1);
  // -d of a .json file merges it at the data root.
  assert.deepEqual(JSON.parse(def.stdout).result[0].expressions[0].value, ['carol']);
});

it('compile errors exit 2 and carry their location', async () => {
  const r = await runs.broken;
  assert.equal(r.code, 2);
  const err = JSON.parse(r.stdout).errors[0];
  assert.equal(err.code, 'rego_type_error');
  assert.deepEqual(err.location, { file: 'broken.rego', row: 5, col: 2 });
});

it('--format pretty prints a single value as indented JSON', async () => {
  assert.equal((await runs.pretty).stdout, '[\n  "alice",\n  "bob"\n]\n');
});

it('usage errors exit 2', async () => {
  const r = await runs.usage;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--fail and --fail-defined cannot be used together/);
});

// ---- in-process: the query rewriting ----

const empty = compile([]);

it('a lone false expression is defined with value false; several expressions must all be true', () => {
  const one = prepareQuery(empty, '1 == 2').evaluate(undefined);
  assert.equal(one.rows.length, 1);
  assert.equal(one.rows[0].values[0], false);
  assert.equal(prepareQuery(empty, 'false; true').evaluate(undefined).rows.length, 0);
  assert.equal(prepareQuery(empty, 'x := [true, false][_]; x').evaluate(undefined).rows.length, 1);
});

it('calls with an output argument and assignments report true and bind', () => {
  const r = prepareQuery(empty, 'plus(1, 2, x)').evaluate(undefined);
  assert.deepEqual(r.rows, [{ values: [true], bindings: { x: 3 } }]);
});

it('exact big numbers and sets in the JSON output', () => {
  const r = prepareQuery(empty, '123456789012345678901234567890 + 1; {3, 1, 2}').evaluate(undefined);
  const exprs = (r.output.result as { expressions: { value: unknown }[] }[])[0].expressions;
  assert.equal(exprs[0].value, 123456789012345678901234567891n);
  assert.deepEqual(exprs[1].value, [1, 2, 3]);
});

it('type errors in the query are compile errors', () => {
  assert.throws(() => prepareQuery(empty, 'count(1)'), (e: unknown) => e instanceof CompileErrors && e.errors[0].code === 'rego_type_error');
});
