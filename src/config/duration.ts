// Go-style durations (time.ParseDuration): "30s", "1m30s", "500ms", "2h", "1.5h", "0".
// Units: ns, us (µs), ms, s, m, h. A bare number is only accepted for zero, as in Go.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses a Go-style duration into milliseconds, or returns undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  let s = text.trim();
  if (s === '0' || s === '+0' || s === '-0') return 0;
  if (s.startsWith('+')) s = s.slice(1);
  if (s.startsWith('-') || s === '') return undefined; // negative durations make no sense for settings
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (m === null) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = PART.lastIndex;
  }
  return total;
}

/** Renders milliseconds the way Go prints a duration ("1m30s", "500ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let rest = ms;
  let out = '';
  const h = Math.floor(rest / 3_600_000);
  if (h) out += `${h}h`;
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  if (m || (h && rest)) out += `${m}m`;
  rest -= m * 60_000;
  if (rest || !out) out += `${rest / 1000}s`;
  return out;
}
