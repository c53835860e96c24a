import { test } from 'node:test';
import assert from 'node:assert/strict';
import { objectsBuiltins } from '../../../src/rego/builtins/objects.js';
import { equal, makeObject, RSet, toJSONText, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(objectsBuiltins);
const obj = (...entries: [Value, Value][]) => makeObject(entries);
const assertValue = (got: Value | undefined, want: Value) =>
  assert.ok(got !== undefined && equal(got, want), `got ${got === undefined ? 'undefined' : toJSONText(got)}`);

test('object.get with keys, paths and defaults', () => {
  assert.equal(call('object.get', { a: 'b' }, 'a', 'c'), 'b');
  assert.equal(call('object.get', { a: 'b' }, 'c', 'c'), 'c');
  assert.equal(call('object.get', { a: null }, 'a', 'c'), null);
  assert.equal(call('object.get', obj([1, 2]), 1, 3), 2);
  assert.equal(call('object.get', obj([1, 2]), 2, 3), 3);
  assert.deepEqual(call('object.get', { a: 1 }, [], 2), { a: 1 });
  assert.equal(call('object.get', { a: { b: { c: 1 } } }, ['a', 'b', 'c'], 2), 1);
  assert.equal(call('object.get', { a: { b: { c: 1 } } }, ['a', 'b', 'a'], 2), 2);
  assert.equal(call('object.get', obj([1, { b: obj([[1, 2, 3], 1]) }]), [1, 'b', [1, 2, 3]], 2), 1);
  assert.equal(call('object.get', { a: { b: [1, 2, 3] } }, ['a', 'b', 'a'], 2), 2);
  assert.equal(call('object.get', { a: { b: [{ c: 1 }] } }, ['a', 'b', 0, 'c'], 2), 1);
  assert.equal(call('object.get', { a: new RSet(['x']) }, ['a', 'x'], 2), 'x');
  assertBuiltinError(() => call('object.get', 'object', ['a'], 2), 'operand 1 must be object but got string');
});

test('object.keys', () => {
  assert.deepEqual((call('object.keys', { b: 2, a: 1 }) as RSet).sorted(), ['a', 'b']);
  assert.deepEqual((call('object.keys', obj([[1], 1], [['b'], 2])) as RSet).sorted(), [[1], ['b']]);
  assertBuiltinError(() => call('object.keys', 'object'), 'operand 1 must be object but got string');
});

test('object.remove and object.filter', () => {
  const o = { a: 1, b: { c: 3 }, d: 4 };
  assertValue(call('object.remove', o, new RSet(['b', 'd'])), { a: 1 });
  assertValue(call('object.remove', o, ['d', 'b']), { a: 1 });
  assertValue(call('object.remove', o, { b: 1, d: '' }), { a: 1 });
  assertValue(call('object.remove', o, new RSet(['z'])), o);
  assertValue(call('object.remove', obj(['a', 1], [[[7]], 2]), new RSet([[[7]]])), { a: 1 });
  assert.deepEqual(o, { a: 1, b: { c: 3 }, d: 4 });
  assertValue(call('object.filter', { a: 1, b: 2, c: 3, e: 9 }, new RSet(['a', 'e'])), { a: 1, e: 9 });
  assertValue(call('object.filter', { a: 1 }, []), {});
  assertValue(call('object.filter', obj(['a', 1], [[[7]], 2]), new RSet([[[7]]])), obj([[[7]], 2]));
  assertBuiltinError(() => call('object.remove', ['a'], new RSet(['a'])), 'operand 1 must be object but got array');
  assertBuiltinError(
    () => call('object.remove', { a: 1 }, 'foo'),
    'operand 2 must be one of {object, set, array} but got string',
  );
  assertBuiltinError(
    () => call('object.filter', { a: 1 }, null),
    'operand 2 must be one of {object, set, array} but got null',
  );
});

test('object.union and object.union_n', () => {
  assertValue(call('object.union', {}, { a: 1 }), { a: 1 });
  assertValue(call('object.union', { a: 1 }, { a: 2 }), { a: 2 });
  assertValue(call('object.union', { a: 1 }, { a: { b: { c: 1 } }, d: 7 }), { a: { b: { c: 1 } }, d: 7 });
  assertValue(
    call('object.union', { a: { b: { c: 1 } }, e: 1 }, { a: { b: 'foo', b1: 'bar' }, d: 7, e: 17 }),
    { a: { b: 'foo', b1: 'bar' }, d: 7, e: 17 },
  );
  assertBuiltinError(() => call('object.union', [1], {}), 'operand 1 must be object but got array');
  assertBuiltinError(() => call('object.union', {}, [1]), 'operand 2 must be object but got array');
  assertValue(call('object.union_n', [{}]), {});
  assertValue(call('object.union_n', [{ a: 1, b: 2 }, { a: 'a', d: 4 }, { a: 'final' }]), { a: 'final', b: 2, d: 4 });
  assertBuiltinError(
    () => call('object.union_n', [{ foo: 1 }, 'baz']),
    'operand 1 must be array of objects but got array containing string',
  );
});

test('object.subset', () => {
  const A = { a: 5, b: 7, nested: { x: 10, set1: new RSet([1, 2, 3, 4]), arr1: [6, 7, 8, 9] } };
  const B = { a: 5, nested: { x: 10, set1: new RSet([4, 1]), arr1: [6, 7] } };
  assert.equal(call('object.subset', A, B), true);
  assert.equal(call('object.subset', B, A), false);
  assert.equal(call('object.subset', new RSet([1, 2, 3]), new RSet([3, 2])), true);
  assert.equal(call('object.subset', [1, 2, 3, 4, 5, 6], [3, 4, 5]), true);
  assert.equal(call('object.subset', [1, 2, 3, 4, 5, 6], [4, 5, 6, 8]), false);
  assert.equal(call('object.subset', [1, 2, 3, 4, 5, 6], new RSet([4, 3, 2])), true);
  assert.equal(call('object.subset', [1, 2, 3], new RSet([9])), false);
  assertBuiltinError(
    () => call('object.subset', new RSet([1]), [1]),
    'both arguments object.subset must be of the same type or array and set',
  );
});
