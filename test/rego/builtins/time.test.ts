import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeBuiltins } from '../../../src/rego/builtins/time.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(timeBuiltins);
const RFC3339 = '2006-01-02T15:04:05Z07:00';

test('time.parse_ns follows Go layouts and named layouts', () => {
  assert.equal(call('time.parse_ns', RFC3339, '2017-06-02T19:00:00-07:00'), 1496455200000000000n);
  assert.equal(call('time.parse_ns', RFC3339, '1677-09-21T00:12:43.145224192-00:00'), -9223372036854775808n);
  assert.equal(call('time.parse_ns', RFC3339, '2262-04-11T23:47:16.854775807-00:00'), 9223372036854775807n);
  assert.equal(call('time.parse_ns', "01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700"), 1496455200000000000n);
  assert.equal(call('time.parse_ns', 'RFC822Z', '02 Jun 17 19:00 -0700'), 1496455200000000000n);
  assert.equal(call('time.parse_ns', 'Mon Jan _2 15:04:05 2006', 'Fri Jun  2 19:00:00 2017'), 1496430000000000000n);
  assert.equal(call('time.parse_ns', '2006-01-02 15:04:05.000', '1970-01-01 00:00:01.250'), 1250000000);
  assert.equal(call('time.parse_ns', '2006-002', '2020-060'), call('time.parse_ns', '2006-01-02', '2020-02-29'));
  assert.equal(call('time.parse_rfc3339_ns', '1970-01-01T00:00:00Z'), 0);
});

test('time.parse_ns reports Go parse errors and the int64 range', () => {
  const e = 'eval_builtin_error' as const;
  assertBuiltinError(() => call('time.parse_ns', RFC3339, '2262-04-11T23:47:16.854775808-00:00'), 'time outside of valid range', e);
  assertBuiltinError(() => call('time.parse_rfc3339_ns', '1677-09-21T00:12:43.145224191-00:00'), 'time outside of valid range', e);
  assertBuiltinError(() => call('time.parse_ns', '2006-01-02', '2020-02-30'), 'parsing time "2020-02-30": day out of range', e);
  assertBuiltinError(() => call('time.parse_ns', '2006-01-02', '2020-13-01'), 'parsing time "2020-13-01": month out of range', e);
  assertBuiltinError(
    () => call('time.parse_ns', '2006-01-02', '20x0-12-01'),
    'parsing time "20x0-12-01" as "2006-01-02": cannot parse "20x0-12-01" as "2006"',
    e,
  );
  assertBuiltinError(() => call('time.parse_ns', '2006-01-02', '2020-12-01 x'), 'parsing time "2020-12-01 x": extra text: " x"', e);
  assertBuiltinError(() => call('time.parse_ns', 1, 'x'), 'operand 1 must be string but got number');
});

test('time.parse_duration_ns accepts Go durations', () => {
  assert.equal(call('time.parse_duration_ns', '100ms'), 100000000);
  assert.equal(call('time.parse_duration_ns', '1h2m3.5s'), 3723500000000);
  assert.equal(call('time.parse_duration_ns', '-1.5µs'), -1500);
  assert.equal(call('time.parse_duration_ns', '7us'), 7000);
  assert.equal(call('time.parse_duration_ns', '0'), 0);
  assert.equal(call('time.parse_duration_ns', '2562047h'), 9223369200000000000n);
  const e = 'eval_builtin_error' as const;
  assertBuiltinError(() => call('time.parse_duration_ns', '1x'), 'time: unknown unit "x" in duration "1x"', e);
  assertBuiltinError(() => call('time.parse_duration_ns', '1'), 'time: missing unit in duration "1"', e);
  assertBuiltinError(() => call('time.parse_duration_ns', '3000000h'), 'time: invalid duration "3000000h"', e);
  assertBuiltinError(() => call('time.parse_duration_ns', ''), 'time: invalid duration ""', e);
});

