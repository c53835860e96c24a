// Go's time layouts (`2006-01-02T15:04:05Z07:00`): Time.Format and time.Parse with Go's element
// rules, normalisation and error texts.

import {
  civil,
  daysBefore,
  daysIn,
  fixedZone,
  goDate,
  goQuote,
  GoTimeError,
  isLeap,
  longDays,
  longMonths,
  shortDays,
  shortMonths,
  UTC,
  type GoTime,
} from './gotime.js';

// ---- Layouts ----

/** The named layouts OPA accepts in place of a layout string. */
export const namedLayouts: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

// Layout elements. Fractional seconds carry their digit count and separator separately.
const enum E {
  LongMonth = 1, Month, NumMonth, ZeroMonth, LongWeekDay, WeekDay, Day, UnderDay, ZeroDay,
  UnderYearDay, ZeroYearDay, Hour, Hour12, ZeroHour12, Minute, ZeroMinute, Second, ZeroSecond,
  LongYear, Year, PM, pm, TZ, ISO8601TZ, ISO8601SecondsTZ, ISO8601ShortTZ, ISO8601ColonTZ,
  ISO8601ColonSecondsTZ, NumTZ, NumSecondsTz, NumShortTZ, NumColonTZ, NumColonSecondsTZ,
  FracSecond0, FracSecond9,
}

interface Chunk {
  prefix: string;
  std: E | 0;
  /** Text of the element in the layout. */
  text: string;
  suffix: string;
  digits: number;
  sep: string;
}

const isDigitAt = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;
const startsLower = (s: string) => s.length > 0 && s[0] >= 'a' && s[0] <= 'z';

const zoneElems: [string, E][] = [
  ['-070000', E.NumSecondsTz], ['-07:00:00', E.NumColonSecondsTZ], ['-0700', E.NumTZ],
  ['-07:00', E.NumColonTZ], ['-07', E.NumShortTZ],
  ['Z070000', E.ISO8601SecondsTZ], ['Z07:00:00', E.ISO8601ColonSecondsTZ], ['Z0700', E.ISO8601TZ],
  ['Z07:00', E.ISO8601ColonTZ], ['Z07', E.ISO8601ShortTZ],
];
const isoZones: E[] = [E.ISO8601TZ, E.ISO8601ShortTZ, E.ISO8601ColonTZ, E.ISO8601SecondsTZ, E.ISO8601ColonSecondsTZ];
const zeroElems = [E.ZeroMonth, E.ZeroDay, E.ZeroHour12, E.ZeroMinute, E.ZeroSecond, E.Year];

/** Finds the first layout element, as Go's nextStdChunk. */
function nextChunk(layout: string): Chunk {
  const at = (i: number, std: E, len: number, prefixEnd = i): Chunk => ({
    prefix: layout.slice(0, prefixEnd),
    std,
    text: layout.slice(prefixEnd, i + len),
    suffix: layout.slice(i + len),
    digits: 0,
    sep: '',
  });
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    const rest = layout.slice(i);
    switch (c) {
      case 'J':
        if (rest.startsWith('Jan')) {
          if (rest.startsWith('January')) return at(i, E.LongMonth, 7);
          if (!startsLower(rest.slice(3))) return at(i, E.Month, 3);
        }
        break;
      case 'M':
        if (rest.startsWith('Mon')) {
          if (rest.startsWith('Monday')) return at(i, E.LongWeekDay, 6);
          if (!startsLower(rest.slice(3))) return at(i, E.WeekDay, 3);
        }
        if (rest.startsWith('MST')) return at(i, E.TZ, 3);
        break;
      case '0':
        if (rest.length >= 2 && rest[1] >= '1' && rest[1] <= '6') return at(i, zeroElems[rest.charCodeAt(1) - 49], 2);
        if (rest.startsWith('002')) return at(i, E.ZeroYearDay, 3);
        break;
      case '1':
        if (rest.startsWith('15')) return at(i, E.Hour, 2);
        return at(i, E.NumMonth, 1);
      case '2':
        if (rest.startsWith('2006')) return at(i, E.LongYear, 4);
        return at(i, E.Day, 1);
      case '_':
        if (rest.startsWith('_2')) {
          if (rest.startsWith('_2006')) return { ...at(i + 1, E.LongYear, 4), prefix: layout.slice(0, i + 1) };
          return at(i, E.UnderDay, 2);
        }
        if (rest.startsWith('__2')) return at(i, E.UnderYearDay, 3);
        break;
      case '3':
        return at(i, E.Hour12, 1);
      case '4':
        return at(i, E.Minute, 1);
      case '5':
        return at(i, E.Second, 1);
      case 'P':
        if (rest.startsWith('PM')) return at(i, E.PM, 2);
        break;
      case 'p':
        if (rest.startsWith('pm')) return at(i, E.pm, 2);
        break;
      case '-':
      case 'Z':
        for (const [text, std] of zoneElems) if (rest.startsWith(text)) return at(i, std, text.length);
        break;
      case '.':
      case ',':
        if (rest.length > 1 && (rest[1] === '0' || rest[1] === '9')) {
          const ch = rest[1];
          let j = 1;
          while (j < rest.length && rest[j] === ch) j++;
          if (!isDigitAt(rest, j)) {
            return { ...at(i, ch === '0' ? E.FracSecond0 : E.FracSecond9, j), digits: j - 1, sep: c };
          }
        }
        break;
    }
  }
  return { prefix: layout, std: 0, text: '', suffix: '', digits: 0, sep: '' };
}

