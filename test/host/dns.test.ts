// net.lookup_ip_addr through the real engine and the I/O worker's system resolver.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLookupIP, hostHooks } from '../../src/host/index.js';
import { compile, RegoError, type HostHooks } from '../../src/rego/index.js';
import { toJSON, type Value } from '../../src/rego/value.js';

const T = { timeout: 15_000 };

function lookup(name: string, host: HostHooks): unknown {
  const policy = compile([{ file: 'd.rego', source: 'package d\nips := net.lookup_ip_addr(input.name)' }], { host, strictBuiltinErrors: true });
  return toJSON(policy.entrypoint('d/ips')!.evaluate({ name }) as Value);
}

test('localhost resolves to loopback addresses', T, () => {
  const ips = lookup('localhost', hostHooks()) as string[];
  assert.ok(ips.length > 0);
  assert.ok(ips.every((ip) => ip === '127.0.0.1' || ip === '::1' || ip.startsWith('127.')), String(ips));
  const direct = createLookupIP()('localhost');
  assert.ok(direct.some((ip) => ip === '127.0.0.1' || ip === '::1'), String(direct));
});

test('IP literals need no lookup', T, () => {
  assert.deepEqual(lookup('10.1.2.3', hostHooks()), ['10.1.2.3']);
});

test('an unknown name is an error', T, () => {
  assert.throws(
    () => lookup('nonexistent.invalid', hostHooks({ dnsTimeoutMs: 5_000 })),
    (e: unknown) => e instanceof RegoError && /net\.lookup_ip_addr: lookup nonexistent\.invalid: /.test(e.message),
  );
});

test('the allow-list applies to lookups', T, () => {
  assert.throws(
    () => lookup('localhost', hostHooks({ allowNet: ['example.com'] })),
    (e: unknown) => e instanceof RegoError && /unallowed host: localhost/.test(e.message),
  );
});
