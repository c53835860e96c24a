// `vengtoo-agent check`: parses and compiles every Rego file under the given paths together and
// prints every error as `file:row:col: code: message` (type errors add `have`/`want` lines).
// With --strict, OPA's strict-mode checks run too (src/rego/compiler/strict.ts).

import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { displayPath, isBundlePath, listPolicyFiles, PolicyNotFound, readPolicy } from '../agent/policy-files.js';
import { builtins } from '../rego/builtins/index.js';
import { strictChecks } from '../rego/compiler/strict.js';
import { CompileErrors, compileParsed, parseModule, RegoError, type Module } from '../rego/index.js';
import { choiceFlag, errorJSON, guarded, jsonText, parseToolArgs, printErrors, type ToolFlag } from './tooling.js';

export const HELP = `Usage: vengtoo-agent check [flags] [PATH]...

Parses and compiles Rego files, reporting every error with its location as
file:line:col: code: message. PATH is a .rego file, a folder (every .rego file below it, tests
included) or a bundle .tar.gz; the default is the current folder. Checks include OPA's type
checking of builtin calls (count(1), upper(5), wrong number of arguments).

Flags:
  -S, --strict         also apply OPA's strict-mode checks: unused local variables and function
                       arguments, unused imports, deprecated builtins, input/data shadowed by a
                       variable or rule
  --format FORMAT      pretty (default; errors on standard error) or json ({"errors": [...]} on
                       standard output)
  -h, --help           this text

Exit codes: 0 no errors; 2 errors found (or a usage error).
`;

const FLAGS: ToolFlag[] = [
  { name: 'strict', short: 'S', boolean: true },
  { name: 'format', short: 'f' },
  { name: 'help', short: 'h', boolean: true },
];

export async function run(argv: string[]): Promise<number> {
  return guarded('check', async () => {
    const args = parseToolArgs(argv, FLAGS);
    if (args.flags.get('help') === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const format = choiceFlag(args, 'format', ['pretty', 'json'] as const, 'pretty');
    const paths = args.positionals.length > 0 ? args.positionals : ['.'];
    const sources = await regoSources(paths);
    const errors = checkSources(sources, args.flags.get('strict') === true);
    if (format === 'json') process.stdout.write(jsonText({ errors: errors.map(errorJSON) }) + '\n');
    else printErrors(errors);
    return errors.length > 0 ? 2 : 0;
  });
}

/** Parse errors of every file; if none, compile errors; if none and strict, strict findings. */
export function checkSources(sources: { file: string; source: string }[], strict: boolean): RegoError[] {
  const modules: Module[] = [];
  const errors: RegoError[] = [];
  for (const s of sources) {
    try {
      modules.push(parseModule(s.source, s.file));
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      errors.push(e);
    }
  }
  if (errors.length > 0) return errors;
  try {
    compileParsed(modules);
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors;
    if (e instanceof RegoError) return [e];
    throw e;
  }
  return strict ? strictChecks(modules, builtins) : [];
}

/** Every .rego file under the paths (tests included), named relative to the working directory. */
async function regoSources(paths: readonly string[]): Promise<{ file: string; source: string }[]> {
  const out = new Map<string, string>();
  for (const path of paths) {
    const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new PolicyNotFound(path);
      throw e;
    });
    if (st.isDirectory()) {
      for (const rel of await listPolicyFiles(path, true)) {
        if (!rel.endsWith('.rego')) continue;
        const file = displayPath(resolve(path, rel));
        if (!out.has(file)) out.set(file, await readFile(join(path, rel), 'utf8'));
      }
    } else if (isBundlePath(path)) {
      for (const m of (await readPolicy(path)).modules) out.set(m.file, m.source);
    } else {
      const file = displayPath(resolve(path));
      if (!out.has(file)) out.set(file, await readFile(path, 'utf8'));
    }
  }
  return [...out].map(([file, source]) => ({ file, source }));
}
