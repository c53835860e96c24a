// net.*: CIDR arithmetic and address lookup with Go's net package semantics. Addresses are
// 128-bit bigints; IPv4 lives in the IPv4-mapped range ::ffff:0:0/96 as Go's 16-byte form does,
// and, as in Go, an IPv4 network only ever contains IPv4 addresses and an IPv6 network only IPv6.

import { BuiltinError } from '../errors.js';
import { objectEntries, RSet, typeName, type Value } from '../value.js';
import type { BuiltinContext, BuiltinDef } from './types.js';

const V4_PREFIX = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;
/** net.cidr_expand refuses to build sets larger than this (OPA would run until cancelled). */
export const CIDR_EXPAND_LIMIT = 1 << 20;

interface Net {
  /** First address (masked), in the 128-bit space. */
  base: bigint;
  /** Prefix length in the 128-bit space (IPv4 /n is 96 + n). */
  prefix: number;
}

const isV4 = (a: bigint) => a >> 32n === 0xffffn;
const hostMask = (prefix: number) => (1n << BigInt(128 - prefix)) - 1n;
const last = (n: Net) => n.base | hostMask(n.prefix);

function fail(msg: string): never {
  throw new BuiltinError(msg, 'eval_builtin_error');
}

// ---- Parsing (netip.ParseAddr rules: no leading zeros in IPv4 octets, no zones here) ----

function parseV4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(s: string): bigint | null {
  let head = s;
  let tail = '';
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    head = s.slice(0, dbl);
    tail = s.slice(dbl + 2);
    if (tail.includes('::')) return null;
  }
  const groups = (part: string): bigint[] | null => {
    if (part === '') return [];
    const out: bigint[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (i === fields.length - 1 && f.includes('.')) {
        const v4 = parseV4(f);
        if (v4 === null) return null;
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(f)) return null;
        out.push(BigInt('0x' + f));
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (h === null || t === null) return null;
  // An embedded IPv4 address may only end the address.
  if (dbl >= 0 && head.includes('.')) return null;
  const n = h.length + t.length;
  if (dbl >= 0 ? n > 7 : n !== 8) return null;
  const all = [...h, ...Array<bigint>(8 - n).fill(0n), ...t];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** net.ParseIP: an address or null. */
export function parseIP(s: string): bigint | null {
  if (s.includes(':')) return parseV6(s);
  const v4 = parseV4(s);
  return v4 === null ? null : V4_PREFIX | v4;
}

/** net.ParseCIDR; throws Go's "invalid CIDR address". */
export function parseCIDR(s: string): { ip: bigint; net: Net } {
  const slash = s.indexOf('/');
  const bad = () => fail(`invalid CIDR address: ${s}`);
  if (slash < 0) bad();
  const addr = s.slice(0, slash);
  const mask = s.slice(slash + 1);
  const ip = parseIP(addr);
  if (ip === null) bad();
  const plainV4 = !addr.includes(':');
  const bits = plainV4 ? 32 : 128;
  if (!/^\d+$/.test(mask) || mask.length > 7) bad();
  const n = Number(mask);
  if (n > bits) bad();
  const prefix = plainV4 ? 96 + n : n;
  return { ip: ip as bigint, net: { base: (ip as bigint) & (ALL ^ hostMask(prefix)), prefix } };
}

// ---- Formatting (net.IP.String and net.IPNet.String) ----

export function ipString(a: bigint): string {
  if (isV4(a)) {
    const v = Number(a & 0xffffffffn);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  }
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((a >> BigInt(i * 16)) & 0xffffn));
  // The first longest run of two or more zero groups becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return hex(g.slice(0, bestStart)) + '::' + hex(g.slice(bestStart + bestLen));
}

function netString(n: Net): string {
  if (isV4(n.base)) return `${ipString(n.base)}/${Math.max(0, n.prefix - 96)}`;
  return `${ipString(n.base)}/${n.prefix}`;
}

/** IPNet.Contains: families must agree, then the prefix bits. */
function contains(n: Net, ip: bigint): boolean {
  if (isV4(n.base) !== isV4(ip)) return false;
  const shift = BigInt(128 - n.prefix);
  return n.base >> shift === ip >> shift;
}

// ---- Builtins ----

function netOperand(v: Value | undefined): Net {
  if (typeof v !== 'string') {
    throw new BuiltinError(`operand 1 must be string but got ${typeName(v)}`, 'eval_type_error');
  }
  return parseCIDR(v).net;
}

function cidrContains(a: Value | undefined, b: Value | undefined): boolean {
  const netA = netOperand(a);
  if (typeof b !== 'string') {
    throw new BuiltinError(`operand 1 must be string but got ${typeName(b)}`, 'eval_type_error');
  }
  const ip = parseIP(b);
  if (ip !== null) return contains(netA, ip);
  let netB: Net;
  try {
    netB = parseCIDR(b).net;
  } catch {
    fail(`not a valid textual representation of an IP address or CIDR: ${b}`);
  }
  return contains(netA, netB.base) && contains(netA, last(netB));
}

/** The (cidr, index) pairs of a cidr_contains_matches operand. */
function matchOperand(operand: number, v: Value): [Value, Value][] {
  const elem = (x: Value): Value => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && x.length > 0) return x[0];
    return fail(`operand ${operand}: element must be string or non-empty array`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [elem(x), i]);
  if (v instanceof RSet) return v.sorted().map((x) => [elem(x), x]);
  if (v !== null && typeof v === 'object') return objectEntries(v).map(([k, x]) => [elem(x), k]);
  return [];
}

