import { test } from 'node:test';
import assert from 'node:assert/strict';
import { semverBuiltins } from '../../../src/rego/builtins/semver.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(semverBuiltins);

test('semver', () => {
  assert.equal(call('semver.is_valid', '1.0.0'), true);
  assert.equal(call('semver.is_valid', 'v1.2.3-rc.1+build.5'), true);
  assert.equal(call('semver.is_valid', '1'), false);
  assert.equal(call('semver.is_valid', '1.0.0-'), true); // an empty pre-release is no pre-release
  assert.equal(call('semver.is_valid', '1.0.0-a..b'), false);
  assert.equal(call('semver.is_valid', 1), false);
  assert.equal(call('semver.compare', '1.0.0', '2.0.0'), -1);
  assert.equal(call('semver.compare', '2.0.0', '1.0.0'), 1);
  assert.equal(call('semver.compare', '1.0.0', '1.0.0+build'), 0);
  assert.equal(call('semver.compare', '1.0.0-alpha', '1.0.0'), -1);
  assert.equal(call('semver.compare', '1.0.0-alpha.1', '1.0.0-alpha'), 1);
  assert.equal(call('semver.compare', '1.0.0-alpha.2', '1.0.0-alpha.10'), -1);
  assert.equal(call('semver.compare', '1.0.0-alpha.beta', '1.0.0-alpha.1'), 1);
  assert.equal(call('semver.compare', '1.0.0-rc.1', '1.0.0-beta.11'), 1);
  assertBuiltinError(() => call('semver.compare', '1', '1.0.0'), 'operand 1: string "1" is not a valid SemVer', 'eval_builtin_error');
  assertBuiltinError(() => call('semver.compare', '1.0.0', '1'), 'operand 2: string "1" is not a valid SemVer', 'eval_builtin_error');
  assertBuiltinError(() => call('semver.compare', 1, '1'), 'operand 1 must be string but got number');
});
