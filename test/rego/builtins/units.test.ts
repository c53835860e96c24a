import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unitsBuiltins } from '../../../src/rego/builtins/units.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(unitsBuiltins);

test('units.parse: SI and binary suffixes, exact arithmetic', () => {
  assert.equal(call('units.parse', '100K'), 100000);
  assert.equal(call('units.parse', '100k'), 100000);
  assert.equal(call('units.parse', '100Ki'), 102400);
  assert.equal(call('units.parse', '10KI'), 10240);
  assert.equal(call('units.parse', '100M'), 100000000);
  assert.equal(call('units.parse', '100mi'), 104857600);
  assert.equal(call('units.parse', '500m'), 0.5);
  assert.equal(call('units.parse', '0.0005K'), 0.5);
  assert.equal(call('units.parse', '0.0000005M'), 0.5);
  assert.equal(call('units.parse', '1.1Ki'), 1126.4);
  assert.equal(call('units.parse', '.5K'), 500);
  assert.equal(call('units.parse', '10E'), 10000000000000000000n);
  assert.equal(call('units.parse', '10Ei'), 11529215046068469760n);
  assert.equal(call('units.parse', '"100TI"'), 109951162777600);
  assert.equal(call('units.parse', '-3.5E2m'), -0.35);
  assert.equal(call('units.parse', '1e-2'), 0.01);
  assert.equal(call('units.parse', '4E2G'), 400000000000);
  assert.equal(call('units.parse', '0.0'), 0);
  assertBuiltinError(() => call('units.parse', ''), 'no amount provided', 'eval_builtin_error');
  assertBuiltinError(() => call('units.parse', 'G'), 'no amount provided', 'eval_builtin_error');
  assertBuiltinError(() => call('units.parse', '0.0.0'), 'could not parse amount to a number', 'eval_builtin_error');
  assertBuiltinError(() => call('units.parse', '100 k'), 'spaces not allowed in resource strings', 'eval_builtin_error');
  assertBuiltinError(() => call('units.parse', '5Q'), 'unit Q not recognized', 'eval_builtin_error');
  assertBuiltinError(() => call('units.parse', '1e1234567'), 'exponent too large', 'eval_builtin_error');
  assertBuiltinError(() => call('units.parse', 5), 'operand 1 must be string but got number');
});

test('units.parse_bytes: 64-bit float arithmetic, truncated', () => {
  assert.equal(call('units.parse_bytes', '10KB'), 10000);
  assert.equal(call('units.parse_bytes', '10Kib'), 10240);
  assert.equal(call('units.parse_bytes', '1.1KiB'), 1126);
  assert.equal(call('units.parse_bytes', '1.1KB'), 1100);
  assert.equal(call('units.parse_bytes', '.5KB'), 500);
  assert.equal(call('units.parse_bytes', '100m'), 100000000); // m is mega here
  assert.equal(call('units.parse_bytes', '1e3KB'), 1000000);
  assert.equal(call('units.parse_bytes', '1e-2KB'), 10);
  assert.equal(call('units.parse_bytes', '3.2E2MiB'), 335544320);
  assert.equal(call('units.parse_bytes', '10eib'), 11529215046068469760n);
  assert.equal(call('units.parse_bytes', '"100TIB"'), 109951162777600);
  assert.notEqual(call('units.parse_bytes', '5E'), 5);
  assertBuiltinError(() => call('units.parse_bytes', 'GB'), 'no byte amount provided', 'eval_builtin_error');
  assertBuiltinError(() => call('units.parse_bytes', '.5.2'), 'could not parse byte amount to a number', 'eval_builtin_error');
  assertBuiltinError(() => call('units.parse_bytes', ' 327MiB '), 'spaces not allowed in resource strings', 'eval_builtin_error');
  assertBuiltinError(() => call('units.parse_bytes', '5xb'), 'byte unit xb not recognized', 'eval_builtin_error');
});
