import { test } from 'node:test';
import assert from 'node:assert/strict';
import { semverBuiltins } from '../../../src/rego/builtins/semver.js';
import { unitsBuiltins } from '../../../src/rego/builtins/units.js';
import { uuidBuiltins } from '../../../src/rego/builtins/uuid.js';
import { assertBuiltinError, fakeContext, finder } from './helpers.js';

const call = finder([...unitsBuiltins, ...semverBuiltins, ...uuidBuiltins]);

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

test('uuid.parse', () => {
  const p = (s: string) => {
    const v = call('uuid.parse', s);
    return v === undefined ? undefined : { ...(v as object) };
  };
  assert.deepEqual(p('00000000-0000-4000-8000-000000000000'), { version: 4, variant: 'RFC4122' });
  assert.deepEqual(p('{00000000-0000-4000-8000-000000000000}'), { version: 4, variant: 'RFC4122' });
  assert.deepEqual(p('6bea8ef2d3d33cd184e09bab06a52ece'), { version: 3, variant: 'RFC4122' });
  const v2 = {
    version: 2,
    variant: 'RFC4122',
    time: 1693566990121469600n,
    nodeid: '32-50-96-b3-9f-47',
    macvariables: 'local:unicast',
    clocksequence: 12800,
    id: 1000,
    domain: 'Person',
  };
  assert.deepEqual(p('000003e8-48b9-21ee-b200-325096b39f47'), v2);
  assert.deepEqual(p('URN:uuid:000003e8-48b9-21ee-b200-325096b39f47'), v2);
  assert.equal(p('00000000-0000-4000-8000-00000000000'), undefined);
  assert.equal(p('00000000x0000-4000-8000-000000000000'), undefined);
  assert.equal(p('zz000000-0000-4000-8000-000000000000'), undefined);
  assertBuiltinError(() => call('uuid.parse', 123), 'operand 1 must be string but got number');
});

test('uuid.rfc4122: random v4, stable per argument within an evaluation', () => {
  const def = uuidBuiltins.find((d) => d.name === 'uuid.rfc4122');
  assert.ok(def && def.nondeterministic);
  const ctx = fakeContext();
  const a = def.fn(['key'], ctx) as string;
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(def.fn(['key'], ctx), a);
  assert.notEqual(def.fn(['other'], ctx), a);
  assert.notEqual(def.fn(['key'], fakeContext()), a);
});
