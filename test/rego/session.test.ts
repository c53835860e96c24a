// Policy.session: evaluations whose inputs differ under one top-level key share the rules that do
// not read it. Which rules are shared must follow what they read (directly, through imports,
// rules and functions), and a session must answer exactly as fresh evaluations do.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '../../src/rego/index.js';
import type { PlainObject, Value } from '../../src/rego/value.js';
import { ROOT } from '../agent/helpers.js';

const SHAPES = `package t

import input.resource as res
import input.subject

# read only the subject: shared when resources vary
roles := data.roles[input.subject.id]
name := subject.name
groups contains g if {
	some g, members in data.groups
	input.subject.id in members
}
via_rule := count(groups) + count(roles)
first_role := r if {
	print("computing first_role")
	r := roles[0]
}

# read the resource, or anything: never shared when resources vary
rtype := res.type
whole := count(input)
dynamic := input[k] if some k in {"subject"}
via_function := f(1)
f(x) := x + count(res.tags)
via_with := n if n := count(roles) with input.subject.id as "bob"
clock := time.now_ns()
mixed := concat("/", [name, rtype])
via_package := count(data.t.clockless)
clockless := {"n": name, "r": rtype}

result := {
	"roles": roles, "name": name, "groups": groups, "via_rule": via_rule, "first_role": first_role,
	"rtype": rtype, "whole": whole, "dynamic": dynamic, "via_function": via_function,
	"via_with": via_with, "mixed": mixed, "via_package": via_package,
	"clock_is_number": is_number(clock),
}
`;

const DATA = {
  roles: { alice: ['admin', 'reader'], bob: ['reader'] },
  groups: { eng: ['alice', 'carol'], ops: ['bob'] },
} as unknown as PlainObject;

const name = (s: string) => 'data.t.' + s;

describe('Policy.session', () => {
  it('shares exactly the rules that cannot read the varying key', () => {
    const p = compile([{ file: 't.rego', source: SHAPES }], { data: DATA as Value });
    assert.deepEqual([...p.session('resource').shared].sort(), ['first_role', 'groups', 'name', 'roles', 'via_rule'].map(name).sort());
    // Varying the subject instead: only rules that read neither it nor everything.
    assert.deepEqual([...p.session('subject').shared].sort(), ['rtype', 'via_function'].map(name).sort());
    assert.deepEqual([...p.session('action').shared].sort(), ['clockless', 'first_role', 'groups', 'mixed', 'name', 'roles', 'rtype', 'via_function', 'via_package', 'via_rule'].map(name).sort());
  });

  it('answers as fresh evaluations do, over 400 inputs that vary the resource', () => {
    const prints: string[] = [];
    const p = compile([{ file: 't.rego', source: SHAPES }], { data: DATA as Value, host: { print: (t) => void prints.push(t) } });
    const fresh = p.entrypoint('t/result')!;
    for (const subjectId of ['alice', 'bob', 'carol', 'nobody']) {
      const s = p.session('resource').entrypoint('t/result')!;
      const subj = { type: 'user', id: subjectId, name: subjectId.toUpperCase() };
      prints.length = 0;
      for (let i = 0; i < 100; i++) {
        const input = { subject: subj, action: { name: 'read' }, resource: { type: ['doc', 'tool'][i % 2], id: `r${i}`, tags: Array.from({ length: i % 4 }, (_, j) => j) } } as unknown as Value;
        assert.deepEqual(s.evaluate(input), fresh.evaluate(input), `${subjectId}, resource ${i}`);
      }
      // first_role is computed once per session (then 100 times by the fresh evaluations);
      // for a subject without roles it is undefined, and its print never runs.
      const once = subjectId === 'alice' || subjectId === 'bob' ? 1 : 0;
      assert.equal(prints.length, once + 100 * once, subjectId);
    }
  });

  it('an evaluation that fails keeps nothing: the next one computes again', () => {
    const p = compile([{ file: 't.rego', source: 'package t\n\nd := 1 / input.subject.n\n\nr := [d, input.resource.id]\n' }], { strictBuiltinErrors: true });
    const s = p.session('resource').entrypoint('t/r')!;
    assert.deepEqual(p.session('resource').shared, ['data.t.d']);
    assert.throws(() => s.evaluate({ subject: { n: 0 }, resource: { id: 'a' } } as unknown as Value), /divide by zero/);
    // (A caller would not change the subject within a session; this shows nothing was kept.)
    assert.deepEqual(s.evaluate({ subject: { n: 2 }, resource: { id: 'b' } } as unknown as Value), [0.5, 'b']);
  });

  it('the starter policy shares the principal lookup when resources vary', () => {
    const source = readFileSync(join(ROOT, 'examples', 'policy.rego'), 'utf8');
    const data = JSON.parse(readFileSync(join(ROOT, 'examples', 'data.json'), 'utf8')) as Value;
    const p = compile([{ file: 'policy.rego', source }], { data });
    assert.deepEqual(p.session('resource').shared, ['data.vengtoo.authz.principal']);
    assert.deepEqual(p.session('subject').shared, ['data.vengtoo.authz.statements']);
  });
});
