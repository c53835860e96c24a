// A small flag parser shared by the commands: `--name value`, `--name=value`, boolean `--name`,
// `--name=false`, `--no-name`, `-h`, and `--` to end the flags. Unknown flags are usage errors.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** Long name without dashes, e.g. "log-level". */
  name: string;
  boolean?: boolean;
  /** One-letter alias without the dash, e.g. "h". */
  short?: string;
}

export interface ParsedArgs {
  /** Flag values by long name: strings, or booleans for boolean flags. */
  flags: Map<string, string | boolean>;
  /** Arguments that are not flags, and everything after `--`. */
  positionals: string[];
}

/**
 * The value of a long flag given as `--name` or `--name=value`: booleans accept true/false/1/0;
 * a value flag written `--name` alone takes the next argument (handled by the caller).
 */
export function flagValue(spec: { boolean?: boolean }, name: string, value: string | boolean | undefined): string | boolean {
  if (!spec.boolean) return value as string;
  if (value === undefined) return true;
  if (typeof value !== 'string') return value;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new UsageError(`--${name} takes true or false, not ${JSON.stringify(value)}`);
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const flags = new Map<string, string | boolean>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      let value: string | boolean | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
      let spec = byName.get(name);
      if (spec === undefined && name.startsWith('no-') && value === undefined) {
        spec = byName.get(name.slice(3));
        if (spec?.boolean) {
          name = spec.name;
          value = false;
        } else spec = undefined;
      }
      if (spec === undefined) throw new UsageError(`unknown flag --${name}`);
      if (!spec.boolean && value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
        value = argv[++i];
      } else value = flagValue(spec, name, value);
      flags.set(spec.name, value);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const spec = byShort.get(arg.slice(1));
      if (spec === undefined) throw new UsageError(`unknown flag ${arg}`);
      if (spec.boolean) flags.set(spec.name, true);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
        flags.set(spec.name, argv[++i]);
      }
    } else {
      positionals.push(arg);
    }
  }
  return { flags, positionals };
}
