// uuid.rfc4122 (a random version 4 UUID, the same for the same argument within one evaluation)
// and uuid.parse (google/uuid's accepted forms; version, variant and, for versions 1 and 2,
// the decoded time, clock sequence, node id, and for version 2 the id and domain).

import { keyOf, normBig, type PlainObject, type Value } from '../value.js';
import { utf8 } from './gofmt.js';
import { argString, type BuiltinContext, type BuiltinDef } from './types.js';

function hex(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += bytes[i].toString(16).padStart(2, '0');
  return s;
}

export function newUUIDv4(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  b[8] = (b[8] & 0x3f) | 0x80;
  b[6] = (b[6] & 0x0f) | 0x40;
  return `${hex(b, 0, 4)}-${hex(b, 4, 6)}-${hex(b, 6, 8)}-${hex(b, 8, 10)}-${hex(b, 10, 16)}`;
}

function rfc4122(args: Value[], ctx: BuiltinContext): Value {
  const k = keyOf(args[0]);
  const memoKey = 'uuid.rfc4122\u0000' + (typeof k === 'string' ? k : String(k) + ':' + typeof k);
  const hit = ctx.memo.get(memoKey);
  if (hit !== undefined) return hit;
  const id = newUUIDv4();
  ctx.memo.set(memoKey, id);
  return id;
}

function xtob(a: number, b: number): number {
  const h = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);
  const x = h(a);
  const y = h(b);
  return x < 0 || y < 0 ? -1 : (x << 4) | y;
}

/** google/uuid.Parse: 36 chars, {…} (38), urn:uuid:… (45) or 32 hex digits. */
export function parseUUID(input: string): Uint8Array | undefined {
  let s = utf8(input);
  const out = new Uint8Array(16);
  switch (s.length) {
    case 36:
      break;
    case 45: {
      const prefix = new TextDecoder().decode(s.slice(0, 9));
      if (prefix.toLowerCase() !== 'urn:uuid:') return undefined;
      s = s.slice(9);
      break;
    }
    case 38:
      s = s.slice(1);
      break;
    case 32:
      for (let i = 0; i < 16; i++) {
        const v = xtob(s[2 * i], s[2 * i + 1]);
        if (v < 0) return undefined;
        out[i] = v;
      }
      return out;
    default:
      return undefined;
  }
  if (s[8] !== 0x2d || s[13] !== 0x2d || s[18] !== 0x2d || s[23] !== 0x2d) return undefined;
  const offsets = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
  for (let i = 0; i < 16; i++) {
    const v = xtob(s[offsets[i]], s[offsets[i] + 1]);
    if (v < 0) return undefined;
    out[i] = v;
  }
  return out;
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return 'RFC4122';
  if ((b & 0xe0) === 0xc0) return 'Microsoft';
  if ((b & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

function macVariables(b: number): string {
  if ((b & 3) === 3) return 'local:multicast';
  if ((b & 1) === 1) return 'global:multicast';
  if ((b & 2) === 2) return 'local:unicast';
  return 'global:unicast';
}

const G1582NS100 = 122192928000000000n;

function describe(u: Uint8Array): Value {
  const out = Object.create(null) as PlainObject;
  const version = u[6] >> 4;
  out.version = version;
  out.variant = variant(u[8]);
  if (version === 1 || version === 2) {
    const dv = new DataView(u.buffer, u.byteOffset, 16);
    let t = BigInt(dv.getUint32(0));
    t |= BigInt(dv.getUint16(4)) << 32n;
    t |= BigInt(dv.getUint16(6) & 0xfff) << 48n;
    const since = t - G1582NS100;
    const sec = since / 10000000n;
    const nsec = (since % 10000000n) * 100n;
    out.time = normBig(sec * 1000000000n + nsec);
    out.nodeid = Array.from(u.slice(10, 16), (b) => b.toString(16).padStart(2, '0')).join('-');
    out.macvariables = macVariables(u[10]);
    out.clocksequence = dv.getUint16(8) & 0x3fff;
    if (version === 2) {
      out.id = dv.getUint32(0);
      const d = u[9];
      out.domain = d === 0 ? 'Person' : d === 1 ? 'Group' : d === 2 ? 'Org' : `Domain${d}`;
    }
  }
  return out;
}

export const uuidBuiltins: BuiltinDef[] = [
  { name: 'uuid.rfc4122', args: ['string'], result: 'string', fn: rfc4122, nondeterministic: true },
  {
    name: 'uuid.parse',
    args: ['string'],
    result: 'object',
    fn: (args) => {
      const u = parseUUID(argString(args, 0));
      return u === undefined ? undefined : describe(u);
    },
  },
];
