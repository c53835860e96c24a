// Byte-level encodings shared by the crypto and token builtins, with Go's exact behaviour and
// error messages: encoding/base64 (StdEncoding and RawURLEncoding), encoding/pem's Decode, and
// a small DER reader for X.509 structures.

export class DecodeError extends Error {}

// ---- base64 (Go's encoding/base64) ----

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function decodeMap(alphabet: string): Int16Array {
  const m = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) m[alphabet.charCodeAt(i)] = i;
  return m;
}
const stdMap = decodeMap(STD);
const urlMap = decodeMap(URL);

const corrupt = (at: number) => new DecodeError(`illegal base64 data at input byte ${at}`);

/**
 * Go's Encoding.Decode: CR and LF are skipped, padding is required unless `padded` is false,
 * trailing garbage and bad padding fail with "illegal base64 data at input byte N".
 */
function goDecode(src: Uint8Array, map: Int16Array, padded: boolean, strict: boolean): Buffer {
  const out: number[] = [];
  let si = 0;
  for (;;) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailing: DecodeError | null = null;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out);
        if (j === 1 || padded) throw corrupt(si - j);
        dlen = j;
        break;
      }
      const c = src[si++];
      const v = map[c];
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (c === 10 || c === 13) {
        j--;
        continue;
      }
      if (!padded || c !== 61) throw corrupt(si - 1);
      if (j < 2) throw corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && (src[si] === 10 || src[si] === 13)) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== 61) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && (src[si] === 10 || src[si] === 13)) si++;
      if (si < src.length) trailing = corrupt(si);
      dlen = j;
      break;
    }
    const val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
    const b0 = (val >> 16) & 255;
    const b1 = (val >> 8) & 255;
    const b2 = val & 255;
    if (dlen >= 2) out.push(b0);
    if (dlen >= 3) out.push(b1);
    if (dlen === 4) out.push(b2);
    if (strict && ((dlen === 3 && b2 !== 0) || (dlen === 2 && (b1 !== 0 || b2 !== 0)))) {
      throw corrupt(si - (dlen === 3 ? 1 : 2));
    }
    if (trailing) throw trailing;
    if (dlen < 4) return Buffer.from(out);
  }
}

const utf8 = (s: string | Uint8Array) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s);

/** base64.StdEncoding.DecodeString. */
export function b64StdDecode(s: string | Uint8Array): Buffer {
  return goDecode(utf8(s), stdMap, true, false);
}

/** base64.RawURLEncoding.DecodeString (no padding accepted). */
export function b64RawURLDecode(s: string | Uint8Array): Buffer {
  return goDecode(utf8(s), urlMap, false, false);
}

/** base64.URLEncoding (padded) decoding. */
export function b64URLDecode(s: string | Uint8Array): Buffer {
  return goDecode(utf8(s), urlMap, true, false);
}

export const b64Std = (b: Uint8Array) => Buffer.from(b).toString('base64');
export const b64RawURL = (b: Uint8Array) => Buffer.from(b).toString('base64url');

// ---- PEM (Go's encoding/pem Decode) ----

export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  bytes: Buffer;
}

function getLine(data: Buffer): [Buffer, Buffer] {
  let i = data.indexOf(10);
  let j: number;
  if (i < 0) {
    i = data.length;
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] === 13) i--;
  }
  let end = i;
  while (end > 0 && (data[end - 1] === 32 || data[end - 1] === 9)) end--;
  return [data.subarray(0, end), data.subarray(j)];
}

const PEM_START = Buffer.from('\n-----BEGIN ');
const PEM_END = Buffer.from('\n-----END ');
const DASHES = Buffer.from('-----');

const startsWith = (b: Buffer, p: Buffer) => b.length >= p.length && b.subarray(0, p.length).equals(p);
const endsWith = (b: Buffer, p: Buffer) => b.length >= p.length && b.subarray(b.length - p.length).equals(p);