/** Addresses net.cidr_expand adds between two charges to the evaluation budget. */
const EXPAND_CHUNK = 1024;
/** Budget units per address: formatting and adding one costs about as much as 8 evaluation steps. */
const EXPAND_UNITS = 8;
const EXPAND_MASK = BigInt(EXPAND_CHUNK - 1);

function expand(s: Value | undefined, ctx: BuiltinContext): RSet {
  if (typeof s !== 'string') {
    throw new BuiltinError(`operand 1 must be string but got ${typeName(s)}`, 'eval_type_error');
  }
  const { net } = parseCIDR(s);
  const hostBits = isV4(net.base) ? 128 - Math.max(net.prefix, 96) : 128 - net.prefix;
  const count = 1n << BigInt(hostBits);
  if (count > BigInt(CIDR_EXPAND_LIMIT)) {
    throw new BuiltinError(
      `CIDR ${s} has too many addresses to expand (${count} > ${CIDR_EXPAND_LIMIT})`,
      'eval_builtin_error',
      true,
    );
  }
  const out = new RSet();
  for (let i = 0n; i < count; i++) {
    if ((i & EXPAND_MASK) === 0n) ctx.charge(EXPAND_UNITS * Math.min(EXPAND_CHUNK, Number(count - i)));
    out.add(ipString(net.base + i));
  }
  return out;
}

interface Range {
  first: bigint;
  last: bigint;
  /** The input's own text form while the range is not merged with another. */
  text?: string;
}

/** Go's IP.DefaultMask: classful prefix length of an IPv4 address. */
function classfulPrefix(ip: bigint): number {
  const top = Number((ip >> 24n) & 0xffn);
  return top < 0x80 ? 8 : top < 0xc0 ? 16 : 24;
}

function mergeRange(v: Value): Range {
  if (typeof v !== 'string') fail('element must be string');
  const ip = parseIP(v);
  if (ip === null) {
    const { net } = parseCIDR(v);
    return { first: net.base, last: last(net), text: netString(net) };
  }
  if (!isV4(ip)) fail('IPv6 invalid: needs prefix length');
  const prefix = 96 + classfulPrefix(ip);
  const base = ip & (ALL ^ hostMask(prefix));
  // Go keeps the unmasked address in this IPNet, so it prints as e.g. 192.0.2.112/24.
  return { first: base, last: base | hostMask(prefix), text: `${ipString(ip)}/${prefix - 96}` };
}

/** The minimal list of CIDR blocks covering [first, last]. */
function rangeToCIDRs(first: bigint, lastIP: bigint): string[] {
  const out: string[] = [];
  let cur = first;
  for (;;) {
    let size = 0;
    while (size < 128) {
      const next = size + 1;
      const block = 1n << BigInt(next);
      if ((cur & (block - 1n)) !== 0n || cur + block - 1n > lastIP) break;
      size = next;
    }
    out.push(netString({ base: cur, prefix: 128 - size }));
    const end = cur + (1n << BigInt(size)) - 1n;
    if (end >= lastIP) break;
    cur = end + 1n;
  }
  return out;
}

