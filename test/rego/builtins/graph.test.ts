import { test } from 'node:test';
import assert from 'node:assert/strict';
import { graphBuiltins } from '../../../src/rego/builtins/graph.js';
import { RSet, toJSON, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(graphBuiltins);
const s = (...xs: Value[]) => new RSet(xs);
const json = (v: Value | undefined) => JSON.parse(JSON.stringify(toJSON(v as Value)));

test('walk yields [path, value] in pre-order', () => {
  assert.deepEqual(call('walk', 1), [[[], 1]]);
  assert.deepEqual(call('walk', [1, 2]), [
    [[], [1, 2]],
    [[0], 1],
    [[1], 2],
  ]);
  assert.deepEqual(json(call('walk', { v2: 'goodbye', v1: 'hello' })), [
    [[], { v1: 'hello', v2: 'goodbye' }],
    [['v1'], 'hello'],
    [['v2'], 'goodbye'],
  ]);
  assert.deepEqual(json(call('walk', s(s(1, 2, 3)))), [
    [[], [[1, 2, 3]]],
    [[[1, 2, 3]], [1, 2, 3]],
    [[[1, 2, 3], 1], 1],
    [[[1, 2, 3], 2], 2],
    [[[1, 2, 3], 3], 3],
  ]);
});

test('graph.reachable', () => {
  assert.deepEqual(json(call('graph.reachable', {}, s('a'))), []);
  assert.deepEqual(json(call('graph.reachable', { a: s('b'), b: s('c'), c: s('a') }, s('a'))), ['a', 'b', 'c']);
  const g = { a: s('b', 'c'), b: s('d'), c: s('d'), d: s(), e: s('f'), f: s('e'), x: s('x') };
  assert.deepEqual(json(call('graph.reachable', g, s('b', 'e'))), ['b', 'd', 'e', 'f']);
  assert.deepEqual(json(call('graph.reachable', { a: ['b'], b: ['c'], c: ['a'] }, ['a'])), ['a', 'b', 'c']);
  assert.deepEqual(json(call('graph.reachable', { a: null }, ['a'])), ['a']);
  assertBuiltinError(() => call('graph.reachable', 1, [1]), 'operand 1 must be object but got number');
  assertBuiltinError(() => call('graph.reachable', { a: [] }, 'a'), 'operand 2 must be {array, set} but got string');
});

test('graph.reachable_paths', () => {
  assert.deepEqual(json(call('graph.reachable_paths', {}, s('a'))), []);
  assert.deepEqual(json(call('graph.reachable_paths', { a: s('b'), b: s('c'), c: s('a') }, s('a'))), [['a', 'b', 'c']]);
  const g = { a: s('b', 'c'), b: s('d'), c: s('d'), d: s(), e: s('f'), f: s('e'), x: s('x') };
  assert.deepEqual(json(call('graph.reachable_paths', g, s('b', 'e'))), [
    ['b', 'd'],
    ['e', 'f'],
  ]);
  assert.deepEqual(json(call('graph.reachable_paths', { a: null }, ['a'])), [['a']]);
  assert.deepEqual(json(call('graph.reachable_paths', { a: ['b', 'c'], b: ['c'], c: [] }, s('a'))), [
    ['a', 'b', 'c'],
    ['a', 'c'],
  ]);
  assert.deepEqual(json(call('graph.reachable_paths', { a: ['b'], b: ['nonexistent'] }, s('a', 'b'))), [
    ['a', 'b'],
    ['b'],
  ]);
  const g3 = {
    one: ['two', 'five'],
    two: ['four'],
    three: [''],
    four: ['three'],
    five: ['seven', 'six'],
    six: ['nine', 'seven'],
    seven: ['eight'],
    eight: ['three'],
    nine: [''],
  };
  assert.deepEqual(json(call('graph.reachable_paths', g3, s('one'))), [
    ['one', 'five', 'seven', 'eight', 'three'],
    ['one', 'five', 'six'],
    ['one', 'five', 'six', 'nine'],
    ['one', 'two', 'four', 'three'],
  ]);
  assertBuiltinError(() => call('graph.reachable_paths', 1, [1]), 'operand 1 must be object but got number');
});
