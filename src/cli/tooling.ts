// What the policy tooling commands (eval, test, check, build, bench) share: flag parsing with
// repeatable flags, loading policies from several paths, reading input documents, printing
// compile errors and JSON with exact numbers.

import { readFile } from 'node:fs/promises';
import { DataConflict, PolicyNotFound, readPolicies, type PolicySet } from '../agent/policy-files.js';
import { BundleError, parseJSONValue, parseYAMLValue } from '../bundle/index.js';
import { CompileErrors, RegoError } from '../rego/index.js';
import { toJSON, type Value } from '../rego/value.js';
import { UsageError, flagValue } from './args.js';

export { UsageError } from './args.js';

export interface ToolFlag {
  /** Long name without dashes. */
  name: string;
  short?: string;
  boolean?: boolean;
  /** May be given several times (`-d a -d b`); values are collected in order. */
  repeat?: boolean;
}

export interface ToolArgs {
  flags: Map<string, string | boolean>;
  lists: Map<string, string[]>;
  positionals: string[];
}

/**
 * `--name value`, `--name=value`, `-n value`, boolean `--name` / `--name=false` / `--no-name`,
 * repeatable flags, `--` ends the flags. Same conventions as args.ts, plus repetition. A lone
 * `-` is a positional (stdin).
 */
export function parseToolArgs(argv: readonly string[], specs: readonly ToolFlag[]): ToolArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const flags = new Map<string, string | boolean>();
  const lists = new Map<string, string[]>();
  const positionals: string[] = [];
  const set = (spec: ToolFlag, value: string | boolean): void => {
    if (spec.repeat) {
      const l = lists.get(spec.name) ?? [];
      l.push(String(value));
      lists.set(spec.name, l);
    } else flags.set(spec.name, value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      let value: string | boolean | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
      let spec = byName.get(name);
      if (spec === undefined && name.startsWith('no-') && value === undefined && byName.get(name.slice(3))?.boolean) {
        spec = byName.get(name.slice(3)) as ToolFlag;
        value = false;
      }
      if (spec === undefined) throw new UsageError(`unknown flag --${name}`);
      if (!spec.boolean && value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
        value = argv[++i];
      } else value = flagValue(spec, name, value);
      set(spec, value);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const spec = byShort.get(arg.slice(1));
      if (spec === undefined) throw new UsageError(`unknown flag ${arg}`);
      if (spec.boolean) set(spec, true);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
        set(spec, argv[++i]);
      }
    } else positionals.push(arg);
  }
  return { flags, lists, positionals };
}

/** A string flag's value, or the default. */
export function stringFlag(args: ToolArgs, name: string, def?: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : def;
}

/** A positive integer flag. */
export function countFlag(args: ToolArgs, name: string, def: number): number {
  const v = stringFlag(args, name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, not ${JSON.stringify(v)}`);
  return n;
}

/** One of the allowed values of a flag. */
export function choiceFlag<T extends string>(args: ToolArgs, name: string, allowed: readonly T[], def: T): T {
  const v = stringFlag(args, name, def) as string;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`);
  return v as T;
}

/** Prints a usage error the way every command does; returns exit code 2. */
export function usageError(command: string, message: string): number {
  process.stderr.write(`vengtoo-agent ${command}: ${message}\nRun "vengtoo-agent ${command} --help" for usage.\n`);
  return 2;
}

