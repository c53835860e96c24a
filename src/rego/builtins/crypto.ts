// crypto.*: digests, HMACs and X.509 / private key parsing. Inputs may be PEM, base64 of PEM,
// or base64 of DER, as OPA accepts them; results have the JSON shape of Go's structs.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BuiltinError } from '../errors.js';
import { isObject, objectEntries, RSet, typeName, type Value } from '../value.js';
import { argString, type BuiltinDef } from './types.js';
import { b64Std, b64StdDecode, DecodeError, pemDecode, type PemBlock } from './der.js';
import {
  certificateValue,
  keyUsageNames,
  parseCertificateRequest,
  parseCertificates,
  parsePrivateKey,
  privateKeyJSON,
  privateKeyJWK,
  verifyChain,
  X509Error,
  type Cert,
  type KeyFormat,
  type VerifyOptions,
} from './x509.js';
import type { KeyObject } from 'node:crypto';

function fail(msg: string): never {
  throw new BuiltinError(msg, 'eval_builtin_error');
}

/** Runs f, turning decoding errors into builtin errors with their Go text. */
function guarded<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof X509Error || e instanceof DecodeError) fail(e.message);
    throw e;
  }
}

const BEGIN = '-----BEGIN';

function digest(alg: string) {
  return (args: Value[]) => createHash(alg).update(argString(args, 0), 'utf8').digest('hex');
}

function hmac(alg: string) {
  return (args: Value[]) => {
    const message = argString(args, 0);
    const key = argString(args, 1);
    return createHmac(alg, Buffer.from(key, 'utf8')).update(message, 'utf8').digest('hex');
  };
}

/** All PEM blocks of data, in order. */
function pemBlocks(data: Uint8Array): PemBlock[] {
  const out: PemBlock[] = [];
  let rest: Buffer = Buffer.from(data);
  while (rest.length > 0) {
    const [block, next] = pemDecode(rest);
    if (!block) break;
    out.push(block);
    rest = next;
  }
  return out;
}

/** OPA's getX509CertsFromString: PEM, base64 of PEM, or base64 of DER. */
function certsFromString(s: string): Cert[] {
  let bytes: Buffer;
  if (s.startsWith(BEGIN)) {
    bytes = Buffer.from(s, 'utf8');
  } else {
    bytes = b64StdDecode(s);
    if (!bytes.subarray(0, BEGIN.length).equals(Buffer.from(BEGIN))) return parseCertificates(bytes);
  }
  const ders: Buffer[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    const [block, next] = pemDecode(rest);
    if (!block) break;
    if (block.type !== 'CERTIFICATE') throw new X509Error(`PEM block type is '${block.type}', expected CERTIFICATE`);
    ders.push(block.bytes);
    rest = next;
  }
  return parseCertificates(Buffer.concat(ders));
}

const keyFormats: Record<string, KeyFormat> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
};

/** OPA's getPrivateKeysFromPEMData. */
function privateKeysFromPEM(pem: string): KeyObject[] {
  let bytes: Buffer;
  try {
    bytes = b64StdDecode(pem);
  } catch {
    bytes = Buffer.from(pem, 'utf8');
  }
  const keys: KeyObject[] = [];
  for (const block of pemBlocks(bytes)) {
    const format = keyFormats[block.type];
    if (format) keys.push(parsePrivateKey(block.bytes, format));
  }
  return keys;
}

