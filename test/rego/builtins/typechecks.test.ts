import { test } from 'node:test';
import assert from 'node:assert/strict';
import { typechecksBuiltins } from '../../../src/rego/builtins/typechecks.js';
import { makeObject, RSet } from '../../../src/rego/value.js';
import { finder } from './helpers.js';

const call = finder(typechecksBuiltins);

test('type predicates are false for other types', () => {
  assert.equal(call('is_number', -42.0), true);
  assert.equal(call('is_number', 2n ** 80n), true);
  assert.equal(call('is_number', false), false);
  assert.equal(call('is_string', 'OPA'), true);
  assert.equal(call('is_string', null), false);
  assert.equal(call('is_boolean', false), true);
  assert.equal(call('is_boolean', 'Hello'), false);
  assert.equal(call('is_array', [1]), true);
  assert.equal(call('is_array', new RSet([1])), false);
  assert.equal(call('is_set', new RSet()), true);
  assert.equal(call('is_set', [1]), false);
  assert.equal(call('is_object', makeObject([[1, 2]])), true);
  assert.equal(call('is_object', 'foo'), false);
  assert.equal(call('is_null', null), true);
  assert.equal(call('is_null', true), false);
});

test('type_name', () => {
  assert.equal(call('type_name', null), 'null');
  assert.equal(call('type_name', true), 'boolean');
  assert.equal(call('type_name', 100), 'number');
  assert.equal(call('type_name', 'Hello'), 'string');
  assert.equal(call('type_name', [1]), 'array');
  assert.equal(call('type_name', new RSet([1])), 'set');
  assert.equal(call('type_name', { foo: 1 }), 'object');
});
