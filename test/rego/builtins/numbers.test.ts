import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numbersBuiltins } from '../../../src/rego/builtins/numbers.js';
import { RSet } from '../../../src/rego/value.js';
import type { BuiltinContext } from '../../../src/rego/builtins/types.js';
import { assertBuiltinError, fakeContext, finder } from './helpers.js';

const call = finder(numbersBuiltins);

test('integer arithmetic is exact and canonical', () => {
  assert.equal(call('plus', 1, 2), 3);
  assert.equal(call('plus', 49649733057, 1), 49649733058);
  assert.equal(call('plus', Number.MAX_SAFE_INTEGER, 1), 9007199254740992n);
  assert.equal(call('minus', 9007199254740992n, 1), Number.MAX_SAFE_INTEGER);
  assert.equal(call('mul', 4294967296, 4294967296), 18446744073709551616n);
  assert.equal(call('mul', 0, -1), 0);
  assert.ok(!Object.is(call('mul', 0, -1), -0));
  assert.equal(call('div', 10n ** 30n, 10n ** 10n), 10n ** 20n);
  assert.equal(call('div', 7, 2), 3.5);
  assert.equal(call('rem', 7, 4), 3);
  assert.equal(call('rem', -7, 4), -3);
  assert.equal(call('rem', 10n ** 20n + 3n, 10), 3);
});

test('float arithmetic', () => {
  assert.equal(call('plus', 0.5, 0.25), 0.75);
  assert.equal(call('mul', 1.5, 2), 3);
  assert.equal(call('minus', 2n ** 64n, 0.5), 18446744073709551616n);
});

test('arithmetic errors', () => {
  assertBuiltinError(() => call('div', 1, 0), 'divide by zero', 'eval_builtin_error');
  assertBuiltinError(() => call('rem', 7, 0), 'modulo by zero', 'eval_builtin_error');
  assertBuiltinError(() => call('rem', 1.1, 1), 'modulo on floating-point number', 'eval_builtin_error');
  assertBuiltinError(() => call('plus', 'a', 1), 'operand 1 must be number but got string');
  assertBuiltinError(() => call('mul', 1, null), 'operand 2 must be number but got null');
});

test('minus on sets and its type errors', () => {
  const d = call('minus', new RSet([1, 2, 3]), new RSet([2])) as RSet;
  assert.deepEqual(d.sorted(), [1, 3]);
  assertBuiltinError(() => call('minus', new RSet([1]), 1), 'operand 2 must be set but got number');
  assertBuiltinError(() => call('minus', 1, new RSet([1])), 'operand 2 must be number but got set');
  assertBuiltinError(() => call('minus', 'a', 1), 'operand 1 must be one of {number, set} but got string');
});

test('abs, ceil, floor, round', () => {
  assert.equal(call('abs', -10), 10);
  assert.equal(call('abs', -(2n ** 70n)), 2n ** 70n);
  assert.equal(call('ceil', 1.01), 2);
  assert.equal(call('ceil', -1.99999), -1);
  assert.equal(call('floor', -1.001), -2);
  assert.equal(call('floor', 99.99999), 99);
  assert.equal(call('round', 2.5), 3);
  assert.equal(call('round', -2.5), -3);
  assert.equal(call('round', -0.4), 0);
  assert.ok(!Object.is(call('round', -0.4), -0));
});

test('numbers.range and numbers.range_step', () => {
  assert.deepEqual(call('numbers.range', 0, 0), [0]);
  assert.deepEqual(call('numbers.range', -2, 3), [-2, -1, 0, 1, 2, 3]);
  assert.deepEqual(call('numbers.range', 2, -1), [2, 1, 0, -1]);
  assert.deepEqual(call('numbers.range_step', 0, -10, 4), [0, -4, -8]);
  assert.deepEqual(call('numbers.range_step', 0, 10, 99999999999999999999n), [0]);
  assertBuiltinError(() => call('numbers.range', 3.14, 4), 'operand 1 must be integer number but got floating-point number');
  assertBuiltinError(() => call('numbers.range', 3, 'a'), 'operand 2 must be integer but got string');
  assertBuiltinError(() => call('numbers.range_step', 0, 10, -2), 'step must be a positive integer', 'eval_builtin_error');
});

