import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeObject, RSet, type Value } from '../../src/rego/value.js';
import { actualSolutions, expectedSolutions, goJSONText, opaJSON, sameResultSet } from './compare.js';

test('opaJSON: sets become sorted arrays, non-string keys become Go JSON text', () => {
  assert.deepEqual(opaJSON(new RSet([3, 1, 2])), [1, 2, 3]);
  const o = opaJSON(makeObject([[1, 'a'], [[1], 2], [new RSet(['b', 'a']), 3], [{ '<': 1 }, 4]]));
  assert.deepEqual({ ...(o as object) }, { '1': 'a', '[1]': 2, '["a","b"]': 3, '{"\\u003c":1}': 4 });
});

test('goJSONText sorts keys and is compact', () => {
  assert.equal(goJSONText({ b: 1, a: [true, null, 'x&y'] }), '{"a":[true,null,"x\\u0026y"],"b":1}');
  assert.equal(goJSONText(2n ** 64n), '18446744073709551616');
});

test('result sets: order and duplicates do not matter, numbers compare by value', () => {
  const want = expectedSolutions([{ x: 1 }, { x: 18446744073709551614n }]);
  const rows: Record<string, Value>[] = [{ x: 18446744073709551614n }, { x: 1.0 }, { x: 1 }];
  assert.ok(sameResultSet(want, actualSolutions(rows)));
  assert.ok(!sameResultSet(want, actualSolutions([{ x: 1 }])));
  assert.ok(sameResultSet(expectedSolutions([]), actualSolutions([])));
  assert.ok(!sameResultSet(expectedSolutions([]), actualSolutions([{ x: false }])));
});

test('arrays are order-sensitive unless sort_bindings', () => {
  const want = expectedSolutions([{ x: [1, 'a', [2]] }]);
  const rows: Record<string, Value>[] = [{ x: [[2], 'a', 1] }];
  assert.ok(!sameResultSet(want, actualSolutions(rows)));
  assert.ok(sameResultSet(want, actualSolutions(rows, { sortBindings: true })));
  // A set binding is a sorted array even without sort_bindings.
  assert.ok(sameResultSet(expectedSolutions([{ x: [1, 2] }]), actualSolutions([{ x: new RSet([2, 1]) }])));
  assert.throws(() => actualSolutions([{ x: 1 }], { sortBindings: true }), /not an array/);
});

test('generated variables are dropped unless expected', () => {
  const rows: Record<string, Value>[] = [{ x: 1, __localq0__: 2, $t: 3 }];
  assert.ok(sameResultSet(expectedSolutions([{ x: 1 }]), actualSolutions(rows)));
  const want = expectedSolutions([{ x: 1, __localq0__: 2 }]);
  assert.ok(sameResultSet(want, actualSolutions(rows, { expectedVars: new Set(['x', '__localq0__']) })));
});

test('expected objects compare with plain and rich actual objects', () => {
  const want = expectedSolutions([{ x: { '1': 'a', b: { c: [1] } } }]);
  const rows: Record<string, Value>[] = [{ x: makeObject([[1, 'a'], ['b', { c: new RSet([1]) }]]) }];
  assert.ok(sameResultSet(want, actualSolutions(rows)));
});
