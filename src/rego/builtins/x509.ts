// X.509 certificates, certificate requests and private keys as OPA returns them: Go's
// x509.Certificate / x509.CertificateRequest / key structs marshalled to JSON (byte slices as
// base64, big integers as numbers, times as RFC 3339). Chain verification follows the parts of
// Go's Certificate.Verify that matter for explicit roots: issuer links, signatures, validity
// periods, CA flags, path lengths, extended key usage, host names and weak signature algorithms.

import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { normBig, type Value } from '../value.js';
import {
  asn1String,
  asn1Time,
  b64Std,
  bitStringBytes,
  children,
  DecodeError,
  expect,
  integer,
  oidParts,
  oidString,
  parseDer,
  readTlv,
  TAG,
  type Tlv,
} from './der.js';
import { ipString, parseIP } from './net.js';

export class X509Error extends Error {}

const CTX = 2;

// ---- Algorithm and usage tables (Go's enums) ----

const signatureAlgorithms: Record<string, [number, string]> = {
  '1.2.840.113549.1.1.2': [1, 'MD2-RSA'],
  '1.2.840.113549.1.1.4': [2, 'MD5-RSA'],
  '1.2.840.113549.1.1.5': [3, 'SHA1-RSA'],
  '1.3.14.3.2.29': [3, 'SHA1-RSA'],
  '1.2.840.113549.1.1.11': [4, 'SHA256-RSA'],
  '1.2.840.113549.1.1.12': [5, 'SHA384-RSA'],
  '1.2.840.113549.1.1.13': [6, 'SHA512-RSA'],
  '1.2.840.10040.4.3': [7, 'DSA-SHA1'],
  '2.16.840.1.101.3.4.3.2': [8, 'DSA-SHA256'],
  '1.2.840.10045.4.1': [9, 'ECDSA-SHA1'],
  '1.2.840.10045.4.3.2': [10, 'ECDSA-SHA256'],
  '1.2.840.10045.4.3.3': [11, 'ECDSA-SHA384'],
  '1.2.840.10045.4.3.4': [12, 'ECDSA-SHA512'],
  '1.3.101.112': [16, 'Ed25519'],
};
const pssHashes: Record<string, number> = {
  '2.16.840.1.101.3.4.2.1': 13,
  '2.16.840.1.101.3.4.2.2': 14,
  '2.16.840.1.101.3.4.2.3': 15,
};
const publicKeyAlgorithms: Record<string, number> = {
  '1.2.840.113549.1.1.1': 1,
  '1.2.840.10040.4.1': 2,
  '1.2.840.10045.2.1': 3,
  '1.3.101.112': 4,
};
const extKeyUsages: Record<string, number> = {
  '2.5.29.37.0': 0,
  '1.3.6.1.5.5.7.3.1': 1,
  '1.3.6.1.5.5.7.3.2': 2,
  '1.3.6.1.5.5.7.3.3': 3,
  '1.3.6.1.5.5.7.3.4': 4,
  '1.3.6.1.5.5.7.3.5': 5,
  '1.3.6.1.5.5.7.3.6': 6,
  '1.3.6.1.5.5.7.3.7': 7,
  '1.3.6.1.5.5.7.3.8': 8,
  '1.3.6.1.5.5.7.3.9': 9,
  '1.3.6.1.4.1.311.10.3.3': 10,
  '2.16.840.1.113730.4.1': 11,
  '1.3.6.1.4.1.311.2.1.22': 12,
  '1.3.6.1.4.1.311.61.1.1': 13,
};
/** Names OPA accepts in parse_and_verify_certificates_with_options' KeyUsages. */
export const keyUsageNames: Record<string, number> = {
  KeyUsageAny: 0,
  KeyUsageServerAuth: 1,
  KeyUsageClientAuth: 2,
  KeyUsageCodeSigning: 3,
  KeyUsageEmailProtection: 4,
  KeyUsageIPSECEndSystem: 5,
  KeyUsageIPSECTunnel: 6,
  KeyUsageIPSECUser: 7,
  KeyUsageTimeStamping: 8,
  KeyUsageOCSPSigning: 9,
  KeyUsageMicrosoftServerGatedCrypto: 10,
  KeyUsageNetscapeServerGatedCrypto: 11,
  KeyUsageMicrosoftCommercialCodeSigning: 12,
  KeyUsageMicrosoftKernelCodeSigning: 13,
};

