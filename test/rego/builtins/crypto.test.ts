import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { cryptoBuiltins } from '../../../src/rego/builtins/crypto.js';
import type { BuiltinContext } from '../../../src/rego/builtins/types.js';
import type { Value } from '../../../src/rego/value.js';
import { assertBuiltinError, fakeContext, finder } from './helpers.js';

const call = finder(cryptoBuiltins);
const builtin = 'eval_builtin_error' as const;
type Obj = Record<string, Value>;

// ---- A tiny DER writer to mint test certificates ----

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 128 ? Buffer.from([n]) : n < 256 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 255]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...p: Buffer[]) => der(0x30, ...p);
const oid = (s: string) => {
  const [a, b, ...rest] = s.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const n of rest) {
    const enc = [n & 127];
    for (let v = n >> 7; v > 0; v >>= 7) enc.unshift((v & 127) | 128);
    bytes.push(...enc);
  }
  return der(0x06, Buffer.from(bytes));
};
const utf8 = (s: string) => der(0x0c, Buffer.from(s));
const name = (cn: string) => seq(der(0x31, seq(oid('2.5.4.3'), utf8(cn))));
const ext = (id: string, value: Buffer, critical = false) =>
  seq(oid(id), ...(critical ? [der(0x01, Buffer.from([0xff]))] : []), der(0x04, value));

