// `vengtoo-agent test`: runs the `test_*` rules of the policies under the given paths (see
// test-runner.ts), printing OPA's report; exit code 2 when a test fails or errors.

import { hostHooks } from '../host/index.js';
import { compile, CompileErrors, RegoError } from '../rego/index.js';
import { coverageReport, discoverTests, runTests, type TestResult } from './test-runner.js';
import { choiceFlag, errorJSON, errorsOf, goDuration, guarded, jsonText, loadPolicies, parseToolArgs, printErrors, stringFlag, TRUSTED_KEYS_FLAG, TRUSTED_KEYS_HELP, UsageError, type ToolFlag } from './tooling.js';

export const HELP = `Usage: vengtoo-agent test [flags] [PATH]...

Runs policy unit tests: every rule named test_* (in any package) is a test. It passes when it is
true (defined and not false), fails when false or undefined, and errors when evaluation fails.
Rules named todo_test_* are skipped. PATH is a .rego file, a folder (every .rego file including
*_test.rego, and data.json/data.yaml files at their directory paths), a bundle, or a .json/.yaml
data file; the default is the current folder.

Flags:
  -v, --verbose        print every test with its duration, and print() output
  -r, --run REGEX      run only tests whose full name (data.pkg.test_x) matches
  --coverage           print a coverage report (JSON) of the non-test files instead of the
                       test report: covered and not covered lines per file and percentages
  --format FORMAT      pretty (default) or json (one object per test)
${TRUSTED_KEYS_HELP}
  -h, --help           this text

Exit codes: 0 all tests passed (or were skipped); 2 a test failed or errored, or the policies do not
compile.
`;

const FLAGS: ToolFlag[] = [
  { name: 'verbose', short: 'v', boolean: true },
  { name: 'run', short: 'r' },
  { name: 'coverage', boolean: true },
  { name: 'format', short: 'f' },
  TRUSTED_KEYS_FLAG,
  { name: 'help', short: 'h', boolean: true },
];

const LINE = '-'.repeat(80);

export async function run(argv: string[]): Promise<number> {
  return guarded('test', async () => {
    const args = parseToolArgs(argv, FLAGS);
    if (args.flags.get('help') === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const format = choiceFlag(args, 'format', ['pretty', 'json'] as const, 'pretty');
    const verbose = args.flags.get('verbose') === true;
    const withCoverage = args.flags.get('coverage') === true;
    const runPattern = stringFlag(args, 'run');
    let filter: RegExp | undefined;
    if (runPattern !== undefined) {
      try {
        filter = new RegExp(runPattern);
      } catch (e) {
        throw new UsageError(`--run: invalid regular expression: ${(e as Error).message}`);
      }
    }
    const paths = args.positionals.length > 0 ? args.positionals : ['.'];
    const set = await loadPolicies(paths, { tests: true, trustedKeysPath: stringFlag(args, 'trusted-keys-path') });

    const sink = { lines: [] as string[] };
    let policy;
    try {
      policy = compile(set.modules, {
        data: set.data,
        coverage: withCoverage,
        host: { ...hostHooks(), print: (text) => sink.lines.push(text) },
      });
    } catch (e) {
      if (!(e instanceof CompileErrors || e instanceof RegoError)) throw e;
      printErrors(errorsOf(e));
      return 2;
    }
    const tests = discoverTests(policy.modules);
    const covered = withCoverage ? new Set<string>() : undefined;
    const results = runTests(policy, tests, { filter, coverage: covered, printSink: sink });
    const failed = results.some((r) => r.outcome === 'FAIL' || r.outcome === 'ERROR');

    if (withCoverage) {
      process.stdout.write(jsonText(coverageReport(policy.modules, covered as Set<string>)) + '\n');
      // The test report still matters when tests fail: show it where it does not mix with the JSON.
      if (failed) process.stderr.write(pretty(results, false));
    } else if (format === 'json') {
      process.stdout.write(jsonText(results.map(resultJSON)) + '\n');
    } else {
      if (results.length === 0) process.stderr.write('no tests found\n');
      else process.stdout.write(pretty(results, verbose));
    }
    return failed ? 2 : 0;
  });
}

function resultJSON(r: TestResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    location: { file: r.location.file, row: r.location.row, col: r.location.col },
    package: r.pkg,
    name: r.name,
    duration: Number(r.durationNs),
  };
  if (r.outcome === 'FAIL') out.fail = true;
  if (r.outcome === 'SKIPPED') out.skip = true;
  if (r.error) out.error = errorJSON(r.error);
  if (r.output.length > 0) out.output = r.output.join('\n') + '\n';
  return out;
}

/** OPA's pretty report: failures (or, verbose, every test) grouped by file, then the counts. */
function pretty(results: TestResult[], verbose: boolean): string {
  const shown = verbose ? results : results.filter((r) => r.outcome === 'FAIL' || r.outcome === 'ERROR');
  let out = '';
  const byFile = new Map<string, TestResult[]>();
  for (const r of shown) {
    const l = byFile.get(r.location.file) ?? [];
    l.push(r);
    byFile.set(r.location.file, l);
  }
  let first = true;
  for (const [file, rs] of byFile) {
    if (!first) out += '\n';
    first = false;
    out += `${file}:\n`;
    for (const r of rs) {
      out += r.outcome === 'SKIPPED' ? `${r.path}: SKIPPED\n` : `${r.path}: ${r.outcome} (${goDuration(r.durationNs)})\n`;
      if (r.error) out += `  ${r.error.message.replaceAll('\n', '\n  ')}\n`;
      if (r.output.length > 0 && (verbose || r.outcome !== 'PASS')) out += r.output.map((l) => `  ${l}\n`).join('');
    }
  }
  if (shown.length > 0) out += LINE + '\n';
  const total = results.length;
  const count = (o: TestResult['outcome']): number => results.filter((r) => r.outcome === o).length;
  const pass = count('PASS');
  if (pass > 0) out += `PASS: ${pass}/${total}\n`;
  for (const o of ['FAIL', 'SKIPPED', 'ERROR'] as const) {
    const n = count(o);
    if (n > 0) out += `${o}: ${n}/${total}\n`;
  }
  return out;
}