function signatureAlgorithm(algId: Tlv): number {
  const parts = children(algId);
  const oid = oidString(expect(parts[0], TAG.OID));
  if (oid === '1.2.840.113549.1.1.10') {
    // RSASSA-PSS: the hash is in the parameters' [0] element.
    try {
      const params = children(parts[1]);
      const hashAlg = params.find((p) => p.cls === CTX && p.tag === 0);
      const hashOid = hashAlg ? oidString(children(children(hashAlg)[0])[0]) : '1.3.14.3.2.26';
      return pssHashes[hashOid] ?? 0;
    } catch {
      return 0;
    }
  }
  return signatureAlgorithms[oid]?.[0] ?? 0;
}

// ---- Names ----

const nameFields: Record<number, string> = {
  6: 'Country',
  7: 'Locality',
  8: 'Province',
  9: 'StreetAddress',
  10: 'Organization',
  11: 'OrganizationalUnit',
  17: 'PostalCode',
};

/** pkix.Name filled from an RDNSequence. */
function parseName(t: Tlv): Record<string, Value> {
  const name: Record<string, Value> = {
    Country: null,
    Organization: null,
    OrganizationalUnit: null,
    Locality: null,
    Province: null,
    StreetAddress: null,
    PostalCode: null,
    SerialNumber: '',
    CommonName: '',
    Names: null,
    ExtraNames: null,
  };
  const names: Value[] = [];
  for (const rdn of children(expect(t, TAG.SEQUENCE))) {
    for (const atv of children(expect(rdn, TAG.SET))) {
      const [typ, val] = children(expect(atv, TAG.SEQUENCE));
      const oid = oidParts(expect(typ, TAG.OID));
      let value: string;
      try {
        value = asn1String(val);
      } catch (e) {
        throw new X509Error(`x509: invalid RDNSequence: invalid attribute value: ${(e as Error).message}`);
      }
      names.push({ Type: oid, Value: value });
      if (oid.length === 4 && oid[0] === 2 && oid[1] === 5 && oid[2] === 4) {
        if (oid[3] === 3) name.CommonName = value;
        else if (oid[3] === 5) name.SerialNumber = value;
        else if (nameFields[oid[3]]) {
          const field = nameFields[oid[3]];
          name[field] = [...((name[field] as Value[] | null) ?? []), value];
        }
      }
    }
  }
  if (names.length) name.Names = names;
  return name;
}

// ---- Public keys ----

const bigFromB64url = (s: string | undefined): Value => normBig(BigInt('0x' + (Buffer.from(s ?? '', 'base64url').toString('hex') || '0')));

/** A Go public key value marshalled to JSON. */
function publicKeyJSON(key: KeyObject): Value {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') {
    const jwk = key.export({ format: 'jwk' });
    return b64Std(Buffer.from(jwk.x ?? '', 'base64url'));
  }
  if (type === 'rsa' || type === 'rsa-pss') {
    const jwk = key.export({ format: 'jwk' });
    return { N: bigFromB64url(jwk.n), E: bigFromB64url(jwk.e) };
  }
  if (type === 'ec') {
    const jwk = key.export({ format: 'jwk' });
    return { Curve: {}, X: bigFromB64url(jwk.x), Y: bigFromB64url(jwk.y) };
  }
  return null;
}

function spkiInfo(spki: Tlv): { algorithm: number; key: Value; keyObject?: KeyObject } {
  const algId = children(expect(spki, TAG.SEQUENCE))[0];
  const algorithm = publicKeyAlgorithms[oidString(children(algId)[0])] ?? 0;
  if (algorithm === 0) return { algorithm, key: null };
  try {
    const keyObject = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' });
    return { algorithm, key: publicKeyJSON(keyObject), keyObject };
  } catch {
    throw new X509Error('x509: failed to parse public key');
  }
}

