// What OPA's reference runner provides around the engine: the test-only builtin `test.sleep`
// and a host DNS resolver for `net.lookup_ip_addr`.

import { execFileSync } from 'node:child_process';
import { BuiltinError } from '../../src/rego/errors.js';
import type { BuiltinDef, HostHooks } from '../../src/rego/builtins/types.js';

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration string (`10ms`, `1.5s`, `1h2m`) in milliseconds. */
export function durationMs(text: string): number {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]];
    end = re.lastIndex;
  }
  if (text === '' || end !== text.length) throw new BuiltinError(`time: invalid duration ${JSON.stringify(text)}`);
  return total;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export const harnessBuiltins: BuiltinDef[] = [
  {
    name: 'test.sleep',
    args: ['string'],
    result: 'null',
    nondeterministic: true,
    fn: ([d]) => {
      if (typeof d !== 'string') throw new BuiltinError('operand 1 must be string', 'eval_type_error');
      Atomics.wait(sleeper, 0, 0, durationMs(d));
      return null;
    },
  },
];

/** Resolves a name with the system resolver (synchronously, through a short-lived child process). */
function lookupIP(name: string): string[] {
  const script =
    "require('node:dns').lookup(process.argv[1], { all: true }, (e, a) => " +
    "{ if (e) { console.error(e.code || e.message); process.exit(1); } console.log(JSON.stringify(a.map((x) => x.address))); })";
  try {
    const out = execFileSync(process.execPath, ['-e', script, name], { encoding: 'utf8', timeout: 5000 });
    return JSON.parse(out) as string[];
  } catch (e) {
    const msg = (e as { stderr?: string }).stderr?.trim() || (e instanceof Error ? e.message : String(e));
    throw new BuiltinError(`lookup ${name}: ${msg}`);
  }
}

export const harnessHost: HostHooks = { lookupIP };