// ---- Formatting ----

const pad = (n: number, width: number): string => {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? '-' + s : s;
};

/** Go's Time.Format. */
export function formatTime(t: GoTime, layout: string): string {
  const c = civil(t);
  let out = '';
  for (;;) {
    const ch = nextChunk(layout);
    out += ch.prefix;
    if (ch.std === 0) break;
    layout = ch.suffix;
    switch (ch.std) {
      case E.Year: out += pad(c.year % 100, 2); break;
      case E.LongYear: out += pad(c.year, 4); break;
      case E.Month: out += shortMonths[c.month - 1]; break;
      case E.LongMonth: out += longMonths[c.month - 1]; break;
      case E.NumMonth: out += String(c.month); break;
      case E.ZeroMonth: out += pad(c.month, 2); break;
      case E.WeekDay: out += shortDays[c.weekday]; break;
      case E.LongWeekDay: out += longDays[c.weekday]; break;
      case E.Day: out += String(c.day); break;
      case E.UnderDay: out += (c.day < 10 ? ' ' : '') + c.day; break;
      case E.ZeroDay: out += pad(c.day, 2); break;
      case E.UnderYearDay: out += String(c.yday).padStart(3, ' '); break;
      case E.ZeroYearDay: out += pad(c.yday, 3); break;
      case E.Hour: out += pad(c.hour, 2); break;
      case E.Hour12: out += String(c.hour % 12 || 12); break;
      case E.ZeroHour12: out += pad(c.hour % 12 || 12, 2); break;
      case E.Minute: out += String(c.minute); break;
      case E.ZeroMinute: out += pad(c.minute, 2); break;
      case E.Second: out += String(c.second); break;
      case E.ZeroSecond: out += pad(c.second, 2); break;
      case E.PM: out += c.hour >= 12 ? 'PM' : 'AM'; break;
      case E.pm: out += c.hour >= 12 ? 'pm' : 'am'; break;
      case E.TZ:
        if (c.abbr !== '') out += c.abbr;
        else out += formatOffset(c.offset, false, true, false);
        break;
      case E.ISO8601TZ: case E.ISO8601ColonTZ: case E.ISO8601SecondsTZ: case E.ISO8601ShortTZ:
      case E.ISO8601ColonSecondsTZ:
      case E.NumTZ: case E.NumColonTZ: case E.NumSecondsTz: case E.NumShortTZ: case E.NumColonSecondsTZ: {
        if (c.offset === 0 && isoZones.includes(ch.std)) {
          out += 'Z';
          break;
        }
        const colon = [E.ISO8601ColonTZ, E.NumColonTZ, E.ISO8601ColonSecondsTZ, E.NumColonSecondsTZ].includes(ch.std);
        const short = ch.std === E.NumShortTZ || ch.std === E.ISO8601ShortTZ;
        const secs = [E.ISO8601SecondsTZ, E.NumSecondsTz, E.ISO8601ColonSecondsTZ, E.NumColonSecondsTZ].includes(ch.std);
        out += formatOffset(c.offset, colon, !short, secs);
        break;
      }
      case E.FracSecond0:
      case E.FracSecond9:
        out += formatFraction(c.nsec, ch.digits, ch.sep, ch.std === E.FracSecond9);
        break;
    }
  }
  return out;
}