// ---- Extensions ----

interface GeneralNames {
  DNSNames: string[];
  EmailAddresses: string[];
  IPAddresses: string[];
  URIs: string[];
}

function parseGeneralNames(seq: Tlv, out: GeneralNames): void {
  for (const gn of children(seq)) {
    if (gn.cls !== CTX) continue;
    const text = () => gn.value.toString('latin1');
    switch (gn.tag) {
      case 1:
        out.EmailAddresses.push(text());
        break;
      case 2:
        out.DNSNames.push(text());
        break;
      case 6:
        out.URIs.push(text());
        break;
      case 7: {
        if (gn.value.length !== 4 && gn.value.length !== 16) {
          throw new X509Error(`x509: cannot parse IP address of length ${gn.value.length}`);
        }
        const hex = gn.value.toString('hex');
        const ip = gn.value.length === 4 ? (0xffffn << 32n) | BigInt('0x' + hex) : BigInt('0x' + hex);
        out.IPAddresses.push(ipString(ip));
        break;
      }
    }
  }
}

/** url.URL marshalled to JSON, from Go's url.Parse of the common `scheme://host/path?q#f` form. */
function urlJSON(s: string): Value {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/.exec(s);
  const u: Record<string, Value> = {
    Scheme: '', Opaque: '', User: null, Host: '', Path: '', RawPath: '', OmitHost: false,
    ForceQuery: false, RawQuery: '', Fragment: '', RawFragment: '',
  };
  let rest = s;
  if (m) {
    u.Scheme = m[1].toLowerCase();
    rest = m[2];
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    u.Fragment = decodeURIComponentSafe(rest.slice(hash + 1));
    rest = rest.slice(0, hash);
  }
  const q = rest.indexOf('?');
  if (q >= 0) {
    u.RawQuery = rest.slice(q + 1);
    u.ForceQuery = q === rest.length - 1;
    rest = rest.slice(0, q);
  }
  if (m && !rest.startsWith('/')) {
    u.Opaque = rest;
    return u;
  }
  if (rest.startsWith('//')) {
    rest = rest.slice(2);
    const slash = rest.indexOf('/');
    let authority = slash >= 0 ? rest.slice(0, slash) : rest;
    rest = slash >= 0 ? rest.slice(slash) : '';
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      u.User = {};
      authority = authority.slice(at + 1);
    }
    u.Host = authority;
  }
  u.Path = decodeURIComponentSafe(rest);
  return u;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const handledExtensions = new Set([
  '2.5.29.15', '2.5.29.19', '2.5.29.17', '2.5.29.30', '2.5.29.37', '2.5.29.32',
  '2.5.29.14', '2.5.29.35', '2.5.29.31', '1.3.6.1.5.5.7.1.1', '2.5.29.36', '2.5.29.54', '2.5.29.33',
]);

