import { test } from 'node:test';
import assert from 'node:assert/strict';
import { netBuiltins } from '../../../src/rego/builtins/net.js';
import type { BuiltinContext } from '../../../src/rego/builtins/types.js';
import { RSet, toJSON, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, fakeContext, finder } from './helpers.js';

const call = finder(netBuiltins);
const json = (v: Value | undefined) => toJSON(v as Value);
const builtin = 'eval_builtin_error' as const;

test('net.cidr_contains and net.cidr_intersects', () => {
  assert.equal(call('net.cidr_contains', '10.0.0.0/8', '10.1.2.3'), true);
  assert.equal(call('net.cidr_contains', '10.0.0.0/8', '10.1.2.0/24'), true);
  assert.equal(call('net.cidr_contains', '10.0.0.0/8', '11.0.0.0/7'), false);
  assert.equal(call('net.cidr_contains', '2001:db8::/32', '2001:db8:1::1'), true);
  // As in Go, IPv4 addresses are never inside IPv6 networks other than ::ffff:0:0/96.
  assert.equal(call('net.cidr_contains', '::/0', '1.2.3.4'), false);
  assert.equal(call('net.cidr_contains', '::ffff:0:0/96', '1.2.3.4'), true);
  assert.equal(call('net.cidr_intersects', '192.168.1.0/24', '192.168.1.128/25'), true);
  assert.equal(call('net.cidr_intersects', '192.168.1.0/25', '192.168.1.128/25'), false);
  assertBuiltinError(
    () => call('net.cidr_contains', '192.168.1.0/28', 'not-a-cidr'),
    'not a valid textual representation of an IP address or CIDR: not-a-cidr',
    builtin,
  );
  assertBuiltinError(() => call('net.cidr_intersects', 'x', '1.2.3.4/32'), 'invalid CIDR address: x', builtin);
  assertBuiltinError(() => call('net.cidr_contains', 1, '1.2.3.4'), 'operand 1 must be string but got number');
});

test('net.cidr_contains_matches over strings, arrays, sets and objects', () => {
  assert.deepEqual(json(call('net.cidr_contains_matches', '1.1.1.0/24', '1.1.1.1')), [['1.1.1.0/24', '1.1.1.1']]);
  assert.deepEqual(
    json(call('net.cidr_contains_matches', [['1.1.2.0/24', 1], '1.1.1.0/24'], ['1.1.1.1', '1.1.2.1'])),
    [[0, 1], [1, 0]],
  );
  assert.deepEqual(
    json(call('net.cidr_contains_matches', { k1: '1.1.1.1/24', k2: ['1.1.1.2/24', 1] }, '1.1.1.128')),
    [['k1', '1.1.1.128'], ['k2', '1.1.1.128']],
  );
  assert.deepEqual(
    json(call('net.cidr_contains_matches', new RSet([['1.1.1.0/24', 'bar']]), new RSet([['1.1.1.1', 'baz']]))),
    [[['1.1.1.0/24', 'bar'], ['1.1.1.1', 'baz']]],
  );
  assertBuiltinError(
    () => call('net.cidr_contains_matches', '1.1.1.0/24', ['1.1.1.1', []]),
    'operand 2: element must be string or non-empty array',
    builtin,
  );
});

test('net.cidr_expand', () => {
  assert.deepEqual(json(call('net.cidr_expand', '192.168.1.1/30')), ['192.168.1.0', '192.168.1.1', '192.168.1.2', '192.168.1.3']);
  assert.deepEqual(json(call('net.cidr_expand', '192.168.1.1/32')), ['192.168.1.1']);
  assert.deepEqual(json(call('net.cidr_expand', '2001:db8::/127')), ['2001:db8::', '2001:db8::1']);
  assertBuiltinError(() => call('net.cidr_expand', '192.168.1.1/33'), 'invalid CIDR address: 192.168.1.1/33', builtin);
  assert.throws(() => call('net.cidr_expand', '10.0.0.0/8'), (e: { halt?: boolean }) => e.halt === true);
});

test('net.cidr_merge', () => {
  const merge = (xs: Value) => json(call('net.cidr_merge', xs));
  assert.deepEqual(merge(['192.0.128.0/24', '0.0.0.0/0']), ['0.0.0.0/0']);
  assert.deepEqual(merge(['192.0.2.112/30', '192.0.2.116/31', '192.0.2.118/31']), ['192.0.2.112/29']);
  assert.deepEqual(merge(['192.0.2.112/31', '192.0.2.116/31', '192.0.2.118/31']), ['192.0.2.112/31', '192.0.2.116/30']);
  assert.deepEqual(merge(['10.0.0.1/32', '10.0.0.2/32', '10.0.0.3/32', '10.0.0.4/32']), ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/32']);
  assert.deepEqual(merge(['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64', '2601:600:8a80:207e::1/128']), ['2601:600:8a80:207e::/64']);
  assert.deepEqual(merge(['fe80::/120', '192.0.2.0/24', '192.0.3.0/24']), ['192.0.2.0/23', 'fe80::/120']);
  // Bare IPv4 addresses take their classful mask, unmasked in the output as Go prints it.
  assert.deepEqual(merge(['192.0.2.112']), ['192.0.2.112/24']);
  assert.deepEqual(merge(new RSet(['192.0.128.0', '192.0.129.0'])), ['192.0.128.0/23']);
  assert.deepEqual(merge([]), []);
  assertBuiltinError(() => call('net.cidr_merge', ['2601::1']), 'IPv6 invalid: needs prefix length', builtin);
  assertBuiltinError(() => call('net.cidr_merge', [1]), 'element must be string', builtin);
  assertBuiltinError(() => call('net.cidr_merge', ['foo']), 'invalid CIDR address: foo', builtin);
});

test('net.cidr_is_valid', () => {
  assert.equal(call('net.cidr_is_valid', '192.168.1.0/24'), true);
  assert.equal(call('net.cidr_is_valid', '2002::1234:abcd:ffff:c0a8:101/64'), true);
  assert.equal(call('net.cidr_is_valid', '192.168.1.2'), false);
  assert.equal(call('net.cidr_is_valid', '01.2.3.4/8'), false);
  assert.equal(call('net.cidr_is_valid', ''), false);
  assert.equal(call('net.cidr_is_valid', 3), false);
});

test('net.lookup_ip_addr answers literals itself and asks the host otherwise', () => {
  assert.deepEqual(json(call('net.lookup_ip_addr', '10.0.0.0')), ['10.0.0.0']);
  assert.deepEqual(json(call('net.lookup_ip_addr', '::')), ['::']);
  const def = netBuiltins.find((b) => b.name === 'net.lookup_ip_addr')!;
  let calls = 0;
  const ctx: BuiltinContext = {
    ...fakeContext(),
    host: {
      lookupIP: (name) => {
        calls++;
        return name === 'example.test' ? ['192.0.2.1', '2001:DB8::1'] : [];
      },
    },
  };
  assert.deepEqual(json(def.fn(['example.test'], ctx)), ['192.0.2.1', '2001:db8::1']);
  def.fn(['example.test'], ctx);
  assert.equal(calls, 1);
  assertBuiltinError(() => call('net.lookup_ip_addr', 'example.test'), 'lookup example.test: no resolver configured', builtin);
});
