// The conformance runner: `npm run conformance [-- flags]`.
//
//   --folder NAME     run only this folder (repeatable)
//   --verbose         print every failure: note, reason, expected, actual
//   --write-passing   rewrite passing.txt (entries of folders not run are kept)
//   --gate            exit 1 if a case listed in passing.txt no longer passes
//   --timeout MS      per-case timeout (default 10000)
//   --jobs N          worker threads (default: CPUs, at most 8)
//   --inline          run in this process (no timeout guard; for debugging)
//   --json FILE       also write every outcome to FILE as JSON
//
// Prints passes per folder and ends with exactly one line `N passed, M failed, K skipped`.

import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defaultSuiteRoot, loadCases, type Case } from './cases.js';
import { loadEngine, runCase, type Outcome } from './execute.js';
import { readPassing, writePassing } from './passing.js';
import { EngineUnavailable, runInPool } from './pool.js';
import { skipReason } from './skip.js';

interface Flags {
  folders: Set<string>;
  verbose: boolean;
  writePassing: boolean;
  gate: boolean;
  timeoutMs: number;
  jobs: number;
  inline: boolean;
  json?: string;
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = {
    folders: new Set(),
    verbose: false,
    writePassing: false,
    gate: false,
    timeoutMs: 10_000,
    jobs: Math.max(1, Math.min(8, availableParallelism())),
    inline: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--folder') f.folders.add(value());
    else if (a === '--verbose') f.verbose = true;
    else if (a === '--write-passing') f.writePassing = true;
    else if (a === '--gate') f.gate = true;
    else if (a === '--timeout') f.timeoutMs = Number(value());
    else if (a === '--jobs') f.jobs = Math.max(1, Number(value()));
    else if (a === '--inline') f.inline = true;
    else if (a === '--json') f.json = value();
    else throw new Error(`unknown flag ${a}`);
  }
  return f;
}

async function runAll(cases: Case[], flags: Flags): Promise<Outcome[]> {
  if (flags.inline) {
    const engine = await loadEngine();
    if (typeof engine === 'string') throw new EngineUnavailable(engine);
    return cases.map((c) => runCase(engine, c, skipReason(c)));
  }
  return runInPool(cases, { jobs: flags.jobs, timeoutMs: flags.timeoutMs, skipReason });
}

function report(outcomes: Outcome[], flags: Flags): void {
  const byFolder = new Map<string, { pass: number; fail: number; skip: number }>();
  for (const o of outcomes) {
    let s = byFolder.get(o.folder);
    if (!s) byFolder.set(o.folder, (s = { pass: 0, fail: 0, skip: 0 }));
    s[o.status]++;
  }
  const width = Math.max(8, ...[...byFolder.keys()].map((k) => k.length));
  for (const [folder, s] of [...byFolder].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const total = s.pass + s.fail + s.skip;
    const extra = [s.fail ? `${s.fail} failed` : '', s.skip ? `${s.skip} skipped` : ''].filter(Boolean).join(', ');
    console.log(`${folder.padEnd(width)}  ${String(s.pass).padStart(3)}/${String(total).padEnd(3)}${extra ? '  ' + extra : ''}`);
  }
  if (flags.verbose) {
    for (const o of outcomes) {
      if (o.status !== 'fail') continue;
      console.log(`\nFAIL ${o.id}  ${o.note}\n  ${o.reason ?? ''}`);
      if (o.expected !== undefined) console.log(`  expected: ${o.expected}`);
      if (o.actual !== undefined) console.log(`  actual:   ${o.actual}`);
    }
  }
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  if (!existsSync(defaultSuiteRoot)) {
    console.log(`conformance suite not found at ${defaultSuiteRoot}`);
    console.log('0 passed, 0 failed, 0 skipped');
    return 0;
  }
  const { cases, errors } = loadCases(defaultSuiteRoot, flags.folders.size ? flags.folders : undefined);
  for (const [file, msg] of errors) console.log(`cannot load ${file}: ${msg}`);

  let outcomes: Outcome[];
  try {
    outcomes = await runAll(cases, flags);
  } catch (e) {
    if (!(e instanceof EngineUnavailable)) throw e;
    console.log(`engine unavailable: ${e.message}`);
    outcomes = cases.map((c) => {
      const skip = skipReason(c);
      return skip !== undefined
        ? { id: c.id, folder: c.folder, note: c.note, status: 'skip' as const, reason: skip }
        : { id: c.id, folder: c.folder, note: c.note, status: 'fail' as const, reason: 'engine unavailable' };
    });
  }
  report(outcomes, flags);
  if (flags.json) writeFileSync(flags.json, JSON.stringify(outcomes, null, 1) + '\n');

  const passingNow = new Set(outcomes.filter((o) => o.status === 'pass').map((o) => o.id));
  const listed = readPassing();
  const ran = new Set(outcomes.map((o) => o.id));
  const regressions = [...listed].filter((id) => ran.has(id) && !passingNow.has(id)).sort();
  const fresh = [...passingNow].filter((id) => !listed.has(id));
  if (regressions.length) {
    console.log(`\n${regressions.length} case(s) listed in passing.txt no longer pass:`);
    for (const id of regressions) console.log(`  ${id}`);
  }
  if (fresh.length && !flags.writePassing) console.log(`\n${fresh.length} passing case(s) not yet in passing.txt (use --write-passing)`);
  if (flags.writePassing) {
    // Keep the entries of cases that were not run (other folders); replace the rest.
    const kept = [...listed].filter((id) => !ran.has(id));
    writePassing([...kept, ...passingNow]);
    console.log(`\npassing.txt: ${kept.length + passingNow.size} case(s)`);
  }
  if (errors.size) console.log(`${errors.size} file(s) could not be loaded`);

  const count = (s: Outcome['status']) => outcomes.filter((o) => o.status === s).length;
  console.log(`${count('pass')} passed, ${count('fail') + errors.size} failed, ${count('skip')} skipped`);
  return flags.gate && regressions.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(2);
  },
);