function applyExtensions(exts: Tlv[], cert: Record<string, Value>): void {
  const names: GeneralNames = { DNSNames: [], EmailAddresses: [], IPAddresses: [], URIs: [] };
  const extensions: Value[] = [];
  const unhandled: Value[] = [];
  const extKeyUsage: number[] = [];
  const unknownEKU: Value[] = [];
  for (const ext of exts) {
    const parts = children(expect(ext, TAG.SEQUENCE));
    const id = expect(parts[0], TAG.OID);
    let critical = false;
    let valueTlv = parts[1];
    if (valueTlv?.tag === TAG.BOOLEAN) {
      critical = valueTlv.value[0] !== 0;
      valueTlv = parts[2];
    }
    const value = expect(valueTlv, TAG.OCTET_STRING).value;
    const oid = oidString(id);
    extensions.push({ Id: oidParts(id), Critical: critical, Value: b64Std(value) });
    if (critical && !handledExtensions.has(oid)) unhandled.push(oidParts(id));
    const inner = () => parseDer(Buffer.from(value));
    switch (oid) {
      case '2.5.29.15': {
        const bits = bitStringBytes(inner());
        let usage = 0;
        for (let i = 0; i < 9; i++) if (bits[i >> 3] !== undefined && bits[i >> 3] & (0x80 >> (i & 7))) usage |= 1 << i;
        cert.KeyUsage = usage;
        break;
      }
      case '2.5.29.19': {
        const seq = children(inner());
        let i = 0;
        let isCA = false;
        let maxPathLen = -1;
        if (seq[i]?.tag === TAG.BOOLEAN) isCA = seq[i++].value[0] !== 0;
        if (seq[i]?.tag === TAG.INTEGER) maxPathLen = Number(integer(seq[i]));
        cert.IsCA = isCA;
        cert.MaxPathLen = maxPathLen;
        cert.BasicConstraintsValid = true;
        cert.MaxPathLenZero = maxPathLen === 0;
        break;
      }
      case '2.5.29.17':
        parseGeneralNames(inner(), names);
        break;
      case '2.5.29.37':
        for (const u of children(inner())) {
          const o = oidString(u);
          if (o in extKeyUsages) extKeyUsage.push(extKeyUsages[o]);
          else unknownEKU.push(oidParts(u));
        }
        break;
      case '2.5.29.14':
        cert.SubjectKeyId = b64Std(inner().value);
        break;
      case '2.5.29.35': {
        const kid = children(inner()).find((c) => c.cls === CTX && c.tag === 0);
        if (kid) cert.AuthorityKeyId = b64Std(kid.value);
        break;
      }
      case '2.5.29.31': {
        const urls: string[] = [];
        for (const dp of children(inner())) {
          const dpName = children(dp).find((c) => c.cls === CTX && c.tag === 0);
          const full = dpName && children(dpName).find((c) => c.cls === CTX && c.tag === 0);
          if (full) for (const gn of children(full)) if (gn.cls === CTX && gn.tag === 6) urls.push(gn.value.toString('latin1'));
        }
        if (urls.length) cert.CRLDistributionPoints = urls;
        break;
      }
      case '1.3.6.1.5.5.7.1.1': {
        const ocsp: string[] = [];
        const issuers: string[] = [];
        for (const ad of children(inner())) {
          const [method, loc] = children(ad);
          if (loc?.cls !== CTX || loc.tag !== 6) continue;
          const m = oidString(method);
          if (m === '1.3.6.1.5.5.7.48.1') ocsp.push(loc.value.toString('latin1'));
          else if (m === '1.3.6.1.5.5.7.48.2') issuers.push(loc.value.toString('latin1'));
        }
        if (ocsp.length) cert.OCSPServer = ocsp;
        if (issuers.length) cert.IssuingCertificateURL = issuers;
        break;
      }
      case '2.5.29.32': {
        const ids = children(inner()).map((p) => oidParts(children(p)[0]));
        cert.PolicyIdentifiers = ids;
        cert.Policies = ids.map((o) => o.join('.'));
        break;
      }
      case '2.5.29.30':
        applyNameConstraints(inner(), critical, cert);
        break;
    }
  }
  if (extensions.length) cert.Extensions = extensions;
  if (unhandled.length) cert.UnhandledCriticalExtensions = unhandled;
  if (extKeyUsage.length) cert.ExtKeyUsage = extKeyUsage;
  if (unknownEKU.length) cert.UnknownExtKeyUsage = unknownEKU;
  for (const k of ['DNSNames', 'EmailAddresses', 'IPAddresses'] as const) if (names[k].length) cert[k] = names[k];
  if (names.URIs.length) {
    cert.URIs = names.URIs.map(urlJSON);
    cert.__uriStrings = names.URIs;
  }
}