test('bits', () => {
  assert.equal(call('bits.and', 7, 9), 1);
  assert.equal(call('bits.or', 7, 9), 15);
  assert.equal(call('bits.xor', 42, 3), 41);
  assert.equal(call('bits.negate', 42), -43);
  assert.equal(call('bits.lsh', 2147483647, 1), 4294967294);
  assert.equal(call('bits.lsh', 9223372036854775807n, 1), 18446744073709551614n);
  assert.equal(call('bits.rsh', 8, 3), 1);
  assert.equal(call('bits.rsh', -9, 1), -5);
  assertBuiltinError(() => call('bits.and', 7.2, 42), 'operand 1 must be integer number but got floating-point number');
  assertBuiltinError(() => call('bits.lsh', 7, -1), 'operand 2 must be an unsigned integer number but got a negative integer');
});

test('to_number', () => {
  assert.equal(call('to_number', '-42.0'), -42);
  assert.equal(call('to_number', false), 0);
  assert.equal(call('to_number', true), 1);
  assert.equal(call('to_number', null), 0);
  assert.equal(call('to_number', 100.1), 100.1);
  assert.equal(call('to_number', '+5'), 5);
  assert.equal(call('to_number', '.5'), 0.5);
  assert.equal(call('to_number', '0x1p3'), 8);
  assert.equal(call('to_number', '123456789012345678901234'), 123456789012345678901234n);
  assert.equal(call('to_number', '1e20'), 10n ** 20n);
  assertBuiltinError(() => call('to_number', 'broken'), 'strconv.ParseFloat: parsing "broken": invalid syntax', 'eval_builtin_error');
  assertBuiltinError(() => call('to_number', '1e400'), 'strconv.ParseFloat: parsing "1e400": value out of range', 'eval_builtin_error');
  for (const s of ['nan', 'inf', '-Infinity', '-NaN', 'iNf']) {
    assertBuiltinError(() => call('to_number', s), 'operand 1 must be valid number string but got string');
  }
  assertBuiltinError(() => call('to_number', []), 'operand 1 must be one of {null, boolean, number, string} but got array');
});

test('rand.intn is memoized per evaluation', () => {
  const def = numbersBuiltins.find((d) => d.name === 'rand.intn')!;
  const ctx: BuiltinContext = fakeContext();
  const first = def.fn(['key', 100], ctx);
  for (let i = 0; i < 20; i++) assert.equal(def.fn(['key', 100], ctx), first);
  assert.equal(def.fn(['key', 0], ctx), 0);
  const v = def.fn(['other', -5], ctx) as number;
  assert.ok(v >= 0 && v < 5);
  assertBuiltinError(() => def.fn(['k', 1.5], ctx), 'operand 2 must be integer number but got floating-point number');
});

test('fractions are computed like OPA (64-bit mantissa from the decimal text)', () => {
  assert.equal(call('plus', 0.1, 0.2), 0.3);
  assert.equal(call('mul', 1.1, 3), 3.3);
  assert.equal(call('minus', 0.3, 0.1), 0.2);
  assert.equal(call('div', 0.3, 0.1), 3);
  assert.equal(call('div', 1, 3), 1 / 3);
  assert.equal(call('div', 10, 4), 2.5);
  assert.equal(call('mul', 1.1, 1.1), 1.21);
  assert.equal(call('plus', -0.5, 0.5), 0);
  assert.equal(call('mul', 1e-200, 1e-200), 0);
  // An integer result of 2^64 or more is printed with the fewest digits, as OPA does.
  assert.equal(call('mul', 2n ** 70n, 0.5), 590295810358705651700n);
  assert.equal(call('mul', 1.5, 1152921504606846976n), 1729382256910270464n);
  // Beyond the double range the result is still exact (OPA's big.Float has no such limit).
  assert.equal(call('mul', 1.5e308, 1.5), 225n * 10n ** 306n);
});
