// The policy contract, in process (no HTTP): boolean/object results, fallback, errors.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackPath, interpret, makeDecider } from '../../src/agent/decider.js';
import { compile } from '../../src/rego/index.js';
import { RSet } from '../../src/rego/value.js';
import type { EvaluationInput } from '../../src/server/types.js';

const input = (id: string) => ({ subject: { type: 'u', id }, resource: { type: 'r', id: 'x' }, action: { name: 'a' } }) as EvaluationInput;

it('fallbackPath is the sibling allow rule', () => {
  assert.equal(fallbackPath('vengtoo/authz/decision'), 'vengtoo/authz/allow');
  assert.equal(fallbackPath('decision'), 'allow');
});

it('interprets objects: allowed/decision, reason, access_path, extras as JSON', () => {
  assert.deepEqual(interpret({ allowed: true, reason: 'r', access_path: 'p' }), { allowed: true, reason: 'r', accessPath: 'p', extra: '' });
  assert.deepEqual(interpret({ decision: true }), { allowed: true, extra: '' });
  assert.deepEqual(interpret({ allowed: 'yes' }), { allowed: false, extra: '' }, 'only true allows');
  assert.deepEqual(interpret({ reason: 'r' }), { allowed: false, reason: 'r', extra: '' });
  assert.deepEqual(interpret({ allowed: true, reason: 7, tags: new RSet(['b', 'a']) }), { allowed: true, extra: '"reason":7,"tags":["a","b"]' });
  assert.equal(interpret('yes').allowed, false);
  assert.equal(interpret([true]).reason, 'invalid policy decision');
});

it('decides with the decision rule, then allow, then "no policy decision"; errors deny', () => {
  const policy = compile(
    [
      {
        file: 'p.rego',
        source: `package vengtoo.authz
decision := {"allowed": true, "reason": "a"} if input.subject.id == "a"
decision := 1 if input.subject.id == "err"
decision := 2 if input.subject.id == "err"
allow if input.subject.id == "b"
`,
      },
    ],
    {},
  );
  const { decide, hasDecision, hasAllow } = makeDecider(policy, 'vengtoo/authz/decision');
  assert.ok(hasDecision && hasAllow);
  assert.deepEqual(decide(input('a')), { allowed: true, reason: 'a', extra: '' });
  assert.deepEqual(decide(input('b')), { allowed: true, extra: '' });
  assert.deepEqual(decide(input('c')), { allowed: false, reason: 'no policy decision', extra: '' });
  const e = decide(input('err'));
  assert.equal(e.allowed, false);
  assert.equal(e.reason, 'policy evaluation error');
  assert.match(String(e.error), /eval_conflict_error/);
});

it('a policy without either rule denies everything', () => {
  const policy = compile([{ file: 'p.rego', source: 'package other\nx := 1\n' }], {});
  const { decide, hasDecision, hasAllow } = makeDecider(policy, 'vengtoo/authz/decision');
  assert.equal(hasDecision || hasAllow, false);
  assert.equal(decide(input('a')).reason, 'no policy decision');
});

it('constant decision objects: each keeps its own answer when many alternate (recent ones are remembered)', () => {
  // Six distinct constant decisions, more than are remembered, visited in an order that keeps
  // evicting: every answer must still be the one of its own object.
  const rules = Array.from({ length: 6 }, (_, i) => `decision := {"allowed": ${i % 2 === 0}, "reason": "r${i}"} if input.subject.id == "u${i}"`);
  const policy = compile([{ file: 'p.rego', source: `package vengtoo.authz\n${rules.join('\n')}\n` }], {});
  const { decide } = makeDecider(policy, 'vengtoo/authz/decision');
  for (const i of [0, 1, 0, 2, 3, 4, 5, 0, 5, 1, 4, 2, 3, 3, 0]) {
    const d = decide(input(`u${i}`));
    assert.deepEqual({ allowed: d.allowed, reason: d.reason }, { allowed: i % 2 === 0, reason: `r${i}` }, `u${i}`);
  }
});
