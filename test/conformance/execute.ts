// Runs one conformance case against the engine, as OPA's reference runner does (FORMAT.md
// section 4). Never throws: every outcome, including an engine crash, is reported.

import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { CompileErrors, RegoError } from '../../src/rego/errors.js';
import type { Value } from '../../src/rego/value.js';
import type { BuiltinDef, HostHooks } from '../../src/rego/builtins/types.js';
import { fromYaml, repoRoot, type Case } from './cases.js';
import { harnessBuiltins, harnessHost } from './harness.js';
import {
  actualSolutions,
  expectedSolutions,
  expectedVarNames,
  sameResultSet,
  showSolutions,
} from './compare.js';

/** The part of the engine's public API (src/rego/index.ts) the runner uses. */
export interface Engine {
  compile(
    modules: Array<{ file: string; source: string }>,
    opts: { data?: Value; strictBuiltinErrors?: boolean; host?: HostHooks; builtins?: BuiltinDef[] },
  ): {
    /** OPA's Query.Run: the rows found and the error, if any (both when an error ends a query late). */
    queryAll(text: string, opts: { input?: Value }): { rows: Array<Record<string, Value>>; error?: unknown };
  };
  parseTermValue(text: string): Value;
}

/** Loads the engine, or returns why it is not available (it is written in parallel). */
export async function loadEngine(): Promise<Engine | string> {
  const url = pathToFileURL(join(repoRoot, 'src', 'rego', 'index.ts')).href;
  try {
    const mod = (await import(url)) as Partial<Engine>;
    if (typeof mod.compile !== 'function' || typeof mod.parseTermValue !== 'function') {
      return 'src/rego/index.ts does not export compile and parseTermValue yet';
    }
    return mod as Engine;
  } catch (e) {
    return `cannot load src/rego/index.ts: ${e instanceof Error ? e.message : String(e)}`;
  }
}

export type Status = 'pass' | 'fail' | 'skip';

export interface Outcome {
  id: string;
  folder: string;
  note: string;
  status: Status;
  /** Why it failed or was skipped. */
  reason?: string;
  expected?: string;
  actual?: string;
  ms?: number;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

function crash(e: unknown): string {
  if (e instanceof Error) {
    const stack = (e.stack ?? '').split('\n').slice(0, 4).join('\n');
    return `engine crashed (${e.name}): ${stack || e.message}`;
  }
  return `engine threw a non-error: ${String(e)}`;
}

/** Runs a case; `skip` is the skip-list reason if the case is skipped. */
export function runCase(engine: Engine, c: Case, skip?: string): Outcome {
  const base = { id: c.id, folder: c.folder, note: c.note };
  if (skip !== undefined) return { ...base, status: 'skip', reason: skip };
  const started = performance.now();
  let out: Omit<Outcome, 'id' | 'folder' | 'note'>;
  try {
    out = evaluate(engine, c);
  } catch (e) {
    out = { status: 'fail', reason: `runner error: ${describeError(e)}` };
  }
  return { ...base, ...out, ms: Math.round(performance.now() - started) };
}

function evaluate(engine: Engine, c: Case): Omit<Outcome, 'id' | 'folder' | 'note'> {
  const fail = (reason: string, extra: Partial<Outcome> = {}) => ({ status: 'fail' as const, reason, ...extra });
  const expected = c.want_result !== undefined ? expectedSolutions(c.want_result) : undefined;
  const expectedText = expected !== undefined ? showSolutions(expected) : undefined;
  const wantsError = c.want_error !== undefined || c.want_error_code !== undefined;
  const expectation = [
    c.want_error_code !== undefined ? `error code ${c.want_error_code}` : '',
    c.want_error !== undefined ? `error containing ${JSON.stringify(c.want_error)}` : '',
    expectedText ?? '',
  ]
    .filter(Boolean)
    .join('; ');

  let input: Value | undefined;
  let data: Value;
  const modules = (c.modules ?? []).map((source, i) => ({ file: `test-${i}.rego`, source }));
  try {
    data = c.data === undefined || c.data === null ? Object.create(null) : fromYaml(c.data);
    if (c.input_term !== undefined) input = engine.parseTermValue(c.input_term);
    else if (c.hasInput) input = fromYaml(c.input);
  } catch (e) {
    return fail(`cannot prepare input/data: ${describeError(e)}`, { expected: expectation });
  }

  let policy: ReturnType<Engine['compile']>;
  try {
    policy = engine.compile(modules, {
      data,
      strictBuiltinErrors: c.strict_error === true,
      host: harnessHost,
      builtins: harnessBuiltins,
    });
  } catch (e) {
    if (e instanceof CompileErrors || e instanceof RegoError) {
      return fail(`compile error: ${e.message}`, { expected: expectation });
    }
    return fail(crash(e), { expected: expectation });
  }

  let rows: Array<Record<string, Value>> = [];
  let err: unknown;
  try {
    ({ rows, error: err } = policy.queryAll(c.query, { input }));
  } catch (e) {
    if (e instanceof CompileErrors) return fail(`query compile error: ${e.message}`, { expected: expectation });
    err = e;
  }

  // As OPA's testRun: the error expectations, then the result set (also when an error is expected:
  // a strict evaluation reports the rows found before its builtin error).
  let actualError: string | undefined;
  if (err !== undefined) {
    if (!(err instanceof RegoError)) return fail(crash(err), { expected: expectation });
    actualError = `error ${err.code}: ${err.message}`;
    if (!wantsError) return fail('unexpected error', { expected: expectation, actual: actualError });
    if (c.want_error !== undefined && !err.message.includes(c.want_error)) {
      return fail('error text differs', { expected: expectation, actual: actualError });
    }
    if (c.want_error_code !== undefined && err.code !== c.want_error_code) {
      return fail('error code differs', { expected: expectation, actual: actualError });
    }
    if (expected === undefined) return { status: 'pass' };
  }

  let solutions: Value[];
  try {
    solutions = actualSolutions(rows, {
      sortBindings: c.sort_bindings === true,
      expectedVars: expected ? expectedVarNames(expected) : undefined,
    });
  } catch (e) {
    return fail(describeError(e), { expected: expectation });
  }
  const shown = showSolutions(solutions);
  const actual = actualError !== undefined ? `${actualError}; ${shown}` : shown;
  if (wantsError && actualError === undefined) {
    return fail('expected an error, got a result', { expected: expectation, actual });
  }
  if (expected === undefined) return fail('case has no expectation', { actual });
  if (!sameResultSet(expected, solutions)) return fail('result differs', { expected: expectation, actual });
  return { status: 'pass' };
}