function mintCert(opts: { cn: string; issuer: string; key: KeyObject; signer: KeyObject; ca?: boolean; sans?: Buffer[] }): string {
  const exts = [ext('2.5.29.19', seq(...(opts.ca ? [der(0x01, Buffer.from([0xff]))] : [])), true)];
  if (opts.sans) exts.push(ext('2.5.29.17', seq(...opts.sans)));
  const alg = seq(oid('1.3.101.112'));
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.from([0x01, 0x23])),
    alg,
    name(opts.issuer),
    seq(der(0x17, Buffer.from('200101000000Z')), der(0x18, Buffer.from('20991231235959Z'))),
    name(opts.cn),
    opts.key.export({ format: 'der', type: 'spki' }) as Buffer,
    der(0xa3, seq(...exts)),
  );
  const sig = sign(null, tbs, opts.signer);
  const cert = seq(tbs, alg, der(0x03, Buffer.concat([Buffer.from([0]), sig])));
  return `-----BEGIN CERTIFICATE-----\n${cert.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
}

const rootKey = generateKeyPairSync('ed25519');
const leafKey = generateKeyPairSync('ed25519');
const rootPem = mintCert({ cn: 'Test Root', issuer: 'Test Root', key: rootKey.publicKey, signer: rootKey.privateKey, ca: true });
const leafPem = mintCert({
  cn: 'leaf.example',
  issuer: 'Test Root',
  key: leafKey.publicKey,
  signer: rootKey.privateKey,
  sans: [der(0x82, Buffer.from('leaf.example')), der(0x86, Buffer.from('spiffe://example.com/opa')), der(0x87, Buffer.from([10, 0, 0, 1]))],
});
const leafKeyPem = leafKey.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

test('digests and HMACs', () => {
  assert.equal(call('crypto.md5', 'lorem ipsum'), '80a751fde577028640c419000e33eba6');
  assert.equal(call('crypto.sha1', 'lorem ipsum'), 'bfb7759a67daeb65410490b4d98bb9da7d1ea2ce');
  assert.equal(call('crypto.sha256', 'lorem ipsum'), '5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269');
  assert.equal(call('crypto.hmac.md5', 'foo', 'bar'), '31b6db9e5eb4addb42f1a6ca07367adc');
  assert.equal(call('crypto.hmac.sha1', 'foo', 'bar'), '85d155c55ed286a300bd1cf124de08d87e914f3a');
  assert.equal(call('crypto.hmac.sha256', 'foo', 'bar'), '147933218aaabc0b8b10a2b3a5c34684c8d94341bcf10a4736dc7270f7741851');
  assert.equal(call('crypto.hmac.sha256', 'åäöçß🥲♙Ω', '秘密の'), 'eb90daeb76d4b2571fbdaf94bbb240809faa8fed93ec0c260dd38c3fdf8d963a');
  assert.equal(call('crypto.hmac.equal', 'abc', 'abc'), true);
  assert.equal(call('crypto.hmac.equal', 'abc', 'ab'), false);
  assertBuiltinError(() => call('crypto.hmac.sha256', 'x', 1), 'operand 2 must be string but got number');
  assertBuiltinError(() => call('crypto.md5', null), 'operand 1 must be string but got null');
});

test('crypto.x509.parse_certificates returns Go-shaped certificates', () => {
  const [leaf] = call('crypto.x509.parse_certificates', leafPem) as Obj[];
  assert.equal((leaf.Subject as Obj).CommonName, 'leaf.example');
  assert.equal((leaf.Issuer as Obj).CommonName, 'Test Root');
  assert.deepEqual(leaf.DNSNames, ['leaf.example']);
  assert.deepEqual(leaf.IPAddresses, ['10.0.0.1']);
  assert.deepEqual(leaf.URIStrings, ['spiffe://example.com/opa']);
  assert.equal(((leaf.URIs as Obj[])[0]).Host, 'example.com');
  assert.equal(leaf.SerialNumber, 0x123);
  assert.equal(leaf.Version, 3);
  assert.equal(leaf.SignatureAlgorithm, 16);
  assert.equal(leaf.PublicKeyAlgorithm, 4);
  assert.equal(leaf.NotBefore, '2020-01-01T00:00:00Z');
  assert.equal(leaf.NotAfter, '2099-12-31T23:59:59Z');
  assert.equal(leaf.BasicConstraintsValid, true);
  assert.equal(leaf.IsCA, false);
  // Base64 of the PEM and base64 of the DER are accepted too.
  const b64pem = Buffer.from(leafPem).toString('base64');
  assert.equal(((call('crypto.x509.parse_certificates', b64pem) as Obj[])[0].Subject as Obj).CommonName, 'leaf.example');
  assert.equal((call('crypto.x509.parse_certificates', leaf.Raw as string) as Obj[]).length, 1);
  assert.equal((call('crypto.x509.parse_certificates', rootPem + leafPem) as Obj[]).length, 2);
  assertBuiltinError(() => call('crypto.x509.parse_certificates', 'YmFkc3RyaW5n'), 'x509: malformed certificate', builtin);
  assertBuiltinError(() => call('crypto.x509.parse_certificates', 'foobar'), 'illegal base64 data at input byte 4', builtin);
  assertBuiltinError(
    () => call('crypto.x509.parse_certificates', leafKeyPem),
    "PEM block type is 'PRIVATE KEY', expected CERTIFICATE",
    builtin,
  );
});

test('crypto.x509.parse_and_verify_certificates checks the chain', () => {
  const ctx: BuiltinContext = { ...fakeContext(), nowNs: () => BigInt(Date.now()) * 1000000n };
  const verify = cryptoBuiltins.find((b) => b.name === 'crypto.x509.parse_and_verify_certificates')!;
  const [ok, chain] = verify.fn([rootPem + leafPem], ctx) as [boolean, Obj[]];
  assert.equal(ok, true);
  assert.deepEqual(chain.map((c) => (c.Subject as Obj).CommonName), ['leaf.example', 'Test Root']);
  assert.deepEqual(verify.fn([leafPem + rootPem], ctx), [false, []]);
  assert.deepEqual(verify.fn([leafPem], ctx), [false, []]);
  assert.deepEqual(verify.fn(['garbage'], ctx), [false, []]);
  const withOpts = cryptoBuiltins.find((b) => b.name === 'crypto.x509.parse_and_verify_certificates_with_options')!;
  assert.equal((withOpts.fn([rootPem + leafPem, { DNSName: 'leaf.example' }], ctx) as Value[])[0], true);
  assert.equal((withOpts.fn([rootPem + leafPem, { DNSName: 'other.example' }], ctx) as Value[])[0], false);
  assert.equal((withOpts.fn([rootPem + leafPem, { CurrentTime: 0 }], ctx) as Value[])[0], false);
  assert.equal((withOpts.fn([rootPem + leafPem, { KeyUsages: ['KeyUsageAny'] }], ctx) as Value[])[0], true);
  assertBuiltinError(() => withOpts.fn([rootPem + leafPem, { Foo: 1 }], ctx), 'invalid key option', builtin);
  assertBuiltinError(
    () => withOpts.fn([rootPem + leafPem, { KeyUsages: ['Nope'] }], ctx),
    "invalid entries for 'KeyUsages' found: [Nope]",
    builtin,
  );
});

test('crypto.x509.parse_keypair', () => {
  const pair = call('crypto.x509.parse_keypair', leafPem, leafKeyPem) as Obj;
  assert.equal((pair.Certificate as string[]).length, 1);
  assert.equal(((pair.Leaf as Obj).Subject as Obj).CommonName, 'leaf.example');
  assert.equal(typeof pair.PrivateKey, 'string');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  assert.deepEqual(call('crypto.x509.parse_keypair', b64(leafPem), b64(leafKeyPem)), pair);
  const otherKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  assertBuiltinError(() => call('crypto.x509.parse_keypair', leafPem, otherKey), 'tls: private key does not match public key', builtin);
  assertBuiltinError(
    () => call('crypto.x509.parse_keypair', leafPem, leafPem),
    'tls: found a certificate rather than a key in the PEM for the private key',
    builtin,
  );
});

test('private keys', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pkcs1 = rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
  const jwk = rsa.privateKey.export({ format: 'jwk' });
  assert.deepEqual(call('crypto.x509.parse_rsa_private_key', pkcs1), { ...jwk });
  assert.deepEqual(call('crypto.x509.parse_rsa_private_key', Buffer.from(pkcs1).toString('base64')), { ...jwk });
  assertBuiltinError(() => call('crypto.x509.parse_rsa_private_key', 'invalid'), 'illegal base64 data at input byte 4', builtin);
  assertBuiltinError(() => call('crypto.x509.parse_rsa_private_key', ''), 'input PEM data was empty', builtin);
  const keys = call('crypto.parse_private_keys', pkcs1 + leafKeyPem) as Value[];
  assert.equal(keys.length, 2);
  const k = keys[0] as Obj;
  assert.equal(k.E, 65537);
  assert.equal((k.Primes as Value[]).length, 2);
  assert.deepEqual(Object.keys(k.Precomputed as Obj).sort(), ['CRTValues', 'Dp', 'Dq', 'Qinv']);
  assert.deepEqual(call('crypto.parse_private_keys', 'nope'), []);
  assert.equal(call('crypto.parse_private_keys', ''), null);
});

test('crypto.x509.parse_certificate_request errors', () => {
  assertBuiltinError(() => call('crypto.x509.parse_certificate_request', 'foobar'), 'illegal base64 data at input byte 4', builtin);
  assert.throws(
    () => call('crypto.x509.parse_certificate_request', 'YmFkc3RyaW5n'),
    (e: Error) => e.message.startsWith("asn1: structure error: tags don't match"),
  );
});

test('crypto.x509.parse_certificate_request parses PEM, base64 and DER', () => {
  const alg = seq(oid('1.3.101.112'));
  const extReq = seq(oid('1.2.840.113549.1.9.14'), der(0x31, seq(ext('2.5.29.17', seq(der(0x82, Buffer.from('csr.example')))))));
  const info = seq(der(0x02, Buffer.from([0])), name('csr.example'), leafKey.publicKey.export({ format: 'der', type: 'spki' }) as Buffer, der(0xa0, extReq));
  const csr = seq(info, alg, der(0x03, Buffer.concat([Buffer.from([0]), sign(null, info, leafKey.privateKey)])));
  const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${csr.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  for (const input of [pem, Buffer.from(pem).toString('base64'), csr.toString('base64')]) {
    const r = call('crypto.x509.parse_certificate_request', input) as Obj;
    assert.equal((r.Subject as Obj).CommonName, 'csr.example');
    assert.deepEqual(r.DNSNames, ['csr.example']);
    assert.equal(r.Version, 0);
    assert.equal(r.PublicKeyAlgorithm, 4);
  }
});