test('time.date, time.clock and time.weekday in time zones', () => {
  assert.deepEqual(call('time.date', 1517814000000000000n), [2018, 2, 5]);
  assert.deepEqual(call('time.date', [1517814000000000000n, 'America/Los_Angeles']), [2018, 2, 4]);
  assert.deepEqual(call('time.date', [1517832000000000000n, '']), [2018, 2, 5]);
  assert.deepEqual(call('time.date', 1582977600000000000n), [2020, 2, 29]);
  assert.deepEqual(call('time.date', -1), [1969, 12, 31]);
  assert.deepEqual(call('time.clock', [1517832000000000000n, 'America/New_York']), [7, 0, 0]);
  assert.equal(call('time.weekday', 1517832000000000000n), 'Monday');
  assert.equal(call('time.weekday', 1518350400000000000n), 'Sunday');
  const e = 'eval_builtin_error' as const;
  assertBuiltinError(() => call('time.date', 1582977600000000000000n), 'timestamp too big', e);
  assertBuiltinError(() => call('time.clock', 1.5), 'timestamp too big', e);
  assertBuiltinError(() => call('time.weekday', [1, 'No/Where']), 'unknown time zone No/Where', e);
  assertBuiltinError(() => call('time.date', 'x'), 'operand 1 must be either number (ns) or [number (ns), string (tz)] but got string');
  assertBuiltinError(() => call('time.date', []), 'operand 1 must be either number (ns) or [number (ns), string (tz)] but got array');
  assertBuiltinError(() => call('time.date', [1, 2]), 'operand 1 must be string but got number');
});

test('time.add_date normalises like Go AddDate', () => {
  assert.equal(call('time.add_date', 1585852421593912000n, 3, 9, 12), 1705257221593912000n);
  assert.equal(call('time.add_date', 1585852421593912000n, -1, -1, -1), 1551465221593912000n);
  // 2021-01-31 + 1 month = 2021-03-03
  const jan31 = call('time.parse_ns', '2006-01-02', '2021-01-31');
  assert.equal(call('time.add_date', jan31 as bigint, 0, 1, 0), call('time.parse_ns', '2006-01-02', '2021-03-03'));
  const e = 'eval_builtin_error' as const;
  assertBuiltinError(() => call('time.add_date', 0, 2262, 1, 1), 'time outside of valid range', e);
  assertBuiltinError(() => call('time.add_date', -9223372036854775808n, 0, 0, -1), 'time outside of valid range', e);
  assertBuiltinError(() => call('time.add_date', 0, 1.5, 0, 0), 'operand 2 must be integer number but got floating-point number');
});

test('time.diff', () => {
  const p = (s: string) => call('time.parse_ns', '2006-01-02', s) as number | bigint;
  assert.deepEqual(call('time.diff', p('2020-02-02'), p('2020-03-01')), [0, 0, 28, 0, 0, 0]);
  assert.deepEqual(call('time.diff', p('2021-03-01'), p('2021-02-02')), [0, 0, 27, 0, 0, 0]);
  assert.deepEqual(call('time.diff', p('2004-02-29'), p('2005-03-01')), [1, 0, 1, 0, 0, 0]);
  const now = 1700000000123456789n;
  assert.deepEqual(call('time.diff', now + 61000000000n, now), [0, 0, 0, 0, 1, 1]);
  assert.deepEqual(call('time.diff', [now + 60000000000n, 'UTC'], [now, 'Asia/Shanghai']), [0, 0, 0, 0, 1, 0]);
});

test('time.format with zones and layouts', () => {
  const t = 1670006453141828752n;
  assert.equal(call('time.format', t), '2022-12-02T18:40:53.141828752Z');
  assert.equal(call('time.format', [t, 'Asia/Kolkata']), '2022-12-03T00:10:53.141828752+05:30');
  assert.equal(call('time.format', [t, 'Asia/Kolkata', 'Mon Jan 02 15:04:05 -0700 2006']), 'Sat Dec 03 00:10:53 +0530 2022');
  assert.equal(call('time.format', [t, 'Asia/Kolkata', 'RFC1123Z']), 'Sat, 03 Dec 2022 00:10:53 +0530');
  assert.equal(call('time.format', [t, 'America/Los_Angeles', 'UnixDate']), 'Fri Dec  2 10:40:53 PST 2022');
  assert.equal(call('time.format', [t, 'UTC', '3:04PM .000 ,99 Z07']), '6:40PM .141 ,14 Z');
  assertBuiltinError(() => call('time.format', 1582977600 * 10e12), 'timestamp too big', 'eval_builtin_error');
});

test('time.now_ns is the evaluation time', () => {
  assert.equal(call('time.now_ns'), 0);
});
