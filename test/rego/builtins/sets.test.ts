import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setsBuiltins } from '../../../src/rego/builtins/sets.js';
import { RSet, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(setsBuiltins);
const s = (...xs: Value[]) => new RSet(xs);
const items = (v: Value | undefined) => (v as RSet).sorted();

test('and / or', () => {
  assert.deepEqual(items(call('and', s(1, 2, 3), s(3, 4, 2))), [2, 3]);
  assert.deepEqual(items(call('or', s(1, 2), s(2, 3))), [1, 2, 3]);
  assert.deepEqual(items(call('or', s(), s())), []);
  assertBuiltinError(() => call('and', [1], s()), 'operand 1 must be set but got array');
  assertBuiltinError(() => call('or', s(), 1), 'operand 2 must be set but got number');
});

test('intersection / union of a set of sets', () => {
  assert.deepEqual(items(call('intersection', s())), []);
  assert.deepEqual(items(call('intersection', s(s(), s(1, 2)))), []);
  assert.deepEqual(items(call('intersection', s(s(1, 2, 3), s(2)))), [2]);
  assert.deepEqual(items(call('intersection', s(s('a', 'b', 'c', 'd'), s('b', 'c', 'd'), s('c', 'd'), s('d')))), ['d']);
  assert.deepEqual(items(call('union', s())), []);
  assert.deepEqual(items(call('union', s(s(1, 2, 3), s(2, 3, 4), s(4, 5, 6)))), [1, 2, 3, 4, 5, 6]);
  assertBuiltinError(() => call('union', [1]), 'operand 1 must be set but got array');
  assertBuiltinError(() => call('intersection', s(1)), 'operand 1 must be set of sets but got set containing number');
});