function formatOffset(offset: number, colon: boolean, minutes: boolean, seconds: boolean): string {
  const abs = Math.abs(offset);
  let s = (offset < 0 ? '-' : '+') + pad(Math.floor(abs / 3600), 2);
  if (minutes) s += (colon ? ':' : '') + pad(Math.floor(abs / 60) % 60, 2);
  if (seconds) s += (colon ? ':' : '') + pad(abs % 60, 2);
  return s;
}

function formatFraction(nsec: number, digits: number, sep: string, trim: boolean): string {
  if (trim && (digits === 0 || nsec === 0)) return '';
  let s = String(nsec).padStart(9, '0').slice(0, Math.min(digits, 9));
  if (trim) s = s.replace(/0+$/, '');
  return s === '' && trim ? '' : sep + s;
}

// ---- Parsing ----


class Bad extends Error {}

function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw new Bad();
  if (!isDigitAt(s, 1)) {
    if (fixed) throw new Bad();
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + s.charCodeAt(1) - 48, s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + s.charCodeAt(i) - 48;
  if (i === 0 || (fixed && i !== 3)) throw new Bad();
  return [n, s.slice(i)];
}

function lookupName(names: string[], s: string): [number, string] {
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    if (s.length >= n.length && s.slice(0, n.length).toLowerCase() === n.toLowerCase()) return [i, s.slice(n.length)];
  }
  throw new Bad();
}

function skip(value: string, prefix: string): string {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') throw new Bad();
      prefix = prefix.replace(/^ +/, '');
      value = value.replace(/^ +/, '');
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) throw new Bad();
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return value;
}

/** Parses `.ddd` (nbytes including the separator) into nanoseconds. */
function parseNanos(value: string, nbytes: number): number {
  if (value[0] !== '.' && value[0] !== ',') throw new Bad();
  if (nbytes > 10) nbytes = 10;
  const digits = value.slice(1, nbytes);
  if (!/^\d*$/.test(digits) || digits === '') throw new Bad();
  return Number(digits) * 10 ** (10 - nbytes);
}

function signedOffsetLen(v: string): number {
  if (v[0] !== '-' && v[0] !== '+') return 0;
  const m = /^\d+/.exec(v.slice(1));
  if (!m || Number(m[0]) > 12) return 0;
  return 1 + m[0].length;
}

function timeZoneLen(v: string): number {
  if (v.length < 3) return 0;
  if (v.startsWith('ChST') || v.startsWith('MeST')) return 4;
  if (v.startsWith('GMT')) return v.length === 3 ? 3 : 3 + signedOffsetLen(v.slice(3));
  if (v[0] === '+' || v[0] === '-') return signedOffsetLen(v);
  let n = 0;
  while (n < 6 && n < v.length && v[n] >= 'A' && v[n] <= 'Z') n++;
  if (n === 5 && v[4] === 'T') return 5;
  if (n === 4 && (v[3] === 'T' || v.startsWith('WITA'))) return 4;
  return n === 3 ? 3 : 0;
}

