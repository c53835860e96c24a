// io.jwt.*: JWS compact tokens. Decoding, signature verification with PEM certificates, PEM
// public keys, JWKs and JWK sets, full decode_verify with constraints, and signing from a JWK.
// All synchronous, on node:crypto.

import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  constants,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { BuiltinError } from '../errors.js';
import { compareNumbers, isObject, objectEntries, objectGet, typeName, type ObjectValue, type Value } from '../value.js';
import { argString, type BuiltinContext, type BuiltinDef } from './types.js';
import { b64RawURL, b64URLDecode, DecodeError, pemDecode } from './der.js';
import { isValidJSON, marshalJSON, parseJSON } from './gojson.js';
import { parseCertificates } from './x509.js';

function fail(msg: string): never {
  throw new BuiltinError(msg, 'eval_builtin_error');
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

// ---- Token structure ----

interface Token {
  header: string;
  payload: string;
  signature: string;
}

function splitToken(v: Value | undefined): Token {
  if (typeof v !== 'string') throw new BuiltinError(`operand 1 must be string but got ${typeName(v)}`, 'eval_type_error');
  if (!v.includes('.')) fail('encoded JWT had no period separators');
  const parts = v.split('.');
  if (parts.length !== 3) fail(`encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0], payload: parts[1], signature: parts[2] };
}

/** OPA's base64url.decode: padding restored as RFC 7515 Appendix C describes. */
function base64url(s: string): Buffer {
  let t = s;
  if (!t.endsWith('=')) {
    const r = t.length % 4;
    if (r === 1) throw new DecodeError(`illegal base64url string: ${s}`);
    if (r === 2) t += '==';
    else if (r === 3) t += '=';
  }
  return b64URLDecode(t);
}

function decodePart(part: string, what: string): Buffer {
  try {
    return base64url(part);
  } catch (e) {
    return fail(`JWT ${what} had invalid encoding: ${errorText(e)}`);
  }
}

function jsonObject(bytes: Buffer | string): ObjectValue {
  let v: Value;
  try {
    v = parseJSON(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (e) {
    return fail(`invalid JSON: ${errorText(e)}`);
  }
  if (!isObject(v)) fail('decoded JSON type was not an Object');
  return v;
}

function decodeHeader(t: Token): ObjectValue {
  const raw = decodePart(t.header, 'header');
  let header: ObjectValue;
  try {
    header = jsonObject(raw);
  } catch (e) {
    return fail(`bad JWT header: ${errorText(e)}`);
  }
  if (objectGet(header, 'enc') !== undefined) fail('JWT is a JWE object, which is not supported');
  return header;
}

function decodeSignature(t: Token): Buffer {
  try {
    return base64url(t.signature);
  } catch (e) {
    return fail(errorText(e));
  }
}

interface Header {
  alg: string;
  kid: string;
  cty: string;
  crit: Set<string>;
  unknown: string[];
}

function parseHeader(h: ObjectValue): Header {
  const out: Header = { alg: '', kid: '', cty: '', crit: new Set(), unknown: [] };
  for (const [k, v] of objectEntries(h)) {
    const key = k as string;
    if (key === 'alg' || key === 'kid' || key === 'typ' || key === 'cty') {
      if (typeof v !== 'string') fail(`${key}: must be a string`);
      if (key !== 'typ') out[key] = v;
    } else if (key === 'crit') {
      if (!Array.isArray(v)) fail('crit: must be a list');
      for (const x of v) if (typeof x === 'string') out.crit.add(x);
      if (out.crit.size === 0) fail('crit: must be a nonempty list');
    } else {
      out.unknown.push(key);
    }
  }
  return out;
}

const headerValid = (h: Header) => h.alg !== '' && !h.unknown.some((u) => h.crit.has(u));

// ---- Keys ----

const tokenAlgorithms = new Set([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'EdDSA',
]);

/** A verification key: an asymmetric public key or a symmetric secret. */
interface VerificationKey {
  key: KeyObject | Buffer;
  alg: string;
  kid: string;
}

/** A JWK as an asymmetric key or, for `oct`, the secret bytes. */
function jwkKey(jwk: Record<string, unknown>, purpose: 'public' | 'private'): KeyObject | Buffer {
  const kty = jwk.kty;
  if (typeof kty !== 'string') throw new Error('invalid key type: missing "kty"');
  if (kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new Error('required field k is missing');
    return Buffer.from(jwk.k, 'base64url');
  }
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') throw new Error(`invalid key type: ${kty}`);
  const key = jwk as JsonWebKey;
  return purpose === 'private' && typeof jwk.d === 'string'
    ? createPrivateKey({ key, format: 'jwk' })
    : createPublicKey({ key, format: 'jwk' });
}

/** jwk.Parse: a single JWK or a JWK set. */
function parseJWKs(text: string, purpose: 'public' | 'private'): { key: KeyObject | Buffer; alg: string; kid: string }[] {
  const doc = JSON.parse(text) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('invalid JWK');
  const list = Array.isArray((doc as { keys?: unknown }).keys) ? ((doc as { keys: unknown[] }).keys) : [doc];
  return list.map((j) => {
    if (typeof j !== 'object' || j === null) throw new Error('invalid JWK');
    const r = j as Record<string, unknown>;
    return {
      key: jwkKey(r, purpose),
      alg: typeof r.alg === 'string' ? r.alg : '',
      kid: typeof r.kid === 'string' ? r.kid : '',
    };
  });
}

/** OPA's getKeysFromCertOrJWK. */
function keysFromCertOrJWK(text: string): VerificationKey[] {
  const [block, rest] = pemDecode(Buffer.from(text, 'utf8'));
  if (block) {
    if (rest.length > 0) fail('extra data after a PEM certificate block');
    if (block.type === 'CERTIFICATE') {
      let pub: KeyObject | undefined;
      try {
        pub = parseCertificates(block.bytes)[0]?.publicKey;
      } catch (e) {
        fail(`failed to parse a PEM certificate: ${errorText(e)}`);
      }
      if (!pub) fail('failed to parse a PEM certificate: x509: unsupported public key');
      return [{ key: pub, alg: '', kid: '' }];
    }
    if (block.type === 'PUBLIC KEY') {
      try {
        return [{ key: createPublicKey({ key: block.bytes, format: 'der', type: 'spki' }), alg: '', kid: '' }];
      } catch (e) {
        fail(`failed to parse a PEM public key: ${errorText(e)}`);
      }
    }
    fail('failed to extract a Key from the PEM certificate');
  }
  let keys: VerificationKey[];
  try {
    keys = parseJWKs(text, 'public');
  } catch (e) {
    fail(`failed to parse a JWK key (set): ${errorText(e)}`);
  }
  return keys.filter((k) => k.alg === '' || tokenAlgorithms.has(k.alg));
}

// ---- Signatures ----

const hashes: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

const isKeyObject = (k: KeyObject | Buffer): k is KeyObject => !Buffer.isBuffer(k);
const keyType = (k: KeyObject | Buffer) => (isKeyObject(k) ? k.asymmetricKeyType : 'oct');

function hmacEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** jwsbb.Verify: the key's type must suit the algorithm; signatures in JWS (raw) form. */
function verifyJWS(key: KeyObject | Buffer, alg: string, data: Buffer, sig: Buffer): boolean {
  const hash = hashes[alg.slice(2)];
  try {
    switch (alg.slice(0, 2)) {
      case 'HS':
        return !isKeyObject(key) && hmacEqual(sig, createHmac(hash, key).update(data).digest());
      case 'RS':
        return keyType(key) === 'rsa' && cryptoVerify(hash, data, key as KeyObject, sig);
      case 'PS':
        return (
          (keyType(key) === 'rsa' || keyType(key) === 'rsa-pss') &&
          cryptoVerify(hash, data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig)
        );
      case 'ES':
        return keyType(key) === 'ec' && cryptoVerify(hash, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' }, sig);
      case 'Ed':
        return alg === 'EdDSA' && keyType(key) === 'ed25519' && cryptoVerify(null, data, key as KeyObject, sig);
    }
  } catch {
    return false;
  }
  return false;
}

/** DER of an ECDSA signature from r and s, as OPA splits a raw signature in halves. */
function ecdsaDER(sig: Buffer): Buffer {
  const int = (b: Buffer) => {
    let x = b;
    while (x.length > 1 && x[0] === 0) x = x.subarray(1);
    if (x.length === 0) x = Buffer.from([0]);
    if (x[0] & 0x80) x = Buffer.concat([Buffer.from([0]), x]);
    return Buffer.concat([Buffer.from([2]), derLength(x.length), x]);
  };
  const n = Math.floor(sig.length / 2);
  const body = Buffer.concat([int(sig.subarray(0, n)), int(sig.subarray(n))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 128) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 255);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

type Family = 'RS' | 'PS' | 'ES' | 'EdDSA';

/** The io.jwt.verify_* check of OPA's builtinJWTVerify for one key. */
function verifyLegacy(family: Family, hash: string, key: KeyObject | Buffer, data: Buffer, sig: Buffer): boolean {
  try {
    switch (family) {
      case 'RS':
        return keyType(key) === 'rsa' && cryptoVerify(hash, data, key as KeyObject, sig);
      case 'PS':
        return (
          keyType(key) === 'rsa' &&
          cryptoVerify(hash, data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig)
        );
      case 'ES':
        return keyType(key) === 'ec' && cryptoVerify(hash, data, { key: key as KeyObject, dsaEncoding: 'der' }, ecdsaDER(sig));
      case 'EdDSA':
        return keyType(key) === 'ed25519' && sig.length === 64 && cryptoVerify(null, data, key as KeyObject, sig);
    }
  } catch {
    return false;
  }
}

function verifyWithKeys(family: Family, hash: string, args: Value[]): boolean {
  const token = splitToken(args[0]);
  const keyText = args[1];
  if (typeof keyText !== 'string') {
    throw new BuiltinError(`operand 2 must be string but got ${typeName(keyText)}`, 'eval_type_error');
  }
  const keys = keysFromCertOrJWK(keyText);
  const sig = decodeSignature(token);
  const header = parseHeader(decodeHeader(token));
  const data = Buffer.from(`${token.header}.${token.payload}`, 'utf8');
  if (header.kid !== '') {
    const k = keys.find((x) => x.kid === header.kid);
    if (k) return verifyLegacy(family, hash, k.key, data, sig);
  }
  for (const k of keys) {
    if (k.alg !== '' && k.alg !== header.alg) continue;
    if (verifyLegacy(family, hash, k.key, data, sig)) return true;
  }
  return false;
}

function verifyHS(hash: string, args: Value[]): boolean {
  const jwt = argString(args, 0);
  const secret = argString(args, 1);
  const token = splitToken(jwt);
  const mac = createHmac(hash, Buffer.from(secret, 'utf8')).update(`${token.header}.${token.payload}`, 'utf8').digest();
  return hmacEqual(decodeSignature(token), mac);
}

// ---- decode ----

function decode(jwt: Value | undefined): Value {
  const token = splitToken(jwt);
  const header = decodeHeader(token);
  const payloadBytes = decodePart(token.payload, 'payload');
  const cty = objectGet(header, 'cty');
  if (cty === 'JWT') {
    const inner = payloadBytes.toString('utf8').replace(/^["']+|["']+$/g, '');
    return decode(inner);
  }
  const payload = jsonObject(payloadBytes);
  let sig: Buffer;
  try {
    sig = base64url(token.signature);
  } catch (e) {
    return fail(`JWT signature had invalid encoding: ${errorText(e)}`);
  }
  return [header, payload, sig.toString('hex')];
}

// ---- decode_verify ----

interface Constraints {
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  keys: VerificationKey[] | null;
  time: number;
}

function parseConstraints(o: ObjectValue, ctx: BuiltinContext): Constraints {
  const c: Constraints = { secret: '', alg: '', iss: '', aud: '', keys: null, time: -1 };
  const timeOf = (v: Value | undefined): number => {
    if (typeof v !== 'number' && typeof v !== 'bigint') fail('token time constraint: must be a number');
    const f = Number(v);
    if (f < 0) fail('token time constraint: must not be negative');
    return f;
  };
  for (const [k, v] of objectEntries(o)) {
    const name = String(k);
    switch (name) {
      case 'cert':
        if (typeof v !== 'string') fail('cert constraint: must be a string');
        c.keys = keysFromCertOrJWK(v);
        break;
      case 'secret':
      case 'alg':
      case 'iss':
      case 'aud':
        if (typeof v !== 'string') fail(`${name} constraint: must be a string`);
        c[name] = v;
        break;
      case 'time':
        c.time = timeOf(v);
        break;
      default:
        fail(`unknown token validation constraint: ${name}`);
    }
  }
  if (c.time === -1) c.time = timeOf(Number(ctx.nowNs()));
  const keys = (c.keys !== null ? 1 : 0) + (c.secret !== '' ? 1 : 0);
  if (keys > 1) fail('duplicate key constraints');
  if (keys < 1) fail('no key constraint');
  return c;
}

function signatureOK(c: Constraints, header: Header, token: Token, sig: Buffer): boolean {
  const data = Buffer.from(`${token.header}.${token.payload}`, 'utf8');
  if (c.keys !== null) {
    if (header.kid !== '') {
      const k = c.keys.find((x) => x.kid === header.kid);
      if (k) return verifyJWS(k.key, header.alg, data, sig);
    }
    return c.keys.some((k) => (k.alg === '' || k.alg === header.alg) && verifyJWS(k.key, header.alg, data, sig));
  }
  return verifyJWS(Buffer.from(c.secret, 'utf8'), header.alg, data, sig);
}

function validAudience(c: Constraints, aud: Value): boolean {
  if (typeof aud === 'string') return aud === c.aud;
  return Array.isArray(aud) && aud.some((x) => typeof x === 'string' && x === c.aud);
}

const UNVERIFIED: Value = [false, {}, {}];

function decodeVerify(args: Value[], ctx: BuiltinContext): Value {
  const opts = args[1];
  if (!isObject(opts)) throw new BuiltinError(`operand 2 must be object but got ${typeName(opts)}`, 'eval_type_error');
  const c = parseConstraints(opts, ctx);
  let jwt: Value | undefined = args[0];
  let token: Token;
  let header: ObjectValue;
  let payloadBytes: Buffer;
  for (;;) {
    token = splitToken(jwt);
    header = decodeHeader(token);
    const h = parseHeader(header);
    if (!headerValid(h)) return UNVERIFIED;
    if (c.alg !== '' && c.alg !== h.alg) return UNVERIFIED;
    const sig = decodeSignature(token);
    if (!signatureOK(c, h, token, sig)) return UNVERIFIED;
    payloadBytes = decodePart(token.payload, 'payload');
    if (h.cty.toUpperCase() === 'JWT') {
      jwt = payloadBytes.toString('utf8');
      continue;
    }
    break;
  }
  const payload = jsonObject(payloadBytes);
  if (c.iss !== '') {
    const iss = objectGet(payload, 'iss');
    if (iss === undefined || iss !== c.iss) return UNVERIFIED;
  }
  const aud = objectGet(payload, 'aud');
  if (aud !== undefined ? !validAudience(c, aud) : c.aud !== '') return UNVERIFIED;
  const now = c.time / 1e9;
  const exp = objectGet(payload, 'exp');
  if (exp !== undefined) {
    if (typeof exp !== 'number' && typeof exp !== 'bigint') fail('exp value must be a number');
    if (compareNumbers(now, exp) !== -1) return UNVERIFIED;
  }
  const nbf = objectGet(payload, 'nbf');
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' && typeof nbf !== 'bigint') fail('nbf value must be a number');
    if (compareNumbers(now, nbf) === -1) return UNVERIFIED;
  }
  return [true, header, payload];
}

// ---- Signing ----

/** jwsbb.HeaderParse + HeaderGetString: fastjson's lenient reading of the header. */
function headerString(headers: string, name: string): string {
  if (headers.trim() === '') throw new Error('cannot parse JSON: cannot parse empty string; unparsed tail: ""');
  let v: Value;
  try {
    v = parseJSON(headers);
  } catch (e) {
    // fastjson accepts anything number-like as a (lazily parsed) number.
    if (/^\s*[{["]/.test(headers)) throw new Error(`cannot parse JSON: ${errorText(e)}`);
    v = null;
  }
  const x = isObject(v) ? objectGet(v, name) : undefined;
  if (typeof x !== 'string') throw new Error(`jwsbb: header "${name}" not found`);
  return x;
}

function signJWS(key: KeyObject | Buffer, alg: string, data: Buffer): Buffer {
  const hash = hashes[alg.slice(2)];
  const family = alg.slice(0, 2);
  const type = keyType(key);
  const bad = () => fail(`failed to sign payload: invalid key type ${type} for algorithm ${alg}`);
  switch (family) {
    case 'HS':
      if (isKeyObject(key)) bad();
      return createHmac(hash, key as Buffer).update(data).digest();
    case 'RS':
      if (type !== 'rsa') bad();
      return cryptoSign(hash, data, key as KeyObject);
    case 'PS':
      if (type !== 'rsa') bad();
      return cryptoSign(hash, data, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    case 'ES':
      if (type !== 'ec') bad();
      return cryptoSign(hash, data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
    default:
      if (type !== 'ed25519') bad();
      return cryptoSign(null, data, key as KeyObject);
  }
}

function encodeSign(headers: string, payload: string, jwk: string): string {
  let keys: { key: KeyObject | Buffer }[];
  try {
    keys = parseJWKs(jwk, 'private');
  } catch (e) {
    return fail(`failed to parse JWK: ${errorText(e)}`);
  }
  if (keys.length === 0) fail('no keys found in JWK set');
  let alg: string;
  try {
    alg = headerString(headers, 'alg');
  } catch (e) {
    return fail(`missing or invalid 'alg' header: ${errorText(e)}`);
  }
  if (!tokenAlgorithms.has(alg)) fail(`unknown JWS algorithm: ${alg}`);
  let typ: string | undefined;
  try {
    typ = headerString(headers, 'typ');
  } catch {
    typ = undefined;
  }
  if ((typ === undefined || typ === 'JWT') && !isValidJSON(payload)) fail('type is JWT but payload is not JSON');
  const signingInput = `${b64RawURL(Buffer.from(headers, 'utf8'))}.${b64RawURL(Buffer.from(payload, 'utf8'))}`;
  const sig = signJWS(keys[0].key, alg, Buffer.from(signingInput, 'utf8'));
  return `${signingInput}.${b64RawURL(sig)}`;
}

// ---- Definitions ----

function rsaLike(name: string, family: Family, bits: string): BuiltinDef {
  return {
    name,
    args: ['string', 'string'],
    result: 'boolean',
    fn: (args) => verifyWithKeys(family, hashes[bits], args),
  };
}

export const tokensBuiltins: BuiltinDef[] = [
  { name: 'io.jwt.decode', args: ['string'], result: 'array', fn: ([t]) => decode(t) },
  { name: 'io.jwt.decode_verify', args: ['string', 'object'], result: 'array', fn: decodeVerify },
  { name: 'io.jwt.verify_hs256', args: ['string', 'string'], result: 'boolean', fn: (a) => verifyHS('sha256', a) },
  { name: 'io.jwt.verify_hs384', args: ['string', 'string'], result: 'boolean', fn: (a) => verifyHS('sha384', a) },
  { name: 'io.jwt.verify_hs512', args: ['string', 'string'], result: 'boolean', fn: (a) => verifyHS('sha512', a) },
  rsaLike('io.jwt.verify_rs256', 'RS', '256'),
  rsaLike('io.jwt.verify_rs384', 'RS', '384'),
  rsaLike('io.jwt.verify_rs512', 'RS', '512'),
  rsaLike('io.jwt.verify_ps256', 'PS', '256'),
  rsaLike('io.jwt.verify_ps384', 'PS', '384'),
  rsaLike('io.jwt.verify_ps512', 'PS', '512'),
  rsaLike('io.jwt.verify_es256', 'ES', '256'),
  rsaLike('io.jwt.verify_es384', 'ES', '384'),
  rsaLike('io.jwt.verify_es512', 'ES', '512'),
  rsaLike('io.jwt.verify_eddsa', 'EdDSA', '256'),
  {
    name: 'io.jwt.encode_sign',
    args: ['object', 'object', 'object'],
    result: 'string',
    nondeterministic: true,
    fn: ([h, p, k]) => encodeSign(marshalJSON(h), marshalJSON(p), marshalJSON(k)),
  },
  {
    name: 'io.jwt.encode_sign_raw',
    args: ['string', 'string', 'string'],
    result: 'string',
    nondeterministic: true,
    fn: (args) => {
      const jwk = argString(args, 2);
      const headers = argString(args, 0);
      const payload = argString(args, 1);
      return encodeSign(headers, payload, jwk);
    },
  },
];

