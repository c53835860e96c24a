import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparisonBuiltins } from '../../../src/rego/builtins/comparison.js';
import { RSet } from '../../../src/rego/value.js';
import { finder } from './helpers.js';

const call = finder(comparisonBuiltins);

test('equal and neq compare by value, numbers numerically', () => {
  assert.equal(call('equal', 1, 1.0), true);
  assert.equal(call('equal', 2n ** 70n, 2n ** 70n), true);
  assert.equal(call('equal', new RSet([1, 2]), new RSet([2, 1])), true);
  assert.equal(call('equal', [1], [1, 2]), false);
  assert.equal(call('neq', 28857836529306024611913n, 28857836529306024611912n), true);
  assert.equal(call('neq', 'a', 'a'), false);
});

test('ordering follows the OPA total order across types', () => {
  assert.equal(call('lt', null, false), true);
  assert.equal(call('lt', true, 0), true);
  assert.equal(call('lt', 1e10, 'a'), true);
  assert.equal(call('lt', 'z', []), true);
  assert.equal(call('lt', [], {}), true);
  assert.equal(call('lt', {}, new RSet()), true);
  assert.equal(call('lte', 1, 1), true);
  assert.equal(call('gt', 2, 1.5), true);
  assert.equal(call('gte', 'b', 'a'), true);
  assert.equal(call('gt', [1, 2], [1, 2, 3]), false);
});