function applyNameConstraints(t: Tlv, critical: boolean, cert: Record<string, Value>): void {
  cert.PermittedDNSDomainsCritical = critical;
  for (const sub of children(t)) {
    const kind = sub.tag === 0 ? 'Permitted' : 'Excluded';
    const dns: string[] = [];
    const emails: string[] = [];
    const uris: string[] = [];
    const ips: Value[] = [];
    for (const subtree of children(sub)) {
      const base = children(subtree)[0];
      if (!base || base.cls !== CTX) continue;
      const text = base.value.toString('latin1');
      if (base.tag === 2) dns.push(text);
      else if (base.tag === 1) emails.push(text);
      else if (base.tag === 6) uris.push(text);
      else if (base.tag === 7) ips.push({ IP: b64Std(base.value.subarray(0, base.value.length / 2)), Mask: b64Std(base.value.subarray(base.value.length / 2)) });
    }
    if (dns.length) cert[`${kind}DNSDomains`] = dns;
    if (emails.length) cert[`${kind}EmailAddresses`] = emails;
    if (uris.length) cert[`${kind}URIDomains`] = uris;
    if (ips.length) cert[`${kind}IPRanges`] = ips;
  }
}

// ---- Certificates ----

/** A parsed certificate: its Go JSON shape plus what verification needs. */
export interface Cert {
  json: Record<string, Value>;
  uriStrings: string[] | null;
  raw: Buffer;
  rawSubject: Buffer;
  rawIssuer: Buffer;
  notBeforeMs: number;
  notAfterMs: number;
  signatureAlgorithm: number;
  publicKey?: KeyObject;
}

function certTemplate(): Record<string, Value> {
  const j: Record<string, Value> = {};
  for (const k of [
    'ExtraExtensions', 'UnhandledCriticalExtensions', 'ExtKeyUsage', 'UnknownExtKeyUsage', 'SubjectKeyId',
    'AuthorityKeyId', 'OCSPServer', 'IssuingCertificateURL', 'DNSNames', 'EmailAddresses', 'IPAddresses',
    'URIs', 'PermittedDNSDomains', 'ExcludedDNSDomains', 'PermittedIPRanges', 'ExcludedIPRanges',
    'PermittedEmailAddresses', 'ExcludedEmailAddresses', 'PermittedURIDomains', 'ExcludedURIDomains',
    'CRLDistributionPoints', 'PolicyIdentifiers', 'Policies', 'PolicyMappings', 'Extensions',
  ]) j[k] = null;
  Object.assign(j, {
    KeyUsage: 0, BasicConstraintsValid: false, IsCA: false, MaxPathLen: 0, MaxPathLenZero: false,
    PermittedDNSDomainsCritical: false, InhibitAnyPolicy: 0, InhibitAnyPolicyZero: false,
    InhibitPolicyMapping: 0, InhibitPolicyMappingZero: false, RequireExplicitPolicy: 0,
    RequireExplicitPolicyZero: false,
  });
  return j;
}

