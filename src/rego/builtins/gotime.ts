// Go's time package, as far as OPA's time.* builtins expose it: the civil calendar, time zones
// (through Intl) and time.ParseDuration. Layouts are in golayout.ts. Error messages are Go's,
// since OPA passes them through unchanged.

/** An instant with the zone it is shown in. `sec` is Unix seconds (integral), `nsec` in [0, 1e9). */
export interface GoTime {
  sec: number;
  nsec: number;
  zone: Zone;
}

/** A location: the offset (seconds east of UTC) and abbreviation in effect at an instant. */
export interface Zone {
  name: string;
  lookup(unixSec: number): { offset: number; abbr: string };
}

export class GoTimeError extends Error {}

// ---- Calendar ----

const DAY = 86400;
export const longMonths = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
export const shortMonths = longMonths.map((m) => m.slice(0, 3));
export const longDays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const shortDays = longDays.map((d) => d.slice(0, 3));
export const daysBefore = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

export function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

export function daysIn(month: number, year: number): number {
  if (month === 2 && isLeap(year)) return 29;
  return daysBefore[month] - daysBefore[month - 1];
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** The broken-down wall clock of a time in its zone. */
export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nsec: number;
  weekday: number;
  yday: number;
  offset: number;
  abbr: string;
}

export function civil(t: GoTime): Civil {
  const { offset, abbr } = t.zone.lookup(t.sec);
  const local = t.sec + offset;
  const days = Math.floor(local / DAY);
  const secs = local - days * DAY;
  const [year, month, day] = civilFromDays(days);
  const yday = daysBefore[month - 1] + (month > 2 && isLeap(year) ? 1 : 0) + day;
  return {
    year,
    month,
    day,
    hour: Math.floor(secs / 3600),
    minute: Math.floor(secs / 60) % 60,
    second: secs % 60,
    nsec: t.nsec,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday,
    offset,
    abbr,
  };
}

function norm(hi: number, lo: number, base: number): [number, number] {
  const q = Math.floor(lo / base);
  return [hi + q, lo - q * base];
}

/** Go's time.Date: normalises every overflowing field, then resolves the wall time in zone. */
export function goDate(
  year: number, month: number, day: number, hour: number, min: number, sec: number, nsec: number, zone: Zone,
): GoTime {
  let m = month - 1;
  [year, m] = norm(year, m, 12);
  [sec, nsec] = norm(sec, nsec, 1e9);
  [min, sec] = norm(min, sec, 60);
  [hour, min] = norm(hour, min, 60);
  [day, hour] = norm(day, hour, 24);
  const days = daysFromCivil(year, m + 1, 1) + day - 1;
  let unix = days * DAY + hour * 3600 + min * 60 + sec;
  // As Go does: guess the offset at the wall time read as UTC, then re-check at the result.
  let { offset } = zone.lookup(unix);
  if (offset !== 0) {
    const again = zone.lookup(unix - offset).offset;
    if (again !== offset) offset = again;
    unix -= offset;
  }
  return { sec: unix, nsec, zone };
}

export function addDate(t: GoTime, years: number, months: number, days: number): GoTime {
  const c = civil(t);
  return goDate(c.year + years, c.month + months, c.day + days, c.hour, c.minute, c.second, c.nsec, t.zone);
}

// ---- Zones ----

export const UTC: Zone = { name: 'UTC', lookup: () => ({ offset: 0, abbr: 'UTC' }) };

export function fixedZone(name: string, offset: number): Zone {
  return { name, lookup: () => ({ offset, abbr: name }) };
}

// Abbreviations Go takes from tzdata where ICU's English names only give `GMT+x`.
const abbreviations: Record<string, Record<number, string>> = {
  'Europe/London': { 3600: 'BST' },
  'Europe/Dublin': { 3600: 'IST' },
  'Asia/Kolkata': { 19800: 'IST' },
  'Asia/Calcutta': { 19800: 'IST' },
  'Asia/Shanghai': { 28800: 'CST' },
  'Asia/Taipei': { 28800: 'CST' },
  'Asia/Hong_Kong': { 28800: 'HKT' },
  'Asia/Tokyo': { 32400: 'JST' },
  'Asia/Seoul': { 32400: 'KST' },
  'Asia/Jerusalem': { 7200: 'IST', 10800: 'IDT' },
  'Asia/Karachi': { 18000: 'PKT' },
  'Asia/Manila': { 28800: 'PST' },
  'Asia/Jakarta': { 25200: 'WIB' },
  'Europe/Moscow': { 10800: 'MSK' },
  'Africa/Johannesburg': { 7200: 'SAST' },
  'Africa/Lagos': { 3600: 'WAT' },
  'Africa/Nairobi': { 10800: 'EAT' },
  'Pacific/Auckland': { 43200: 'NZST', 46800: 'NZDT' },
  'Pacific/Honolulu': { [-36000]: 'HST' },
};
const europeAbbr: Record<number, string> = { 0: 'WET', 3600: 'CET', 7200: 'CEST', 10800: 'EEST' };
const australiaAbbr: Record<number, string> = {
  28800: 'AWST', 34200: 'ACST', 37800: 'ACDT', 36000: 'AEST', 39600: 'AEDT',
};

function numericAbbr(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const h = String(Math.floor(a / 3600)).padStart(2, '0');
  const m = Math.floor(a / 60) % 60;
  return sign + h + (m ? String(m).padStart(2, '0') : '');
}

