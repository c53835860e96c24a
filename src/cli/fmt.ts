// `vengtoo-agent fmt [PATH]... [--write] [--diff] [--list] [--fail]`: formats Rego files in the
// style of `opa fmt` (src/rego/format). Folders are walked for `.rego` files; no PATH (or `-`)
// reads standard input.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatModule } from '../rego/format/index.js';
import { unifiedDiff } from '../rego/format/diff.js';
import { RegoError } from '../rego/index.js';
import { parseArgs, UsageError } from './args.js';

export const HELP = `vengtoo-agent fmt — format Rego policies in one canonical style (the style of opa fmt).

Usage:
  vengtoo-agent fmt [flags] [PATH]...

PATH is a .rego file or a folder (searched recursively for .rego files); without PATH, or with
"-", the policy is read from standard input. Without --write, --diff or --list the formatted
policy is printed to standard output.

Flags:
  -w, --write   rewrite each file whose formatting differs, in place
  -d, --diff    print a unified diff of the changes formatting would make
  -l, --list    print the name of each file whose formatting differs
      --fail    exit 1 if any file's formatting differs (for CI)
  -h, --help    this text

Formatting never changes what a policy means: tabs for indentation, imports grouped and sorted,
\`if\` and \`contains\` and \`:=\` in rule heads, one expression per line in bodies, spaces around
operators and after commas; comments are kept where they are. Formatting is idempotent.

Exit status: 0 when done; 1 with --fail if a file would change; 2 when a file cannot be read or
parsed (reported as file:line:col: rego_parse_error: message) or the usage is wrong.
`;

const SPECS = [
  { name: 'write', short: 'w', boolean: true },
  { name: 'diff', short: 'd', boolean: true },
  { name: 'list', short: 'l', boolean: true },
  { name: 'fail', boolean: true },
  { name: 'help', short: 'h', boolean: true },
];

const STDIN = '-';

export async function run(argv: string[]): Promise<number> {
  let flags: Map<string, string | boolean>;
  let paths: string[];
  try {
    const parsed = parseArgs(argv, SPECS);
    flags = parsed.flags;
    paths = parsed.positionals;
    if (flags.get('help') !== true && flags.get('write') === true && (paths.length === 0 || paths.includes(STDIN))) {
      throw new UsageError('--write needs files to rewrite, not standard input');
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`vengtoo-agent fmt: ${e.message}\nRun "vengtoo-agent fmt --help" for usage.\n`);
    return 2;
  }
  if (flags.get('help') === true) {
    process.stdout.write(HELP);
    return 0;
  }
  const write = flags.get('write') === true;
  const diff = flags.get('diff') === true;
  const list = flags.get('list') === true;
  const fail = flags.get('fail') === true;
  const print = !write && !diff && !list;

  let files: string[];
  let status = 0;
  if (paths.length === 0) files = [STDIN];
  else {
    files = [];
    for (const p of paths) {
      try {
        files.push(...regoFiles(p));
      } catch (e) {
        process.stderr.write(`vengtoo-agent fmt: ${p}: ${describe(e)}\n`);
        status = 2;
      }
    }
  }

  let changed = 0;
  for (const file of files) {
    const name = file === STDIN ? '<stdin>' : file;
    let source: string;
    let formatted: string;
    try {
      source = readFileSync(file === STDIN ? 0 : file, 'utf8');
    } catch (e) {
      process.stderr.write(`vengtoo-agent fmt: ${name}: ${describe(e)}\n`);
      status = 2;
      continue;
    }
    try {
      formatted = formatModule(source, name);
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      process.stderr.write(`${e.message}\n`);
      status = 2;
      continue;
    }
    const differs = formatted !== source;
    if (differs) changed++;
    if (print) process.stdout.write(formatted);
    if (list && differs) process.stdout.write(`${name}\n`);
    if (diff && differs) process.stdout.write(unifiedDiff(source, formatted, name, `${name} (formatted)`));
    if (write && differs) {
      try {
        writeFileSync(file, formatted);
      } catch (e) {
        process.stderr.write(`vengtoo-agent fmt: ${name}: ${describe(e)}\n`);
        status = 2;
      }
    }
  }
  if (status === 0 && fail && changed > 0) status = 1;
  return status;
}

/** A file as given, or the .rego files under a folder (sorted, recursively). */
function regoFiles(path: string): string[] {
  if (path === STDIN) return [STDIN];
  if (!statSync(path).isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) out.push(...regoFiles(p));
    else if (entry.isFile() && entry.name.endsWith('.rego')) out.push(p);
  }
  return out;
}

function describe(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}