function parseOneCertificate(der: Buffer): Cert {
  let top: Tlv[];
  try {
    top = children(expect(parseDer(der), TAG.SEQUENCE));
  } catch {
    throw new X509Error('x509: malformed certificate');
  }
  try {
    const [tbs, sigAlg, sigValue] = top;
    expect(tbs, TAG.SEQUENCE);
    const f = children(tbs);
    let i = 0;
    let version = 0;
    if (f[i]?.cls === CTX && f[i].tag === 0) version = Number(integer(children(f[i++])[0]));
    if (version < 0 || version > 2) throw new X509Error('x509: invalid version');
    const serial = integer(expect(f[i++], TAG.INTEGER));
    i++; // inner signature algorithm
    const issuer = expect(f[i++], TAG.SEQUENCE);
    const validity = children(expect(f[i++], TAG.SEQUENCE));
    const subject = expect(f[i++], TAG.SEQUENCE);
    const spki = expect(f[i++], TAG.SEQUENCE);
    const notBefore = asn1Time(validity[0]);
    const notAfter = asn1Time(validity[1]);
    const pk = spkiInfo(spki);
    const json = certTemplate();
    Object.assign(json, {
      Raw: b64Std(der),
      RawTBSCertificate: b64Std(tbs.raw),
      RawSubjectPublicKeyInfo: b64Std(spki.raw),
      RawSubject: b64Std(subject.raw),
      RawIssuer: b64Std(issuer.raw),
      Signature: b64Std(bitStringBytes(expect(sigValue, TAG.BIT_STRING))),
      SignatureAlgorithm: signatureAlgorithm(expect(sigAlg, TAG.SEQUENCE)),
      PublicKeyAlgorithm: pk.algorithm,
      PublicKey: pk.key,
      Version: version + 1,
      SerialNumber: normBig(serial),
      Issuer: parseName(issuer),
      Subject: parseName(subject),
      NotBefore: notBefore.iso,
      NotAfter: notAfter.iso,
    });
    for (; i < f.length; i++) {
      if (f[i].cls === CTX && f[i].tag === 3) applyExtensions(children(expect(children(f[i])[0], TAG.SEQUENCE)), json);
    }
    const uriStrings = (json.__uriStrings as string[] | undefined) ?? null;
    delete json.__uriStrings;
    return {
      json,
      uriStrings,
      raw: der,
      rawSubject: subject.raw,
      rawIssuer: issuer.raw,
      notBeforeMs: notBefore.ms,
      notAfterMs: notAfter.ms,
      signatureAlgorithm: json.SignatureAlgorithm as number,
      publicKey: pk.keyObject,
    };
  } catch (e) {
    if (e instanceof X509Error) throw e;
    throw new X509Error('x509: malformed tbs certificate');
  }
}

/** x509.ParseCertificates: concatenated DER certificates. */
export function parseCertificates(der: Buffer): Cert[] {
  const out: Cert[] = [];
  let p = 0;
  while (p < der.length) {
    let end: number;
    try {
      end = readTlv(der, p)[1];
    } catch {
      throw new X509Error('x509: malformed certificate');
    }
    out.push(parseOneCertificate(der.subarray(p, end)));
    p = end;
  }
  return out;
}

/** The certificate as OPA returns it from crypto.x509.parse_certificates (with URIStrings). */
export function certificateValue(c: Cert, withURIStrings = true): Value {
  return withURIStrings ? { ...c.json, URIStrings: c.uriStrings } : c.json;
}

// ---- Certificate requests ----

