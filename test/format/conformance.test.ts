// The formatter over every module of OPA's conformance suite: formatting is idempotent, keeps
// the syntax tree and comments (meaning.ts), and the case's query gives the same result before
// and after formatting. The same checks run on copies of each module with a comment added at
// the end of every line and on a line of its own before every line, which exercises comment
// placement in every position the suite's modules have.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { CompileErrors, RegoError, compile, parseModule, parseTermValue } from '../../src/rego/index.js';
import { formatModule } from '../../src/rego/format/index.js';
import { tokenize } from '../../src/rego/lexer.js';
import { toJSONText, type Value } from '../../src/rego/value.js';
import { defaultSuiteRoot, fromYaml, loadCases, type Case } from '../conformance/cases.js';
import { harnessBuiltins } from '../conformance/harness.js';
import { meaningOf } from './meaning.js';

const present = existsSync(defaultSuiteRoot);
const cases: Case[] = present ? loadCases().cases : [];
const modules = [...new Set(cases.flatMap((c) => c.modules ?? []))];

function checkModule(source: string, label: string): void {
  const once = formatModule(source, label);
  const twice = formatModule(once, label);
  assert.equal(twice, once, `${label}: formatting is not idempotent`);
  assert.equal(meaningOf(parseModule(once, label)), meaningOf(parseModule(source, label)), `${label}: syntax tree or comments changed`);
}

/** The module with a comment at the end of every line (`eol`) or on a line before every line (`own`). */
function withComments(source: string, mode: 'eol' | 'own'): string {
  const { tokens, comments } = tokenize(source, 'x');
  const commentRows = new Set(comments.map((c) => c.loc.row));
  const inToken = (off: number) => tokens.some((t) => t.start < off && off < t.end);
  let offset = 0;
  return source
    .split('\n')
    .map((line, i) => {
      const start = offset;
      const end = offset + line.length;
      offset = end + 1;
      if (mode === 'own') return i > 0 && !inToken(start) ? `# own ${i}\n${line}` : line;
      return line.trim() !== '' && !inToken(end) && !commentRows.has(i + 1) ? `${line} # eol ${i}` : line;
    })
    .join('\n');
}

test('conformance modules: formatting is idempotent and keeps the syntax tree and comments', { skip: !present && 'conformance suite not found' }, (t) => {
  for (const [i, m] of modules.entries()) checkModule(m, `module-${i}.rego`);
  t.diagnostic(`${modules.length} conformance modules formatted: idempotent, same syntax tree and comments`);
});

test('conformance modules with comments on every line: idempotent, comments and tree kept', { skip: !present && 'conformance suite not found' }, (t) => {
  let checked = 0;
  for (const [i, m] of modules.entries()) {
    // Comment lines inside a METADATA block would change its YAML.
    if (m.includes('METADATA')) continue;
    for (const mode of ['eol', 'own'] as const) {
      const source = withComments(m, mode);
      checkModule(source, `module-${i}-${mode}.rego`);
      checked++;
    }
  }
  t.diagnostic(`${checked} commented variants checked`);
});

/**
 * The module with its whitespace shuffled: a different run of spaces and tabs wherever the source
 * has spaces between tokens, and a different indentation on every line (line breaks, comments
 * and tokens stay as they are).
 */
function withNoise(source: string, seed: number): string {
  let state = seed;
  const rand = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state % n;
  };
  const blanks = () => ' \t  '.slice(0, 1 + rand(4)).replace(/^$/, ' ');
  const { tokens } = tokenize(source, 'x');
  let out = '';
  let prev = 0;
  for (const tok of tokens) {
    const gap = source.slice(prev, tok.start);
    if (gap.includes('#') || gap === '') out += gap;
    else if (!gap.includes('\n')) out += blanks();
    else out += gap.replace(/[ \t]*\n[ \t]*/g, () => '\n' + '  \t '.slice(0, rand(4)));
    out += source.slice(tok.start, tok.end);
    prev = tok.end;
  }
  return out + source.slice(prev);
}

test('conformance modules with shuffled whitespace format to the same text', { skip: !present && 'conformance suite not found' }, (t) => {
  for (const [i, m] of modules.entries()) {
    assert.equal(formatModule(withNoise(m, i + 1), `noisy-${i}.rego`), formatModule(m, `module-${i}.rego`), `module ${i}`);
  }
  t.diagnostic(`${modules.length} modules with shuffled whitespace checked`);
});

type Outcome = { error: string } | { rows: string[] };

function run(c: Case, modules: string[]): Outcome {
  try {
    const data = c.data === undefined || c.data === null ? Object.create(null) : fromYaml(c.data);
    let input: Value | undefined;
    if (c.input_term !== undefined) input = parseTermValue(c.input_term);
    else if (c.hasInput) input = fromYaml(c.input);
    const policy = compile(
      modules.map((source, i) => ({ file: `m${i}.rego`, source })),
      { data, strictBuiltinErrors: c.strict_error === true, builtins: harnessBuiltins },
    );
    const rows = policy.query(c.query, { input, nowNs: 1_700_000_000_000_000_000n });
    return { rows: rows.map((r) => toJSONText(r as unknown as Value)) };
  } catch (e) {
    if (e instanceof CompileErrors) return { error: e.errors.map((x) => x.code).sort().join(',') };
    if (e instanceof RegoError) return { error: e.code };
    throw e;
  }
}

/** Builtins whose results differ from run to run, or that reach the network or sleep. */
const NONDETERMINISTIC = /\b(rand\.intn|uuid\.rfc4122|net\.lookup_ip_addr|test\.sleep|http\.send|opa\.runtime)\b/;

test('conformance cases: the query gives the same result before and after formatting', { skip: !present && 'conformance suite not found' }, (t) => {
  let compared = 0;
  let errors = 0;
  let skipped = 0;
  for (const c of cases) {
    const mods = c.modules ?? [];
    if (mods.length === 0 || NONDETERMINISTIC.test(c.query + mods.join('\n'))) {
      skipped++;
      continue;
    }
    let formatted: string[];
    try {
      formatted = mods.map((m, i) => formatModule(m, `m${i}.rego`));
    } catch (e) {
      // A module with a syntax error: the formatter reports it as the parser does.
      assert.ok(e instanceof RegoError && e.code === 'rego_parse_error', `${c.id}: ${String(e)}`);
      skipped++;
      continue;
    }
    const before = run(c, mods);
    const after = run(c, formatted);
    assert.deepEqual(after, before, `${c.id} (${c.note}): result changed by formatting`);
    compared++;
    if ('error' in before) errors++;
  }
  t.diagnostic(`${compared} cases compared (${errors} of them errors, compared by code), ${skipped} skipped`);
  assert.ok(compared > 1000);
});