function cidrMerge(v: Value | undefined): RSet {
  let items: Value[];
  if (Array.isArray(v)) items = v;
  else if (v instanceof RSet) items = v.sorted();
  else fail('operand must be an array');
  let ranges = items.map(mergeRange);
  ranges.sort((a, b) => (a.last < b.last ? -1 : a.last > b.last ? 1 : a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  for (let i = ranges.length - 1; i > 0; i--) {
    const cur = ranges[i];
    const prev = ranges[i - 1];
    const floor = isV4(cur.first) ? V4_PREFIX : 0n;
    const before = cur.first === floor ? cur.first : cur.first - 1n;
    if (before <= prev.last) {
      ranges[i - 1] = { first: prev.first < cur.first ? prev.first : cur.first, last: cur.last };
      ranges = ranges.slice(0, i).concat(ranges.slice(i + 1));
    }
  }
  const out = new RSet();
  for (const r of ranges) {
    if (r.text !== undefined) out.add(r.text);
    else for (const c of rangeToCIDRs(r.first, r.last)) out.add(c);
  }
  return out;
}

function lookupIPAddr(name: string, ctx: Parameters<BuiltinDef['fn']>[1]): RSet {
  const pct = name.indexOf('%');
  const literal = parseIP(pct >= 0 && name.includes(':') ? name.slice(0, pct) : name);
  if (literal !== null) return new RSet([ipString(literal) + (pct >= 0 && name.includes(':') ? name.slice(pct) : '')]);
  const key = 'net.lookup_ip_addr\u0000' + name;
  const hit = ctx.memo.get(key);
  if (hit !== undefined) return hit as RSet;
  let addrs: string[];
  const lookup = ctx.host.lookupIP;
  if (lookup) {
    try {
      addrs = lookup(name);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
  } else if (name === 'localhost' || name.endsWith('.localhost')) {
    // RFC 6761: localhost names are loopback without asking DNS.
    addrs = ['127.0.0.1', '::1'];
  } else {
    fail(`lookup ${name}: no resolver configured`);
  }
  const out = new RSet();
  for (const a of addrs) {
    const ip = parseIP(a);
    out.add(ip === null ? a : ipString(ip));
  }
  ctx.memo.set(key, out);
  return out;
}

export const netBuiltins: BuiltinDef[] = [
  {
    name: 'net.cidr_contains',
    args: ['string', 'string'],
    result: 'boolean',
    fn: ([a, b]) => cidrContains(a, b),
  },
  {
    name: 'net.cidr_intersects',
    args: ['string', 'string'],
    result: 'boolean',
    fn: ([a, b]) => {
      const na = netOperand(a);
      const nb = netOperand(b);
      return contains(na, nb.base) || contains(nb, na.base);
    },
  },
  {
    name: 'net.cidr_contains_matches',
    args: ['string|array|object|set', 'string|array|object|set'],
    result: 'set',
    fn: ([a, b]) => {
      const out = new RSet();
      for (const [c1, i1] of matchOperand(1, a)) {
        for (const [c2, i2] of matchOperand(2, b)) {
          if (cidrContains(c1, c2)) out.add([i1, i2]);
        }
      }
      return out;
    },
  },
  { name: 'net.cidr_expand', args: ['string'], result: 'set', fn: ([s], ctx) => expand(s, ctx) },
  { name: 'net.cidr_merge', args: ['array|set'], result: 'set', fn: ([v]) => cidrMerge(v) },
  {
    name: 'net.cidr_is_valid',
    args: ['string'],
    result: 'boolean',
    fn: ([s]) => {
      if (typeof s !== 'string') return false;
      try {
        parseCIDR(s);
        return true;
      } catch {
        return false;
      }
    },
  },
  {
    name: 'net.cidr_overlap',
    args: ['string', 'string'],
    result: 'boolean',
    deprecated: true,
    fn: ([a, b]) => cidrContains(a, b),
  },
  {
    name: 'net.lookup_ip_addr',
    args: ['string'],
    result: 'set',
    nondeterministic: true,
    fn: ([name], ctx) => {
      if (typeof name !== 'string') {
        throw new BuiltinError(`operand 1 must be string but got ${typeName(name)}`, 'eval_type_error');
      }
      return lookupIPAddr(name, ctx);
    },
  },
];