/** x509.ParseCertificateRequest marshalled to JSON. */
export function parseCertificateRequest(der: Buffer): Value {
  // As encoding/asn1: the tag is checked before the length.
  if (der.length >= 2 && der[0] !== 0x30) {
    const b = der[0];
    const len = der[1] & 0x80 ? '?' : String(der[1]);
    throw new X509Error(
      `asn1: structure error: tags don't match (16 vs {class:${b >> 6} tag:${b & 0x1f} length:${len} isCompound:${(b & 0x20) !== 0}}) {optional:false explicit:false application:false private:false defaultValue:<nil> tag:<nil> stringType:0 timeType:0 set:false omitEmpty:false} certificateRequest @2`,
    );
  }
  let top: Tlv;
  try {
    [top] = readTlv(der, 0);
  } catch {
    throw new X509Error('asn1: syntax error: data truncated');
  }
  try {
    const [info, sigAlg, sigValue] = children(top);
    const f = children(expect(info, TAG.SEQUENCE));
    const version = Number(integer(expect(f[0], TAG.INTEGER)));
    const subject = expect(f[1], TAG.SEQUENCE);
    const spki = expect(f[2], TAG.SEQUENCE);
    const pk = spkiInfo(spki);
    const json: Record<string, Value> = {
      Raw: b64Std(top.raw),
      RawTBSCertificateRequest: b64Std(info.raw),
      RawSubjectPublicKeyInfo: b64Std(spki.raw),
      RawSubject: b64Std(subject.raw),
      Version: version,
      Signature: b64Std(bitStringBytes(expect(sigValue, TAG.BIT_STRING))),
      SignatureAlgorithm: signatureAlgorithm(expect(sigAlg, TAG.SEQUENCE)),
      PublicKeyAlgorithm: pk.algorithm,
      PublicKey: pk.key,
      Subject: parseName(subject),
      Attributes: null,
      Extensions: null,
      ExtraExtensions: null,
      DNSNames: null,
      EmailAddresses: null,
      IPAddresses: null,
      URIs: null,
    };
    const attrs = f[3] && f[3].cls === CTX && f[3].tag === 0 ? children(f[3]) : [];
    const attributes: Value[] = [];
    for (const attr of attrs) {
      const [typ, values] = children(attr);
      const sets: Value[] = [];
      const exts: Tlv[] = [];
      for (const v of children(values)) {
        const atvs: Value[] = [];
        for (const e of children(v)) {
          const ep = children(e);
          atvs.push({ Type: oidParts(ep[0]), Value: ep[1].tag === TAG.BOOLEAN ? ep[1].value[0] !== 0 : b64Std(ep[1].value) });
          exts.push(e);
        }
        sets.push(atvs);
      }
      attributes.push({ Type: oidParts(typ), Value: sets });
      if (oidString(typ) === '1.2.840.113549.1.9.14') {
        const tmp = certTemplate();
        applyExtensions(exts, tmp);
        for (const k of ['Extensions', 'DNSNames', 'EmailAddresses', 'IPAddresses', 'URIs'] as const) json[k] = tmp[k];
      }
    }
    if (attributes.length) json.Attributes = attributes;
    return json;
  } catch (e) {
    if (e instanceof X509Error) throw e;
    throw new X509Error('x509: malformed certificate request');
  }
}

// ---- Private keys ----

export type KeyFormat = 'pkcs1' | 'pkcs8' | 'sec1';

/** Parses a DER private key the way x509.ParsePKCS1/PKCS8/ECPrivateKey do, with Go's hints. */
export function parsePrivateKey(der: Buffer, format: KeyFormat): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type: format });
  } catch {
    const other = (['pkcs8', 'pkcs1', 'sec1'] as KeyFormat[]).find((f) => {
      if (f === format) return false;
      try {
        createPrivateKey({ key: der, format: 'der', type: f });
        return true;
      } catch {
        return false;
      }
    });
    const hint: Record<KeyFormat, string> = { pkcs1: 'ParsePKCS1PrivateKey', pkcs8: 'ParsePKCS8PrivateKey', sec1: 'ParseECPrivateKey' };
    if (other) throw new X509Error(`x509: failed to parse private key (use ${hint[other]} instead for this key format)`);
    if (format === 'pkcs8') throw new X509Error('x509: failed to parse private key');
    throw new X509Error(`x509: failed to parse ${format === 'sec1' ? 'EC' : 'RSA'} private key`);
  }
}

/** A Go private key struct (rsa, ecdsa, ed25519) marshalled to JSON. */
export function privateKeyJSON(key: KeyObject): Value {
  const jwk = key.export({ format: 'jwk' });
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return {
        N: bigFromB64url(jwk.n),
        E: bigFromB64url(jwk.e),
        D: bigFromB64url(jwk.d),
        Primes: [bigFromB64url(jwk.p), bigFromB64url(jwk.q)],
        Precomputed: { Dp: bigFromB64url(jwk.dp), Dq: bigFromB64url(jwk.dq), Qinv: bigFromB64url(jwk.qi), CRTValues: [] },
      };
    case 'ec':
      return { Curve: {}, X: bigFromB64url(jwk.x), Y: bigFromB64url(jwk.y), D: bigFromB64url(jwk.d) };
    case 'ed25519':
      return b64Std(Buffer.concat([Buffer.from(jwk.d ?? '', 'base64url'), Buffer.from(jwk.x ?? '', 'base64url')]));
    default:
      return null;
  }
}

