import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uuidBuiltins } from '../../../src/rego/builtins/uuid.js';
import { assertBuiltinError, fakeContext, finder } from './helpers.js';

const call = finder(uuidBuiltins);

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
