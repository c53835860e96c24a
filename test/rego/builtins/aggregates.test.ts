import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregatesBuiltins } from '../../../src/rego/builtins/aggregates.js';
import { makeObject, RSet } from '../../../src/rego/value.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(aggregatesBuiltins);

test('count', () => {
  assert.equal(call('count', [1, 2, 3, 4]), 4);
  assert.equal(call('count', { v1: 'hello', v2: 'goodbye' }), 2);
  assert.equal(call('count', makeObject([[1, 'a']])), 1);
  assert.equal(call('count', new RSet([1, 2, 2])), 2);
  assert.equal(call('count', 'åäö'), 3);
  assert.equal(call('count', '😀a'), 2);
  assertBuiltinError(() => call('count', null), 'operand 1 must be one of {array, object, set, string} but got null');
  assertBuiltinError(() => call('count', 5), 'operand 1 must be one of {array, object, set, string} but got number');
});

test('sum and product', () => {
  assert.equal(call('sum', [1, 2, 3, 4]), 10);
  assert.equal(call('sum', new RSet([1, 2, 3, 4])), 10);
  assert.equal(call('sum', [49649733057, 1]), 49649733058);
  assert.equal(call('sum', []), 0);
  assert.equal(call('sum', [0.5, 0.25]), 0.75);
  assert.equal(call('product', [1, 2, 3, 4]), 24);
  assert.equal(call('product', [4294967296, 4294967296]), 18446744073709551616n);
  assert.equal(call('product', []), 1);
  assertBuiltinError(() => call('sum', [1, 'a']), 'operand 1 must be array of numbers but got array containing string');
  assertBuiltinError(() => call('product', new RSet(['a'])), 'operand 1 must be set of numbers but got set containing string');
  assertBuiltinError(() => call('sum', 'abc'), 'operand 1 must be one of {set, array} but got string');
});

test('max, min, sort', () => {
  assert.equal(call('max', [1, 2, 3, 4]), 4);
  assert.equal(call('min', [3, 2, 1, 4, 6, -7, 10]), -7);
  assert.deepEqual(call('max', new RSet([1, 'a', [1]])), [1]);
  assert.equal(call('max', []), undefined);
  assert.equal(call('min', new RSet()), undefined);
  assert.deepEqual(call('sort', [4, 3, 2, 1]), [1, 2, 3, 4]);
  assert.deepEqual(call('sort', new RSet([3, 1, 2])), [1, 2, 3]);
  assert.deepEqual(call('sort', ['b', null, 1, true]), [null, true, 1, 'b']);
  assertBuiltinError(() => call('sort', {}), 'operand 1 must be one of {set, array} but got object');
});

test('sort does not mutate its operand', () => {
  const a = [3, 1, 2];
  call('sort', a);
  assert.deepEqual(a, [3, 1, 2]);
});

test('membership for in', () => {
  assert.equal(call('internal.member_2', 1, new RSet([1])), true);
  assert.equal(call('internal.member_2', 1, [1]), true);
  assert.equal(call('internal.member_2', 1, { foo: 1 }), true);
  assert.equal(call('internal.member_2', 1, [2]), false);
  assert.equal(call('internal.member_2', { foo: { baz: 2000 } }, [{ foo: { baz: 2000 } }]), true);
  assert.equal(call('internal.member_2', 1, 'foo'), false);
  assert.equal(call('internal.member_2', 'foo', 1), false);
  assert.equal(call('internal.member_3', 'foo', 1, { foo: 1 }), true);
  assert.equal(call('internal.member_3', 'foo', 2, { foo: 1 }), false);
  assert.equal(call('internal.member_3', 1, 'two', ['one', 'two', 'three']), true);
  assert.equal(call('internal.member_3', 3, 'two', ['one', 'two', 'three']), false);
  assert.equal(call('internal.member_3', -1, 'two', ['one', 'two']), false);
  assert.equal(call('internal.member_3', 1, 'foo', 1), false);
  assert.equal(call('internal.member_3', 1, 1, new RSet([1])), false);
  assert.equal(call('internal.member_3', [1], 'x', makeObject([[[1], 'x']])), true);
});