/** pem.Decode: the first valid block and the rest, or [null, data]. */
export function pemDecode(input: Uint8Array): [PemBlock | null, Buffer] {
  const data = Buffer.from(input);
  let rest: Buffer = data;
  for (;;) {
    if (startsWith(rest, PEM_START.subarray(1))) {
      rest = rest.subarray(PEM_START.length - 1);
    } else {
      const at = rest.indexOf(PEM_START);
      if (at < 0) return [null, data];
      rest = rest.subarray(at + PEM_START.length);
    }
    let typeLine: Buffer;
    [typeLine, rest] = getLine(rest);
    if (!endsWith(typeLine, DASHES)) continue;
    typeLine = typeLine.subarray(0, typeLine.length - DASHES.length);
    const headers: Record<string, string> = {};
    let exhausted = false;
    for (;;) {
      if (rest.length === 0) {
        exhausted = true;
        break;
      }
      const [line, next] = getLine(rest);
      const colon = line.indexOf(58);
      if (colon < 0) break;
      headers[line.subarray(0, colon).toString().trim()] = line.subarray(colon + 1).toString().trim();
      rest = next;
    }
    if (exhausted) return [null, data];
    let endIndex: number;
    let endTrailerIndex: number;
    if (Object.keys(headers).length === 0 && startsWith(rest, PEM_END.subarray(1))) {
      endIndex = 0;
      endTrailerIndex = PEM_END.length - 1;
    } else {
      endIndex = rest.indexOf(PEM_END);
      endTrailerIndex = endIndex + PEM_END.length;
    }
    if (endIndex < 0) continue;
    let endTrailer = rest.subarray(endTrailerIndex);
    const trailerLen = typeLine.length + DASHES.length;
    if (endTrailer.length < trailerLen) continue;
    const restOfEndLine = endTrailer.subarray(trailerLen);
    endTrailer = endTrailer.subarray(0, trailerLen);
    if (!startsWith(endTrailer, typeLine) || !endsWith(endTrailer, DASHES)) continue;
    if (getLine(restOfEndLine)[0].length !== 0) continue;
    const body = Buffer.from([...rest.subarray(0, endIndex)].filter((c) => c !== 32 && c !== 9));
    let bytes: Buffer;
    try {
      bytes = b64StdDecode(body);
    } catch {
      continue;
    }
    const after = getLine(rest.subarray(endIndex + PEM_END.length - 1))[1];
    return [{ type: typeLine.toString(), headers, bytes }, after];
  }
}

