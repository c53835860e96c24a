// time.*: nanosecond timestamps (exact, as bigint beyond 2^53), Go layouts and durations, and
// calendar arithmetic in IANA time zones. The Go semantics live in gotime.ts.

import { BuiltinError } from '../errors.js';
import { normBig, typeName, type Value } from '../value.js';
import { argString, type BuiltinDef } from './types.js';
import { addDate, civil, goDate, GoTimeError, loadZone, parseDuration, UTC, weekdayNames, type GoTime } from './gotime.js';
import { formatTime, namedLayouts, parseTime } from './golayout.js';

const MIN_NS = -(1n << 63n);
const MAX_NS = (1n << 63n) - 1n;
const NS = 1000000000n;

function builtinError(msg: string): never {
  throw new BuiltinError(msg, 'eval_builtin_error');
}

/** Runs f, turning Go time errors into builtin errors. */
function go<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GoTimeError) builtinError(e.message);
    throw e;
  }
}

function operandError(pos: number, expected: string, got: Value | undefined): never {
  throw new BuiltinError(`operand ${pos} must be ${expected} but got ${typeName(got)}`, 'eval_type_error');
}

/** OPA's toSafeUnixNano: the instant as an int64 of nanoseconds, or an error. */
function unixNano(t: GoTime): number | bigint {
  if (!Number.isSafeInteger(t.sec)) builtinError('time outside of valid range');
  const ns = BigInt(t.sec) * NS + BigInt(t.nsec);
  if (ns < MIN_NS || ns > MAX_NS) builtinError('time outside of valid range');
  return normBig(ns);
}

function fromUnixNano(ns: bigint, zone = UTC): GoTime {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    nsec += NS;
    sec -= 1n;
  }
  return { sec: Number(sec), nsec: Number(nsec), zone };
}

/** The exact int64 a number stands for, or OPA's "timestamp too big". */
function exactInt64(n: number | bigint): bigint {
  let b: bigint;
  if (typeof n === 'bigint') b = n;
  else if (Number.isInteger(n)) b = BigInt(n);
  else builtinError('timestamp too big');
  if (b < MIN_NS || b > MAX_NS) builtinError('timestamp too big');
  return b;
}

const tzExpected = 'either number (ns) or [number (ns), string (tz)]';

/** OPA's tzTime: `ns` or `[ns, tz]` or `[ns, tz, layout]`. */
function tzTime(a: Value | undefined): { t: GoTime; layout: string } {
  let n: Value | undefined;
  let zone = UTC;
  let layout = '';
  if (Array.isArray(a)) {
    if (a.length === 0) operandError(1, tzExpected, a);
    n = a[0];
    if (typeof n !== 'number' && typeof n !== 'bigint') operandError(1, 'number', n);
    if (a.length > 1) {
      const tz = a[1];
      if (typeof tz !== 'string') operandError(1, 'string', tz);
      zone = go(() => loadZone(tz));
    }
    if (a.length > 2) {
      const lay = a[2];
      if (typeof lay !== 'string') operandError(1, 'string', lay);
      layout = lay;
    }
  } else if (typeof a === 'number' || typeof a === 'bigint') {
    n = a;
  } else {
    operandError(1, tzExpected, a);
  }
  return { t: fromUnixNano(exactInt64(n as number | bigint), zone), layout };
}

function intOperand(args: Value[], i: number): number {
  const v = args[i];
  if (typeof v !== 'number' && typeof v !== 'bigint') operandError(i + 1, 'number', v);
  if (typeof v === 'number' && !Number.isInteger(v)) {
    throw new BuiltinError(`operand ${i + 1} must be integer number but got floating-point number`, 'eval_type_error');
  }
  return Number(v);
}

function diff(a: GoTime, b: GoTime): number[] {
  let t1 = a;
  let t2: GoTime = { ...b, zone: a.zone };
  if (t1.sec > t2.sec || (t1.sec === t2.sec && t1.nsec > t2.nsec)) [t1, t2] = [t2, t1];
  const c1 = civil(t1);
  const c2 = civil(t2);
  let year = c2.year - c1.year;
  let month = c2.month - c1.month;
  let day = c2.day - c1.day;
  let hour = c2.hour - c1.hour;
  let min = c2.minute - c1.minute;
  let sec = c2.second - c1.second;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    // Days in t1's month: the 32nd overflows into the next month by 32 - length.
    const overflow = civil(goDate(c1.year, c1.month, 32, 0, 0, 0, 0, UTC)).day;
    day += 32 - overflow;
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

export const timeBuiltins: BuiltinDef[] = [
  {
    name: 'time.now_ns',
    args: [],
    result: 'number',
    nondeterministic: true,
    fn: (_args, ctx) => normBig(ctx.nowNs()),
  },
  {
    name: 'time.parse_ns',
    args: ['string', 'string'],
    result: 'number',
    fn: (args) => {
      const layout = argString(args, 0);
      const value = argString(args, 1);
      return unixNano(go(() => parseTime(namedLayouts[layout] ?? layout, value)));
    },
  },
  {
    name: 'time.parse_rfc3339_ns',
    args: ['string'],
    result: 'number',
    fn: (args) => {
      const value = argString(args, 0);
      return unixNano(go(() => parseTime(namedLayouts.RFC3339, value)));
    },
  },
  {
    name: 'time.parse_duration_ns',
    args: ['string'],
    result: 'number',
    fn: (args) => {
      const s = argString(args, 0);
      return normBig(go(() => parseDuration(s)));
    },
  },
  {
    name: 'time.date',
    args: ['number|array'],
    result: 'array',
    fn: ([x]) => {
      const c = civil(tzTime(x).t);
      return [c.year, c.month, c.day];
    },
  },
  {
    name: 'time.clock',
    args: ['number|array'],
    result: 'array',
    fn: ([x]) => {
      const c = civil(tzTime(x).t);
      return [c.hour, c.minute, c.second];
    },
  },
  {
    name: 'time.weekday',
    args: ['number|array'],
    result: 'string',
    fn: ([x]) => weekdayNames[civil(tzTime(x).t).weekday],
  },
  {
    name: 'time.add_date',
    args: ['number', 'number', 'number', 'number'],
    result: 'number',
    fn: (args) => {
      const { t } = tzTime(args[0]);
      const years = intOperand(args, 1);
      const months = intOperand(args, 2);
      const days = intOperand(args, 3);
      return unixNano(addDate(t, years, months, days));
    },
  },
  {
    name: 'time.diff',
    args: ['number|array', 'number|array'],
    result: 'array',
    fn: ([a, b]) => diff(tzTime(a).t, tzTime(b).t),
  },
  {
    name: 'time.format',
    args: ['number|array'],
    result: 'string',
    fn: ([x]) => {
      const { t, layout } = tzTime(x);
      const lay = layout === '' ? namedLayouts.RFC3339Nano : (namedLayouts[layout] ?? layout);
      return formatTime(t, lay);
    },
  },
];
