// Ref-head rules with variable keys (p[q].r := v) next to other rules of the same document:
// key paths build objects that merge, but a value produced by a rule is opaque (OPA).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile, RegoError } from '../../src/rego/index.js';
import { toJSON, type Value } from '../../src/rego/value.js';

function query(source: string, q: string, data?: Value): unknown {
  const p = compile([{ file: 'p.rego', source }], { data });
  return JSON.parse(JSON.stringify(p.query(q, {}).map((r) => toJSON(r as unknown as Value))));
}

const isConflict = (e: unknown): boolean => e instanceof RegoError && e.code === 'eval_conflict_error';

describe('ref-head rules and the rules below them', () => {
  it('rejects a rule writing a new key inside another rule value', () => {
    const src = 'package t\np[q].r := v if {\n\tq := "q"\n\tv := {"s": {"t": 1}}\n}\np.q.r.s.u := 42\n';
    assert.throws(() => query(src, 'data.t.p = x'), isConflict);
  });

  it('rejects a nested ref-head rule writing inside another rule value', () => {
    const src = 'package t\np[q].r := {"s": 1} if q := "a"\np.a.r[k] := 2 if k := "z"\n';
    assert.throws(() => query(src, 'data.t.p = x'), isConflict);
  });

  it('merges the objects that key paths build', () => {
    const src = 'package t\np[q].r := 1 if q := "a"\np.a.s := 0\np.b.c contains 1 if false\n';
    assert.deepEqual(query(src, 'data.t.p = x'), [{ x: { a: { r: 1, s: 0 } } }]);
  });

  it('adds the elements of multi-value rules to one set', () => {
    const src = 'package t\np[q].r contains "x" if q := "a"\np.a.r contains "y"\n';
    assert.deepEqual(query(src, 'data.t.p = x'), [{ x: { a: { r: ['x', 'y'] } } }]);
  });

  it('accepts a rule value equal to what deeper rules built', () => {
    const src = 'package t\np[q].r.s := 1 if q := "a"\np[q].r := {"s": 1} if q := "a"\n';
    assert.deepEqual(query(src, 'data.t.p = x'), [{ x: { a: { r: { s: 1 } } } }]);
  });

  it('still merges base data around ref-head rules', () => {
    const src = 'package t\np[q].r := 1 if q := "a"\n';
    assert.deepEqual(query(src, 'data.t = x', { t: { p: { a: { x: 1 } }, z: 2 } }), [
      { x: { p: { a: { r: 1, x: 1 } }, z: 2 } },
    ]);
  });
});