/** pem.Encode of a block without headers. */
export function pemEncode(type: string, bytes: Uint8Array): string {
  const b64 = b64Std(bytes);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${type}-----\n`;
}

// ---- DER ----

export interface Tlv {
  /** Class (0 universal, 1 application, 2 context, 3 private) and constructed bit. */
  cls: number;
  constructed: boolean;
  tag: number;
  /** Contents. */
  value: Buffer;
  /** The whole element including tag and length. */
  raw: Buffer;
}

export const TAG = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  UTF8: 12,
  SEQUENCE: 16,
  SET: 17,
  PRINTABLE: 19,
  T61: 20,
  IA5: 22,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
  BMP: 30,
  NUMERIC: 18,
} as const;

/** Reads one DER element at `offset`; throws DecodeError on malformed or truncated input. */
export function readTlv(buf: Buffer, offset = 0): [Tlv, number] {
  if (offset + 2 > buf.length) throw new DecodeError('truncated tag or length');
  const first = buf[offset];
  let tag = first & 0x1f;
  let p = offset + 1;
  if (tag === 0x1f) {
    tag = 0;
    for (;;) {
      if (p >= buf.length) throw new DecodeError('truncated tag');
      const b = buf[p++];
      tag = tag * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
  }
  if (p >= buf.length) throw new DecodeError('truncated length');
  let len = buf[p++];
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DecodeError('unsupported length');
    len = 0;
    for (let i = 0; i < n; i++) {
      if (p >= buf.length) throw new DecodeError('truncated length');
      len = len * 256 + buf[p++];
    }
  }
  if (p + len > buf.length) throw new DecodeError('data truncated');
  const value = buf.subarray(p, p + len);
  return [{ cls: first >> 6, constructed: (first & 0x20) !== 0, tag, value, raw: buf.subarray(offset, p + len) }, p + len];
}

/** The elements inside a constructed value. */
export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < t.value.length) {
    const [c, next] = readTlv(t.value, p);
    out.push(c);
    p = next;
  }
  return out;
}

/** Reads exactly one element filling `buf`. */
export function parseDer(buf: Buffer): Tlv {
  const [t, end] = readTlv(buf, 0);
  if (end !== buf.length) throw new DecodeError('trailing data');
  return t;
}

export function expect(t: Tlv | undefined, tag: number, cls = 0): Tlv {
  if (!t || t.tag !== tag || t.cls !== cls) throw new DecodeError('unexpected tag');
  return t;
}

export function oidParts(t: Tlv): number[] {
  const v = t.value;
  if (v.length === 0) throw new DecodeError('empty OID');
  const parts: number[] = [];
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    n = n * 128 + (v[i] & 0x7f);
    if (!(v[i] & 0x80)) {
      if (parts.length === 0) {
        const first = n < 80 ? Math.floor(n / 40) : 2;
        parts.push(first, n - first * 40);
      } else {
        parts.push(n);
      }
      n = 0;
    }
  }
  return parts;
}

export const oidString = (t: Tlv) => oidParts(t).join('.');

/** A two's-complement INTEGER as bigint. */
export function integer(t: Tlv): bigint {
  const v = t.value;
  if (v.length === 0) throw new DecodeError('empty integer');
  let n = BigInt('0x' + (v.toString('hex') || '0'));
  if (v[0] & 0x80) n -= 1n << BigInt(v.length * 8);
  return n;
}

export function bitStringBytes(t: Tlv): Buffer {
  if (t.value.length === 0) throw new DecodeError('empty bit string');
  return t.value.subarray(1);
}

/** The string types Go's x509 accepts in names. */
export function asn1String(t: Tlv): string {
  switch (t.tag) {
    case TAG.UTF8:
    case TAG.PRINTABLE:
    case TAG.IA5:
    case TAG.NUMERIC:
      return t.value.toString('utf8');
    case TAG.T61:
      return t.value.toString('latin1');
    case TAG.BMP: {
      let s = '';
      for (let i = 0; i + 1 < t.value.length; i += 2) s += String.fromCharCode(t.value.readUInt16BE(i));
      return s;
    }
    default:
      throw new DecodeError(`unsupported string type: ${t.tag}`);
  }
}

/** UTCTime or GeneralizedTime as an ISO-8601 (Go RFC3339Nano) string in UTC. */
export function asn1Time(t: Tlv): { iso: string; ms: number } {
  const s = t.value.toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  let rest: string;
  if (t.tag === TAG.UTC_TIME) {
    m = /^(\d\d)(\d{10})Z$/.exec(s);
    if (!m) throw new DecodeError('malformed UTCTime');
    year = Number(m[1]);
    year += year >= 50 ? 1900 : 2000;
    rest = m[2];
  } else if (t.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d{4})(\d{10})Z$/.exec(s);
    if (!m) throw new DecodeError('malformed GeneralizedTime');
    year = Number(m[1]);
    rest = m[2];
  } else {
    throw new DecodeError('malformed time');
  }
  const [mo, d, h, mi, se] = [0, 2, 4, 6, 8].map((i) => Number(rest.slice(i, i + 2)));
  const ms = Date.UTC(year, mo - 1, d, h, mi, se);
  const two = (n: number) => String(n).padStart(2, '0');
  return { iso: `${String(year).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(se)}Z`, ms };
}