/** crypto/tls.X509KeyPair. */
function x509KeyPair(certPEM: Buffer, keyPEM: Buffer): Value {
  const ders: Buffer[] = [];
  const skipped: string[] = [];
  for (const b of pemBlocks(certPEM)) {
    if (b.type === 'CERTIFICATE') ders.push(b.bytes);
    else skipped.push(b.type);
  }
  if (ders.length === 0) {
    if (skipped.length === 0) fail('tls: failed to find any PEM data in certificate input');
    if (skipped.length === 1 && skipped[0].endsWith('PRIVATE KEY')) {
      fail('tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched');
    }
    fail(`tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`);
  }
  const keySkipped: string[] = [];
  let keyBlock: PemBlock | undefined;
  let rest = keyPEM;
  for (;;) {
    const [block, next] = pemDecode(rest);
    if (!block) {
      if (keySkipped.length === 0) fail('tls: failed to find any PEM data in key input');
      if (keySkipped.length === 1 && keySkipped[0] === 'CERTIFICATE') {
        fail('tls: found a certificate rather than a key in the PEM for the private key');
      }
      fail(`tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${keySkipped.join(' ')}]`);
    }
    rest = next;
    if (block.type === 'PRIVATE KEY' || block.type.endsWith(' PRIVATE KEY')) {
      keyBlock = block;
      break;
    }
    keySkipped.push(block.type);
  }
  const [leaf] = parseCertificates(ders[0]);
  let key: KeyObject | undefined;
  for (const f of ['pkcs1', 'pkcs8', 'sec1'] as KeyFormat[]) {
    try {
      key = parsePrivateKey(keyBlock.bytes, f);
      break;
    } catch {
      // try the next format, as Go's tls.parsePrivateKey does
    }
  }
  if (!key) fail('tls: failed to parse private key');
  const pub = leaf.publicKey;
  if (!pub) fail('tls: unknown public key algorithm');
  const family = (t: string | undefined) => (t === 'rsa-pss' ? 'rsa' : t);
  if (family(pub.asymmetricKeyType) !== family(key.asymmetricKeyType)) {
    fail('tls: private key type does not match public key type');
  }
  const pubJWK = pub.export({ format: 'jwk' });
  const privJWK = key.export({ format: 'jwk' });
  const same = pubJWK.n !== undefined ? pubJWK.n === privJWK.n : pubJWK.x === privJWK.x && pubJWK.y === privJWK.y;
  if (!same) fail('tls: private key does not match public key');
  return {
    Certificate: ders.map(b64Std),
    PrivateKey: privateKeyJSON(key),
    SupportedSignatureAlgorithms: null,
    OCSPStaple: null,
    SignedCertificateTimestamps: null,
    Leaf: certificateValue(leaf, false),
  };
}

/** Input that is PEM already, or base64 of it (or of DER, wrapped as `type`). */
function pemOrBase64(s: string, type: string): Buffer {
  let bytes = s.startsWith('-----BEGIN ') ? Buffer.from(s, 'utf8') : b64StdDecode(s);
  if (!bytes.subarray(0, 11).equals(Buffer.from('-----BEGIN '))) {
    bytes = Buffer.from(`-----BEGIN ${type}-----\n${b64Std(bytes).replace(/.{64}/g, '$&\n')}\n-----END ${type}-----\n`);
  }
  return bytes;
}

function verifyOptions(options: Value, nowMs: number): VerifyOptions {
  const opts: VerifyOptions = { currentTimeMs: nowMs, keyUsages: [1] };
  if (!isObject(options)) return opts;
  let usages: number[] | undefined;
  for (const [k, v] of objectEntries(options)) {
    if (typeof k !== 'string') continue;
    switch (k) {
      case 'DNSName':
        if (typeof v !== 'string') fail("'DNSName' should be a string");
        opts.dnsName = v.replace(/^"+|"+$/g, '');
        break;
      case 'CurrentTime': {
        if (typeof v !== 'number' && typeof v !== 'bigint') fail("'CurrentTime' should be a number");
        const b = typeof v === 'bigint' ? v : Number.isInteger(v) ? BigInt(v) : null;
        if (b === null || b < -(1n << 63n) || b >= 1n << 63n) fail("'CurrentTime' should be a valid int64 number");
        opts.currentTimeMs = Number(b / 1000000n);
        break;
      }
      case 'MaxConstraintComparisons':
        if (typeof v !== 'number' && typeof v !== 'bigint') fail("'MaxConstraintComparisons' should be a number");
        if (typeof v === 'number' && !Number.isInteger(v)) fail("'MaxConstraintComparisons' should be a valid number");
        break;
      case 'KeyUsages': {
        let items: Value[];
        if (Array.isArray(v)) items = v;
        else if (v instanceof RSet) items = v.sorted();
        else fail("'KeyUsages' should be an Array or Set");
        const invalid: string[] = [];
        usages = [];
        for (const item of items) {
          if (typeof item !== 'string') continue;
          const name = item.replace(/^"+|"+$/g, '');
          if (name in keyUsageNames) usages.push(keyUsageNames[name]);
          else invalid.push(name);
        }
        if (invalid.length) fail(`invalid entries for 'KeyUsages' found: [${invalid.join(' ')}]`);
        break;
      }
      default:
        fail('invalid key option');
    }
  }
  if (usages && usages.length) opts.keyUsages = usages;
  return opts;
}

function parseAndVerify(s: string, options: Value, nowMs: number, withURIStrings: boolean): Value {
  let certs: Cert[];
  try {
    certs = certsFromString(s);
  } catch (e) {
    if (e instanceof X509Error || e instanceof DecodeError) return [false, []];
    throw e;
  }
  const opts = verifyOptions(options, nowMs);
  if (certs.length < 2) return [false, []];
  const chain = verifyChain(certs, opts);
  if (!chain) return [false, []];
  return [true, chain.map((c) => certificateValue(c, withURIStrings))];
}