/** Runs a command body, turning usage errors and unreadable files into messages and exit code 2. */
export async function guarded(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) return usageError(command, e.message);
    if (e instanceof PolicyNotFound || e instanceof BundleError || e instanceof InputError || e instanceof DataConflict) {
      process.stderr.write(`vengtoo-agent ${command}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CompileErrors || e instanceof RegoError) {
      printErrors(errorsOf(e));
      return 2;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E')) {
      process.stderr.write(`vengtoo-agent ${command}: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Policies and data from `-d` paths (files, folders, bundles, data files). */
export async function loadPolicies(paths: readonly string[], opts: { tests?: boolean; trustedKeysPath?: string } = {}): Promise<PolicySet> {
  return readPolicies(paths, { includeTests: opts.tests === true, trustedKeysPath: opts.trustedKeysPath });
}

/** `--trusted-keys-path FILE`: verifies signed bundles among the paths (as the agent does). */
export const TRUSTED_KEYS_FLAG: ToolFlag = { name: 'trusted-keys-path' };
export const TRUSTED_KEYS_HELP = `  --trusted-keys-path FILE    verify signed bundles with these keys (the agent's trusted keys
                              file: key id -> {algorithm, key}); a signed bundle needs it`;

/** An input document from a JSON or YAML file (`-` reads standard input). Numbers stay exact. */
export async function readInput(path: string): Promise<Value> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read input ${path}: ${(e as Error).message}`);
  }
  try {
    return /\.ya?ml$/.test(path) ? parseYAMLValue(text, path) : parseJSONValue(text, path);
  } catch (e) {
    throw new InputError(`input ${path}: ${(e as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function errorsOf(e: CompileErrors | RegoError): RegoError[] {
  return e instanceof CompileErrors ? e.errors : [e];
}

/** One error per line (`file:row:col: code: message`; type errors add indented detail lines). */
export function printErrors(errors: readonly RegoError[], out: NodeJS.WritableStream = process.stderr): void {
  for (const e of errors) out.write(e.message + '\n');
}

/** OPA's JSON shape of an error. */
export function errorJSON(e: RegoError): Record<string, unknown> {
  const out: Record<string, unknown> = { message: e.detail, code: e.code };
  if (e.location) out.location = { file: e.location.file, row: e.location.row, col: e.location.col };
  return out;
}

/**
 * JSON text of plain data that may hold engine values (converted with toJSON: sets become sorted
 * arrays) and bigints (written exactly). Indented by `indent` spaces, or compact with 0.
 */
export function jsonText(x: unknown, indent = 2, depth = 0): string {
  if (x === undefined) return 'null';
  if (x === null) return 'null';
  switch (typeof x) {
    case 'string':
      return JSON.stringify(x);
    case 'number':
      return Number.isFinite(x) ? String(x) : 'null';
    case 'bigint':
      return x.toString();
    case 'boolean':
      return x ? 'true' : 'false';
  }
  const pad = indent > 0 ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
  const end = indent > 0 ? '\n' + ' '.repeat(indent * depth) : '';
  const sep = indent > 0 ? ': ' : ':';
  if (Array.isArray(x)) {
    if (x.length === 0) return '[]';
    return '[' + x.map((v) => pad + jsonText(v, indent, depth + 1)).join(',') + end + ']';
  }
  const obj = x as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  if (keys.length === 0) return '{}';
  return '{' + keys.map((k) => pad + JSON.stringify(k) + sep + jsonText(obj[k], indent, depth + 1)).join(',') + end + '}';
}

/** An engine value as JSON data (sets → sorted arrays, exact numbers kept as bigint). */
export function valueJSON(v: Value): unknown {
  return toJSON(v);
}

/** Go's time.Duration formatting, as OPA prints test durations: `812.5µs`, `1.234567ms`, `2.5s`. */
export function goDuration(ns: bigint | number): string {
  const n = typeof ns === 'bigint' ? Number(ns) : Math.round(ns);
  if (n === 0) return '0s';
  const fmt = (value: number, unit: number, suffix: string): string => {
    const whole = Math.floor(value / unit);
    const frac = value % unit;
    if (frac === 0) return `${whole}${suffix}`;
    const digits = String(unit).length - 1;
    return `${whole}.${String(frac).padStart(digits, '0').replace(/0+$/, '')}${suffix}`;
  };
  if (n < 1_000) return `${n}ns`;
  if (n < 1_000_000) return fmt(n, 1_000, 'µs');
  if (n < 1_000_000_000) return fmt(n, 1_000_000, 'ms');
  return fmt(n, 1_000_000_000, 's');
}