function guessAbbr(name: string, offset: number, icu: string): string {
  if (!icu.startsWith('GMT') || icu === 'GMT') return icu;
  const own = abbreviations[name]?.[offset];
  if (own) return own;
  if (name.startsWith('Europe/')) {
    const eastern = ['Athens', 'Bucharest', 'Helsinki', 'Kiev', 'Kyiv', 'Riga', 'Sofia', 'Tallinn', 'Vilnius', 'Chisinau'];
    if (eastern.some((c) => name.endsWith('/' + c))) return offset === 7200 ? 'EET' : offset === 10800 ? 'EEST' : numericAbbr(offset);
    if (name === 'Europe/Lisbon') return offset === 0 ? 'WET' : offset === 3600 ? 'WEST' : numericAbbr(offset);
    return europeAbbr[offset] ?? numericAbbr(offset);
  }
  if (name.startsWith('Australia/')) return australiaAbbr[offset] ?? numericAbbr(offset);
  return numericAbbr(offset);
}

const MAX_DATE_SEC = 8.64e12;
const zoneCache = new Map<string, Zone>();

function intlZone(name: string, iana: string): Zone {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: iana,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    timeZoneName: 'short',
  });
  const memo = new Map<number, { offset: number; abbr: string }>();
  return {
    name,
    lookup(unixSec: number) {
      const s = Math.max(-MAX_DATE_SEC, Math.min(MAX_DATE_SEC, unixSec));
      const key = Math.floor(s);
      const hit = memo.get(key);
      if (hit) return hit;
      const parts = fmt.formatToParts(new Date(s * 1000));
      const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
      let year = Number(get('year'));
      if (get('era') === 'BC' || get('era') === 'B') year = 1 - year;
      const wall =
        daysFromCivil(year, Number(get('month')), Number(get('day'))) * DAY +
        Number(get('hour')) * 3600 + Number(get('minute')) * 60 + Number(get('second'));
      const offset = wall - Math.floor(s);
      const res = { offset, abbr: guessAbbr(iana, offset, get('timeZoneName')) };
      if (memo.size > 4096) memo.clear();
      memo.set(key, res);
      return res;
    },
  };
}

function hostZoneName(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Go's time.LoadLocation for the names OPA accepts (`""`, `UTC` and `Local` are handled too). */
export function loadZone(name: string): Zone {
  if (name === '' || name === 'UTC') return UTC;
  const hit = zoneCache.get(name);
  if (hit) return hit;
  let zone: Zone;
  if (name === 'Local') {
    const host = hostZoneName();
    zone = host === 'UTC' || host === 'Etc/UTC' ? { name: 'Local', lookup: UTC.lookup } : intlZone('Local', host);
  } else {
    let resolved: string;
    try {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    } catch {
      throw new GoTimeError(`unknown time zone ${name}`);
    }
    // Zone files are looked up case-sensitively; Intl is lenient.
    if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) {
      throw new GoTimeError(`unknown time zone ${name}`);
    }
    zone = intlZone(name, name);
  }
  zoneCache.set(name, zone);
  return zone;
}

/** Go's strconv-free quoting used in time's error messages. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of new TextEncoder().encode(ch)) out += '\\x' + b.toString(16).padStart(2, '0');
    } else {
      out += ch === '"' || ch === '\\' ? '\\' + ch : ch;
    }
  }
  return out + '"';
}

// ---- Durations ----

const isDigitAt = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

const units: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  '\u00b5s': 1000n,
  '\u03bcs': 1000n,
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n,
};
const MAX_DUR = 1n << 63n;

/** Go's time.ParseDuration: nanoseconds as bigint. */
export function parseDuration(orig: string): bigint {
  const invalid = () => new GoTimeError(`time: invalid duration ${goQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigitAt(s, 0))) throw invalid();
    const intPart = /^\d*/.exec(s)![0];
    s = s.slice(intPart.length);
    let v = intPart === '' ? 0n : BigInt(intPart);
    if (v > MAX_DUR) throw invalid();
    let frac = '';
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      frac = /^\d*/.exec(s)![0];
      s = s.slice(frac.length);
      post = frac.length > 0;
    }
    if (intPart === '' && !post) throw invalid();
    let i = 0;
    while (i < s.length && s[i] !== '.' && !isDigitAt(s, i)) i++;
    if (i === 0) throw new GoTimeError(`time: missing unit in duration ${goQuote(orig)}`);
    const u = s.slice(0, i);
    s = s.slice(i);
    const unit = units[u];
    if (unit === undefined) throw new GoTimeError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    if (v > MAX_DUR / unit) throw invalid();
    v *= unit;
    // Go keeps at most ~19 fraction digits and scales through float64.
    let f = 0n;
    let scale = 1;
    for (const c of frac) {
      if (f > (MAX_DUR - 1n) / 10n) break;
      const y = f * 10n + BigInt(c.charCodeAt(0) - 48);
      if (y > MAX_DUR) break;
      f = y;
      scale *= 10;
    }
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_DUR) throw invalid();
    }
    d += v;
    if (d > MAX_DUR) throw invalid();
  }
  if (neg) return -d;
  if (d > MAX_DUR - 1n) throw invalid();
  return d;
}

/** Short and long weekday names, for time.weekday. */
export const weekdayNames = longDays;
