import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arraysBuiltins } from '../../../src/rego/builtins/arrays.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(arraysBuiltins);

test('array.concat', () => {
  assert.deepEqual(call('array.concat', [1, 2], [3, 4]), [1, 2, 3, 4]);
  assert.deepEqual(call('array.concat', [], [3]), [3]);
  assertBuiltinError(() => call('array.concat', { a: 1 }, [3]), 'operand 1 must be array but got object');
  assertBuiltinError(() => call('array.concat', [1], { a: 1 }), 'operand 2 must be array but got object');
});

test('array.slice clamps like OPA', () => {
  const a = [1, 2, 3, 4, 5];
  assert.deepEqual(call('array.slice', a, 1, 3), [2, 3]);
  assert.deepEqual(call('array.slice', [1, 2, 3], 0, 0), []);
  assert.deepEqual(call('array.slice', a, -4, -1), []);
  assert.deepEqual(call('array.slice', a, 4, 1), []);
  assert.deepEqual(call('array.slice', a, -1, 2), [1, 2]);
  assert.deepEqual(call('array.slice', a, 3, 6), [4, 5]);
  assert.deepEqual(call('array.slice', [], 1000, 2000), []);
  assert.deepEqual(call('array.slice', a, 0, 10n ** 20n), a);
  assertBuiltinError(() => call('array.slice', a, 1.5, 2), 'operand 2 must be integer number but got floating-point number');
  assertBuiltinError(() => call('array.slice', a, 1, 'x'), 'operand 3 must be number but got string');
});

test('array.reverse and array.flatten', () => {
  const a = [1, 2, 3];
  assert.deepEqual(call('array.reverse', a), [3, 2, 1]);
  assert.deepEqual(a, [1, 2, 3]);
  assertBuiltinError(() => call('array.reverse', { bar: 'baz' }), 'operand 1 must be array but got object');
  assert.deepEqual(call('array.flatten', [[1, 2], 'string', [3, { a: 'b' }], 4.5, [6, [7, 8]]]), [
    1,
    2,
    'string',
    3,
    { a: 'b' },
    4.5,
    6,
    [7, 8],
  ]);
  assertBuiltinError(() => call('array.flatten', 42), 'operand 1 must be array but got number');
});
