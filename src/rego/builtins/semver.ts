// semver.is_valid and semver.compare as OPA's internal semver package parses versions: an
// optional leading "v", major.minor.patch as int64 numbers, then optional -pre.release and
// +build identifiers ([0-9A-Za-z-] dot-separated). Build metadata does not affect ordering.

import { BuiltinError } from '../errors.js';
import { goQuote } from './gofmt.js';
import { argString, type BuiltinDef } from './types.js';

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
}

const identifiers = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const INT64_MAX = (1n << 63n) - 1n;

function cut(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

/** strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v > INT64_MAX || v < -INT64_MAX - 1n ? undefined : v;
}

export function parseSemver(input: string): Version | undefined {
  let v = input.startsWith('v') ? input.slice(1) : input;
  let meta: string;
  let pre: string;
  [v, meta] = cut(v, '+');
  if (meta !== '' && !identifiers.test(meta)) return undefined;
  [v, pre] = cut(v, '-');
  if (pre !== '' && !identifiers.test(pre)) return undefined;
  const parts = v.split('.');
  if (parts.length !== 3) return undefined;
  const [major, minor, patch] = parts.map(parseInt64);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  return { major, minor, patch, pre };
}

const isNumeric = (s: string) => s !== '' && /^[0-9]+$/.test(s);

export function compareSemver(a: Version, b: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) {
    if (a[k] !== b[k]) return a[k] > b[k] ? 1 : -1;
  }
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  const xs = a.pre.split('.');
  const ys = b.pre.split('.');
  for (let i = 0; ; i++) {
    if (i >= xs.length || i >= ys.length) return xs.length === ys.length ? 0 : xs.length < ys.length ? -1 : 1;
    const x = xs[i];
    const y = ys[i];
    const xn = isNumeric(x);
    const yn = isNumeric(y);
    if (xn && !yn) return -1;
    if (!xn && yn) return 1;
    if (xn && yn) {
      const c = BigInt(x) - BigInt(y);
      if (c !== 0n) return c > 0n ? 1 : -1;
    } else if (x !== y) return x > y ? 1 : -1;
  }
}

export const semverBuiltins: BuiltinDef[] = [
  {
    name: 'semver.is_valid',
    args: ['any'],
    result: 'boolean',
    fn: (args) => typeof args[0] === 'string' && parseSemver(args[0]) !== undefined,
  },
  {
    name: 'semver.compare',
    args: ['string', 'string'],
    result: 'number',
    fn: (args) => {
      const a = argString(args, 0);
      const b = argString(args, 1);
      const va = parseSemver(a);
      if (!va) throw new BuiltinError(`operand 1: string ${goQuote(a)} is not a valid SemVer`);
      const vb = parseSemver(b);
      if (!vb) throw new BuiltinError(`operand 2: string ${goQuote(b)} is not a valid SemVer`);
      return compareSemver(va, vb);
    },
  },
];
