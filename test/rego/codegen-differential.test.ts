// Generated code against the closure planner on the same inputs. A policy compiled for coverage
// is planned with closures only (codegen.ts and node-gen.ts are skipped), so the two compilations
// of one policy must agree on every input: generated inputs over the starter policy, a policy that
// uses the shapes the body generator writes out itself (loops, negation, object literals,
// base-data reads, `with`, comprehensions through the fallback), and one for the node evaluators
// (complete, default, multi-value and else rules, functions and their conflicts).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compile, RegoError } from '../../src/rego/index.js';
import { toJSONText, type Value } from '../../src/rego/value.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return (s >>> 8) % n; // the low bits of this generator repeat with short periods
  };
}

function outcome(f: () => Value | undefined): string {
  try {
    const v = f();
    return v === undefined ? 'undefined' : toJSONText(v);
  } catch (e) {
    if (e instanceof RegoError) return `error ${e.code}`;
    throw e;
  }
}

/** Returns how many evaluations gave a value (not undefined, not an error), so a test can check it saw some. */
function agree(source: string, data: Value, path: string, inputs: Value[]): number {
  const modules = [{ file: 'p.rego', source }];
  const generated = compile(modules, { data }).entrypoint(path);
  const closures = compile(modules, { data, coverage: true }).entrypoint(path);
  assert.ok(generated && closures);
  let defined = 0;
  for (const input of inputs) {
    const got = outcome(() => generated.evaluate(input));
    assert.equal(got, outcome(() => closures.evaluate(input)), `${path} on ${JSON.stringify(input)}`);
    if (got !== 'undefined' && !got.startsWith('error')) defined++;
  }
  return defined;
}

test('starter policy: generated bodies and closures agree on 2,000 generated requests', () => {
  const r = rng(7);
  const pick = <T>(xs: T[]): T => xs[r(xs.length)];
  const inputs: Value[] = [];
  for (let i = 0; i < 2000; i++) {
    const resource: Record<string, Value> = { type: pick(['mcp_tool', 'document', 'db', 'x']), id: pick(['database__query', 'search__web', 'calendar__read_today', 'calendar__write', 'doc-1', '', 'database__']) };
    if (r(3) === 0) resource.properties = { sql: pick(['DROP TABLE users', 'drop  view v', 'select 1', 'DROPTABLE', 7, null]) as Value };
    if (r(10) === 0) resource.properties = pick([[], 'str', {}, { sql: ['DROP TABLE t'] }]) as Value;
    const input: Record<string, Value> = {
      subject: { type: pick(['agent', 'user', 'robot']), id: pick(['ai-assistant', 'report-bot', 'alice', 'bob', 'nobody']) },
      resource,
      action: { name: pick(['invoke', 'read', 'write', '*']) },
    };
    if (r(20) === 0) delete input.action;
    if (r(25) === 0) input.subject = pick([null, 'agent', [], { type: 'agent' }]) as Value;
    inputs.push(input);
  }
  const defined = agree(readFileSync(root + 'examples/policy.rego', 'utf8'), JSON.parse(readFileSync(root + 'examples/data.json', 'utf8')), 'vengtoo/authz/decision', inputs);
  assert.equal(defined, inputs.length); // the decision has a default
});

test('the shapes the generator writes itself: generated bodies and closures agree', () => {
  const source = `package t

limits := {"a": 1, "b": 2}

over contains k if {
	some k, v in input.counts
	v > object.get(limits, k, 0)
}

tags contains t if {
	some item in input.items
	not item.hidden
	t := item.tag
}

first_admin := name if {
	some name, roles in data.users
	"admin" in roles
	not roles[0] == "guest"
}

summary := {"over": count(over), "tags": tags, "n": count(input.items)} if {
	every item in input.items { is_object(item) }
}

shadowed := x if {
	x := tags with input.items as [{"tag": "w"}]
}

doubled := [y | some x in input.counts; y := x * 2]
`;
  const data = { users: { ann: ['guest', 'admin'], bo: ['admin'], cy: ['dev'] } } as Value;
  const r = rng(11);
  const inputs: Value[] = [];
  for (let i = 0; i < 500; i++) {
    const counts: Record<string, Value> = {};
    for (const k of ['a', 'b', 'c']) if (r(2)) counts[k] = r(4) - 1;
    const items: Value[] = [];
    for (let j = r(4); j > 0; j--) items.push(r(6) === 0 ? 'oops' : { tag: ['x', 'y', 'z'][r(3)], ...(r(3) === 0 ? { hidden: r(2) === 0 } : {}) });
    inputs.push({ counts: r(15) === 0 ? [1, 2] : counts, items });
  }
  for (const rule of ['over', 'tags', 'first_admin', 'summary', 'shadowed', 'doubled']) {
    const defined = agree(source, data, `t/${rule}`, inputs);
    assert.ok(defined > 100, `${rule}: only ${defined} of ${inputs.length} inputs gave a value`);
  }
});

test('node evaluators: rules, defaults, else chains, functions and conflicts agree with the generic ones', () => {
  const source = `package t

default level := "none"
level := "high" if input.n > 10
level := "low" if input.n < 0

# Several values: a conflict when two bodies disagree.
pick := x if x := input.a
pick := x if x := input.b

names contains n if some n in input.names
names contains "always"

grade := "a" if input.n > 5 else := "b" if input.n > 0 else := "c"

same(x, x) := true
pair(x, y) := [x, y] if x != y
pair(x, x) := ["same", x]
default pair(_, _) := "default"

f(x) := x + 1 if is_number(x)
f(x) := 0 if { is_number(x); x > 100 }

clash(x) := 1 if x > 0
clash(x) := 2 if x > 1

obj := {"k": {"deep": input.n}}
deep := obj.k.deep
via := v if v := data.t.obj.k.deep

c_same if same(input.a, input.b)
c_pair := pair(input.a, input.b)
c_f := f(input.n)
c_clash := clash(input.n)
replaced := r if r := f(input.n) with f as 7
overridden := x if x := level with data.t.level as "forced"
`;
  const r = rng(23);
  const pick = <T>(xs: T[]): T => xs[r(xs.length)];
  const inputs: Value[] = [];
  for (let i = 0; i < 500; i++) {
    const input: Record<string, Value> = { n: pick([-3, 0, 1, 2, 6, 11, 101, 'x']) as Value, names: pick([[], ['a'], ['b', 'a'], 'z']) as Value };
    if (r(3)) input.a = pick([1, 2, 'q']) as Value;
    if (r(3)) input.b = pick([1, 2, 'q']) as Value;
    inputs.push(input);
  }
  const counts: Record<string, number> = {};
  for (const rule of ['level', 'pick', 'names', 'grade', 'deep', 'via', 'c_same', 'c_pair', 'c_f', 'c_clash', 'replaced', 'overridden']) {
    counts[rule] = agree(source, {}, `t/${rule}`, inputs);
  }
  // Each rule gave values for some inputs; pick, c_f and c_clash also failed for some (conflicts).
  for (const [rule, n] of Object.entries(counts)) assert.ok(n > 50, `${rule}: only ${n} defined`);
  assert.ok(counts.pick < inputs.length && counts.c_f < inputs.length && counts.c_clash < inputs.length, JSON.stringify(counts));
});