/** The key as OPA's internal jwk package marshals it. */
export function privateKeyJWK(key: KeyObject): Value {
  const jwk = key.export({ format: 'jwk' }) as Record<string, unknown>;
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(jwk)) if (typeof v === 'string') out[k] = v;
  return out;
}

// ---- Verification ----

export interface VerifyOptions {
  dnsName?: string;
  currentTimeMs: number;
  keyUsages: number[];
}

const weakAlgorithms = new Set([1, 2, 3, 7, 9]);

function matchesHost(c: Cert, host: string): boolean {
  let h = host;
  if (h.length >= 3 && h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const ip = parseIP(h);
  if (ip !== null) return ((c.json.IPAddresses as string[] | null) ?? []).some((a) => parseIP(a) === ip);
  const name = host.toLowerCase().replace(/\.$/, '');
  for (const pattern of (c.json.DNSNames as string[] | null) ?? []) {
    const p = pattern.toLowerCase().replace(/\.$/, '');
    if (p === name) return true;
    if (p.startsWith('*.')) {
      const dot = name.indexOf('.');
      if (dot > 0 && name.slice(dot + 1) === p.slice(2)) return true;
    }
  }
  return false;
}

function usagesAllowed(chain: Cert[], requested: number[]): boolean {
  if (requested.includes(0)) return true;
  const usages = [...requested];
  let remaining = usages.length;
  for (let i = chain.length - 1; i >= 0; i--) {
    const eku = (chain[i].json.ExtKeyUsage as number[] | null) ?? [];
    const unknown = (chain[i].json.UnknownExtKeyUsage as Value[] | null) ?? [];
    if (eku.length === 0 && unknown.length === 0) continue;
    if (eku.includes(0)) continue;
    for (let j = 0; j < usages.length; j++) {
      if (usages[j] === -1 || eku.includes(usages[j])) continue;
      usages[j] = -1;
      if (--remaining === 0) return false;
    }
  }
  return true;
}

function signedBy(child: Cert, parent: Cert): boolean {
  if (!child.rawIssuer.equals(parent.rawSubject) || !parent.publicKey) return false;
  if (weakAlgorithms.has(child.signatureAlgorithm)) return false;
  try {
    return new X509Certificate(child.raw).verify(parent.publicKey);
  } catch {
    return false;
  }
}

/**
 * OPA's verifyX509CertificateChain: certs[0] is the root, the last is the leaf, the rest are
 * intermediates. Returns the chain leaf-first, or null when it does not verify.
 */
export function verifyChain(certs: Cert[], opts: VerifyOptions): Cert[] | null {
  const root = certs[0];
  const leaf = certs[certs.length - 1];
  const intermediates = certs.slice(1, -1);
  const now = opts.currentTimeMs;
  const timeOK = (c: Cert) => now >= c.notBeforeMs && now <= c.notAfterMs;
  if (((leaf.json.UnhandledCriticalExtensions as Value[] | null) ?? []).length > 0) return null;
  if (!timeOK(leaf)) return null;
  if (opts.dnsName !== undefined && opts.dnsName !== '' && !matchesHost(leaf, opts.dnsName)) return null;

  const pathLenOK = (c: Cert, chain: Cert[]) => {
    const max = c.json.MaxPathLen as number;
    return !(c.json.BasicConstraintsValid && max >= 0 && chain.length - 1 > max);
  };
  const search = (chain: Cert[]): Cert[] | null => {
    const cur = chain[chain.length - 1];
    if (signedBy(cur, root) && timeOK(root) && pathLenOK(root, chain)) {
      const full = [...chain, root];
      if (usagesAllowed(full, opts.keyUsages)) return full;
    }
    for (const c of intermediates) {
      if (chain.includes(c) || !signedBy(cur, c) || !timeOK(c)) continue;
      if (!c.json.BasicConstraintsValid || !c.json.IsCA || !pathLenOK(c, chain)) continue;
      const found = search([...chain, c]);
      if (found) return found;
    }
    return null;
  };
  return search([leaf]);
}

export { DecodeError };