/** Go's time.Parse (default zone UTC). Throws GoTimeError with Go's message. */
export function parseTime(layoutIn: string, valueIn: string): GoTime {
  let layout = layoutIn;
  let value = valueIn;
  const fail = (elem: string, val: string, msg = ''): never => {
    throw new GoTimeError(
      msg === ''
        ? `parsing time ${goQuote(valueIn)} as ${goQuote(layoutIn)}: cannot parse ${goQuote(val)} as ${goQuote(elem)}`
        : `parsing time ${goQuote(valueIn)}${msg}`,
    );
  };
  let amSet = false;
  let pmSet = false;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let utcZone = false;
  let zoneOffset = -1;
  let zoneName = '';

  for (;;) {
    const ch = nextChunk(layout);
    try {
      value = skip(value, ch.prefix);
    } catch {
      fail(ch.prefix, value);
    }
    if (ch.std === 0) {
      if (value.length !== 0) fail('', value, `: extra text: ${goQuote(value)}`);
      break;
    }
    layout = ch.suffix;
    const hold = value;
    let rangeErr = '';
    try {
      switch (ch.std) {
        case E.Year: {
          if (value.length < 2) throw new Bad();
          const p = value.slice(0, 2);
          if (!/^[+-]?\d+$/.test(p)) throw new Bad();
          value = value.slice(2);
          year = Number(p);
          year += year >= 69 ? 1900 : 2000;
          break;
        }
        case E.LongYear: {
          if (value.length < 4 || !isDigitAt(value, 0)) throw new Bad();
          const p = value.slice(0, 4);
          if (!/^\d{4}$/.test(p)) throw new Bad();
          value = value.slice(4);
          year = Number(p);
          break;
        }
        case E.Month:
          [month, value] = lookupName(shortMonths, value);
          month++;
          break;
        case E.LongMonth:
          [month, value] = lookupName(longMonths, value);
          month++;
          break;
        case E.NumMonth:
        case E.ZeroMonth:
          [month, value] = getnum(value, ch.std === E.ZeroMonth);
          if (month <= 0 || month > 12) rangeErr = 'month';
          break;
        case E.WeekDay:
          value = lookupName(shortDays, value)[1];
          break;
        case E.LongWeekDay:
          value = lookupName(longDays, value)[1];
          break;
        case E.Day:
        case E.UnderDay:
        case E.ZeroDay:
          if (ch.std === E.UnderDay && value[0] === ' ') value = value.slice(1);
          [day, value] = getnum(value, ch.std === E.ZeroDay);
          break;
        case E.UnderYearDay:
        case E.ZeroYearDay:
          for (let i = 0; i < 2; i++) if (ch.std === E.UnderYearDay && value[0] === ' ') value = value.slice(1);
          [yday, value] = getnum3(value, ch.std === E.ZeroYearDay);
          break;
        case E.Hour:
          [hour, value] = getnum(value, false);
          if (hour < 0 || hour >= 24) rangeErr = 'hour';
          break;
        case E.Hour12:
        case E.ZeroHour12:
          [hour, value] = getnum(value, ch.std === E.ZeroHour12);
          if (hour < 0 || hour > 12) rangeErr = 'hour';
          break;
        case E.Minute:
        case E.ZeroMinute:
          [min, value] = getnum(value, ch.std === E.ZeroMinute);
          if (min < 0 || min >= 60) rangeErr = 'minute';
          break;
        case E.Second:
        case E.ZeroSecond: {
          [sec, value] = getnum(value, ch.std === E.ZeroSecond);
          if (sec < 0 || sec >= 60) {
            rangeErr = 'second';
            break;
          }
          // A fractional second in the value that the layout does not mention.
          if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1)) {
            const next = nextChunk(layout).std;
            if (next === E.FracSecond0 || next === E.FracSecond9) break;
            let n = 2;
            while (n < value.length && isDigitAt(value, n)) n++;
            nsec = parseNanos(value, n);
            value = value.slice(n);
          }
          break;
        }
        case E.PM:
        case E.pm: {
          if (value.length < 2) throw new Bad();
          const p = value.slice(0, 2);
          value = value.slice(2);
          const [am, pm] = ch.std === E.PM ? ['AM', 'PM'] : ['am', 'pm'];
          if (p === pm) pmSet = true;
          else if (p === am) amSet = true;
          else throw new Bad();
          break;
        }
        case E.ISO8601TZ: case E.ISO8601ShortTZ: case E.ISO8601ColonTZ: case E.ISO8601SecondsTZ:
        case E.ISO8601ColonSecondsTZ:
        case E.NumTZ: case E.NumShortTZ: case E.NumColonTZ: case E.NumSecondsTz: case E.NumColonSecondsTZ: {
          if (value[0] === 'Z' && isoZones.includes(ch.std)) {
            value = value.slice(1);
            utcZone = true;
            break;
          }
          let sign: string, hh: string, mm: string, ss: string;
          const s = ch.std;
          if (s === E.ISO8601ColonTZ || s === E.NumColonTZ) {
            if (value.length < 6 || value[3] !== ':') throw new Bad();
            [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), value.slice(4, 6), '00', value.slice(6)];
          } else if (s === E.NumShortTZ || s === E.ISO8601ShortTZ) {
            if (value.length < 3) throw new Bad();
            [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), '00', '00', value.slice(3)];
          } else if (s === E.ISO8601ColonSecondsTZ || s === E.NumColonSecondsTZ) {
            if (value.length < 9 || value[3] !== ':' || value[6] !== ':') throw new Bad();
            [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), value.slice(4, 6), value.slice(7, 9), value.slice(9)];
          } else if (s === E.ISO8601SecondsTZ || s === E.NumSecondsTz) {
            if (value.length < 7) throw new Bad();
            [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), value.slice(3, 5), value.slice(5, 7), value.slice(7)];
          } else {
            if (value.length < 5) throw new Bad();
            [sign, hh, mm, ss, value] = [value[0], value.slice(1, 3), value.slice(3, 5), '00', value.slice(5)];
          }
          const hr = getnum(hh, true)[0];
          const mi = getnum(mm, true)[0];
          const se = getnum(ss, true)[0];
          if (hr > 24) rangeErr = 'time zone offset hour';
          if (mi > 60) rangeErr = 'time zone offset minute';
          if (se > 60) rangeErr = 'time zone offset second';
          zoneOffset = (hr * 60 + mi) * 60 + se;
          if (sign === '-') zoneOffset = -zoneOffset;
          else if (sign !== '+') throw new Bad();
          break;
        }
        case E.TZ: {
          if (value.startsWith('UTC')) {
            utcZone = true;
            value = value.slice(3);
            break;
          }
          const n = timeZoneLen(value);
          if (n === 0) throw new Bad();
          zoneName = value.slice(0, n);
          value = value.slice(n);
          break;
        }
        case E.FracSecond0: {
          const ndigit = 1 + ch.digits;
          if (value.length < ndigit) throw new Bad();
          nsec = parseNanos(value, ndigit);
          value = value.slice(ndigit);
          break;
        }
        case E.FracSecond9: {
          if (value.length < 2 || (value[0] !== '.' && value[0] !== ',') || !isDigitAt(value, 1)) break;
          let i = 0;
          while (i + 1 < value.length && isDigitAt(value, i + 1)) i++;
          nsec = parseNanos(value, 1 + i);
          value = value.slice(1 + i);
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      if (rangeErr !== '') fail(ch.text, value, `: ${rangeErr} out of range`);
      fail(ch.text, hold);
    }
    if (rangeErr !== '') fail(ch.text, value, `: ${rangeErr} out of range`);
  }

  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;

  if (yday >= 0) {
    let d = 0;
    let m = 0;
    if (isLeap(year)) {
      if (yday === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) {
        yday--;
      }
    }
    if (yday < 1 || yday > 365) fail('', value, ': day-of-year out of range');
    if (m === 0) {
      m = Math.floor((yday - 1) / 31) + 1;
      if (daysBefore[m] < yday) m++;
      d = yday - daysBefore[m - 1];
    }
    if (month >= 0 && month !== m) fail('', value, ': day-of-year does not match month');
    month = m;
    if (day >= 0 && day !== d) fail('', value, ': day-of-year does not match day');
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) fail('', value, ': day out of range');

  const t = goDate(year, month, day, hour, min, sec, nsec, UTC);
  if (utcZone) return t;
  if (zoneOffset !== -1) return { sec: t.sec - zoneOffset, nsec: t.nsec, zone: fixedZone('', zoneOffset) };
  if (zoneName !== '') {
    // Unknown abbreviations get a zero offset; `GMT+h` its hours.
    let offset = 0;
    if (zoneName.length > 3 && zoneName.startsWith('GMT')) offset = Number(zoneName.slice(3)) * 3600;
    return { sec: t.sec - offset, nsec: t.nsec, zone: fixedZone(zoneName, offset) };
  }
  return t;
}