const nowMs = (ctx: { nowNs(): bigint }) => Number(ctx.nowNs() / 1000000n);

export const cryptoBuiltins: BuiltinDef[] = [
  { name: 'crypto.md5', args: ['string'], result: 'string', fn: digest('md5') },
  { name: 'crypto.sha1', args: ['string'], result: 'string', fn: digest('sha1') },
  { name: 'crypto.sha256', args: ['string'], result: 'string', fn: digest('sha256') },
  { name: 'crypto.hmac.md5', args: ['string', 'string'], result: 'string', fn: hmac('md5') },
  { name: 'crypto.hmac.sha1', args: ['string', 'string'], result: 'string', fn: hmac('sha1') },
  { name: 'crypto.hmac.sha256', args: ['string', 'string'], result: 'string', fn: hmac('sha256') },
  { name: 'crypto.hmac.sha512', args: ['string', 'string'], result: 'string', fn: hmac('sha512') },
  {
    name: 'crypto.hmac.equal',
    args: ['string', 'string'],
    result: 'boolean',
    fn: (args) => {
      const a = Buffer.from(argString(args, 0), 'utf8');
      const b = Buffer.from(argString(args, 1), 'utf8');
      return a.length === b.length && timingSafeEqual(a, b);
    },
  },
  {
    name: 'crypto.x509.parse_certificates',
    args: ['string'],
    result: 'array',
    fn: (args) => {
      const s = argString(args, 0);
      return guarded(() => certsFromString(s).map((c) => certificateValue(c)));
    },
  },
  {
    name: 'crypto.x509.parse_and_verify_certificates',
    args: ['string'],
    result: 'array',
    fn: (args, ctx) => parseAndVerify(argString(args, 0), null, nowMs(ctx), true),
  },
  {
    name: 'crypto.x509.parse_and_verify_certificates_with_options',
    args: ['string', 'object'],
    result: 'array',
    fn: (args, ctx) => {
      const s = argString(args, 0);
      if (!isObject(args[1])) {
        throw new BuiltinError(`operand 2 must be object but got ${typeName(args[1])}`, 'eval_type_error');
      }
      return parseAndVerify(s, args[1], nowMs(ctx), false);
    },
  },
  {
    name: 'crypto.x509.parse_certificate_request',
    args: ['string'],
    result: 'object',
    fn: (args) => {
      const s = argString(args, 0);
      return guarded(() => {
        let bytes = s.startsWith('-----BEGIN CERTIFICATE REQUEST-----') ? Buffer.from(s, 'utf8') : b64StdDecode(s);
        const [block] = pemDecode(bytes);
        if (block && block.type !== 'CERTIFICATE REQUEST') fail('invalid PEM-encoded certificate signing request');
        if (block) bytes = block.bytes;
        return parseCertificateRequest(bytes);
      });
    },
  },
  {
    name: 'crypto.x509.parse_keypair',
    args: ['string', 'string'],
    result: 'object',
    fn: (args) => {
      const cert = args[0];
      const key = args[1];
      if (typeof cert !== 'string') throw new BuiltinError(`operand 1 must be string but got ${typeName(cert)}`, 'eval_type_error');
      if (typeof key !== 'string') throw new BuiltinError(`operand 1 must be string but got ${typeName(key)}`, 'eval_type_error');
      return guarded(() => x509KeyPair(pemOrBase64(cert, 'CERTIFICATE'), pemOrBase64(key, 'PRIVATE KEY')));
    },
  },
  {
    name: 'crypto.x509.parse_rsa_private_key',
    args: ['string'],
    result: 'object',
    fn: (args) => {
      let pem = argString(args, 0);
      if (pem === '') fail('input PEM data was empty');
      return guarded(() => {
        if (!pem.startsWith(BEGIN)) pem = b64StdDecode(pem).toString('utf8');
        const keys = privateKeysFromPEM(pem);
        return keys.length === 0 ? null : privateKeyJWK(keys[0]);
      });
    },
  },
  {
    name: 'crypto.parse_private_keys',
    args: ['string'],
    result: 'array',
    fn: (args) => {
      const pem = argString(args, 0);
      if (pem === '') return null;
      return guarded(() => privateKeysFromPEM(pem).map(privateKeyJSON));
    },
  },
];
