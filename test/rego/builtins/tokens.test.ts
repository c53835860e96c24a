import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { tokensBuiltins } from '../../../src/rego/builtins/tokens.js';
import type { BuiltinContext } from '../../../src/rego/builtins/types.js';
import { toJSON, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, fakeContext, finder } from './helpers.js';

const call = finder(tokensBuiltins);
const builtin = 'eval_builtin_error' as const;
const HS_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoiYWxpY2UiLCJhenAiOiJhbGljZSIsInN1Ym9yZGluYXRlcyI6W10sImhyIjpmYWxzZX0.rz3jTY033z-NrKfwrK89_dcLF7TN4gwCMj-fVBDyLoM';
const plain = (v: Value | undefined) => JSON.parse(JSON.stringify(toJSON(v as Value)));
const octKey = (secret: string) => ({ kty: 'oct', k: Buffer.from(secret).toString('base64url') });
const at = (ns: bigint): BuiltinContext => ({ ...fakeContext(), nowNs: () => ns });
const decodeVerify = (jwt: string, c: Value, ns = 2000n * 1000000000n) =>
  tokensBuiltins.find((b) => b.name === 'io.jwt.decode_verify')!.fn([jwt, c], at(ns));

test('io.jwt.decode', () => {
  assert.deepEqual(
    plain(call('io.jwt.decode', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwIiwiaXNzIjoib3BhIn0.XmVoLoHI3pxMtMO_WRONMSJzGUDP9pDjy8Jp0_tdRXY')),
    [{ alg: 'HS256', typ: 'JWT' }, { iss: 'opa', sub: '0' }, '5e65682e81c8de9c4cb4c3bf59138d3122731940cff690e3cbc269d3fb5d4576'],
  );
  assertBuiltinError(() => call('io.jwt.decode', 'abc'), 'encoded JWT had no period separators', builtin);
  assertBuiltinError(() => call('io.jwt.decode', 'a.b'), 'encoded JWT must have 3 sections, found 2', builtin);
  assertBuiltinError(
    () => call('io.jwt.decode', 'eyJhbGciOiJIU^%zI1NiI+sInR5cCI6IkpXVCJ9.e30.'),
    'JWT header had invalid encoding: illegal base64 data at input byte 13',
    builtin,
  );
  assertBuiltinError(
    () => call('io.jwt.decode', `${Buffer.from('{"alg":"HS256","enc":"x"}').toString('base64url')}.e30.`),
    'JWT is a JWE object, which is not supported',
    builtin,
  );
  assertBuiltinError(() => call('io.jwt.decode', 1), 'operand 1 must be string but got number');
});

test('io.jwt.verify_hs*', () => {
  assert.equal(call('io.jwt.verify_hs256', HS_TOKEN, 'secret'), true);
  assert.equal(call('io.jwt.verify_hs256', HS_TOKEN, 'wrong'), false);
  assert.equal(call('io.jwt.verify_hs384', HS_TOKEN, 'secret'), false);
  assertBuiltinError(() => call('io.jwt.verify_hs256', 'a.b', 'secret'), 'encoded JWT must have 3 sections, found 2', builtin);
  assertBuiltinError(() => call('io.jwt.verify_hs256', HS_TOKEN, 1), 'operand 2 must be string but got number');
});

test('asymmetric signing and verification round trips', () => {
  const cases: [string, string, ReturnType<typeof generateKeyPairSync>][] = [
    ['RS256', 'io.jwt.verify_rs256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['PS384', 'io.jwt.verify_ps384', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['ES256', 'io.jwt.verify_es256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['ES512', 'io.jwt.verify_es512', generateKeyPairSync('ec', { namedCurve: 'P-521' })],
    ['EdDSA', 'io.jwt.verify_eddsa', generateKeyPairSync('ed25519')],
  ];
  for (const [alg, verifier, pair] of cases) {
    const jwk = pair.privateKey.export({ format: 'jwk' }) as Value;
    const token = call('io.jwt.encode_sign', { alg, typ: 'JWT' }, { iss: 'me' }, jwk) as string;
    const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const pubJwk = JSON.stringify(pair.publicKey.export({ format: 'jwk' }));
    assert.equal(call(verifier, token, pem), true, `${alg} with PEM`);
    assert.equal(call(verifier, token, pubJwk), true, `${alg} with JWK`);
    assert.equal(call(verifier, token, JSON.stringify({ keys: [{ ...JSON.parse(pubJwk), kid: 'k1' }] })), true, `${alg} with JWKS`);
    const [ok, header, payload] = decodeVerify(token, { cert: pem, iss: 'me' }) as Value[];
    assert.equal(ok, true, `${alg} decode_verify`);
    assert.deepEqual(plain(header), { alg, typ: 'JWT' });
    assert.deepEqual(plain(payload), { iss: 'me' });
    assert.deepEqual(plain(decodeVerify(token, { cert: pem, iss: 'you' })), [false, {}, {}]);
    assert.deepEqual(plain(decodeVerify(token, { cert: pem, alg: 'HS256' })), [false, {}, {}]);
  }
});

test('io.jwt.verify_* key errors', () => {
  assertBuiltinError(() => call('io.jwt.verify_rs256', HS_TOKEN, '{"kty":'), 'failed to parse a JWK key (set): Unexpected end of JSON input', builtin);
  assertBuiltinError(
    () => call('io.jwt.verify_rs256', HS_TOKEN, '-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n'),
    'failed to extract a Key from the PEM certificate',
    builtin,
  );
  assertBuiltinError(
    () => call('io.jwt.verify_rs256', HS_TOKEN, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\nx'),
    'extra data after a PEM certificate block',
    builtin,
  );
  // A key of the wrong type never verifies.
  assert.equal(call('io.jwt.verify_rs256', HS_TOKEN, JSON.stringify(octKey('secret'))), false);
});

test('io.jwt.encode_sign_raw follows RFC 7515 A.1', () => {
  const t = call(
    'io.jwt.encode_sign_raw',
    '{"typ":"JWT",\r\n "alg":"HS256"}',
    '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}',
    '{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}',
  );
  assert.equal(
    t,
    'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  );
  const k = JSON.stringify(octKey('k'));
  assertBuiltinError(() => call('io.jwt.encode_sign_raw', '{"alg":"dummy"}', '{}', k), 'unknown JWS algorithm: dummy', builtin);
  assertBuiltinError(() => call('io.jwt.encode_sign_raw', '{}', '{}', k), 'missing or invalid \'alg\' header: jwsbb: header "alg" not found', builtin);
  assertBuiltinError(
    () => call('io.jwt.encode_sign_raw', '', '{}', k),
    'missing or invalid \'alg\' header: cannot parse JSON: cannot parse empty string; unparsed tail: ""',
    builtin,
  );
  assertBuiltinError(() => call('io.jwt.encode_sign_raw', '{"alg":"HS256"}', 'e', k), 'type is JWT but payload is not JSON', builtin);
  assert.equal(call('io.jwt.encode_sign_raw', '{"alg":"HS256","typ":"text/plain"}', 'e', k)!.toString().split('.')[1], 'ZQ');
});

test('io.jwt.decode_verify constraints and time checks', () => {
  const sign = (payload: Value) => call('io.jwt.encode_sign', { alg: 'HS256' }, payload, octKey('42')) as string;
  const s = 1000000000n;
  assert.equal((decodeVerify(sign({ exp: 3000 }), { secret: '42' }) as Value[])[0], true);
  assert.equal((decodeVerify(sign({ exp: 3000 }), { secret: '42' }, 3000n * s) as Value[])[0], false);
  assert.equal((decodeVerify(sign({ exp: 3000 }), { secret: '42', time: 3001 * 1e9 }) as Value[])[0], false);
  assert.equal((decodeVerify(sign({ nbf: 1000.1 }), { secret: '42', time: 1000.2 * 1e9 }) as Value[])[0], true);
  assert.equal((decodeVerify(sign({ nbf: 1000.1 }), { secret: '42', time: 1000 * 1e9 }) as Value[])[0], false);
  assert.equal((decodeVerify(sign({ aud: ['a', 'b'] }), { secret: '42', aud: 'b' }) as Value[])[0], true);
  assert.equal((decodeVerify(sign({ aud: 'a' }), { secret: '42' }) as Value[])[0], false);
  assert.equal((decodeVerify(sign({}), { secret: '42', aud: 'a' }) as Value[])[0], false);
  assert.equal((decodeVerify(sign({}), { secret: '42', iss: 'x' }) as Value[])[0], false);
  assert.equal((decodeVerify(sign({}), { secret: 'nope' }) as Value[])[0], false);
  assertBuiltinError(() => decodeVerify(sign({ exp: null }), { secret: '42' }), 'exp value must be a number', builtin);
  assertBuiltinError(() => decodeVerify(sign({ nbf: 'x' }), { secret: '42' }), 'nbf value must be a number', builtin);
  assertBuiltinError(() => decodeVerify(sign({}), {}), 'no key constraint', builtin);
  assertBuiltinError(() => decodeVerify(sign({}), { secret: '42', cert: '{"kty":"oct","k":"AA"}' }), 'duplicate key constraints', builtin);
  assertBuiltinError(() => decodeVerify(sign({}), { secret: '42', foo: 1 }), 'unknown token validation constraint: foo', builtin);
  assertBuiltinError(() => decodeVerify(sign({}), { secret: 42 }), 'secret constraint: must be a string', builtin);
  assertBuiltinError(() => decodeVerify(sign({}), { secret: '42', time: -1 }), 'token time constraint: must not be negative', builtin);
  assertBuiltinError(() => decodeVerify(sign({}), 'x'), 'operand 2 must be object but got string');
});
