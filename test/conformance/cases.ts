// Loads OPA's conformance cases (see /work/shared/opa-conformance/FORMAT.md): every file under
// the suite root, parsed with YAML 1.1 scalar rules and exact integers.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { normBig, type Value } from '../../src/rego/value.js';

/** A case as written in the YAML file (numbers already exact; see fromYaml for values). */
export interface RawCase {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[];
  want_error?: string;
  want_error_code?: string;
  strict_error?: boolean;
  sort_bindings?: boolean;
  ignore_generated_vars?: boolean;
  env?: Record<string, string>;
}

export interface Case extends RawCase {
  /** `<file relative to the suite root>#<index in the file>`: notes are not unique. */
  id: string;
  /** First directory of the file's relative path. */
  folder: string;
  /** Whether the YAML has an `input` key (absent means input is undefined, not `{}`). */
  hasInput: boolean;
}

const here = fileURLToPath(new URL('.', import.meta.url));
/** The repository root (this file lives in test/conformance/). */
export const repoRoot = join(here, '..', '..');
/** Where the suite lives: `../shared/opa-conformance/v1` relative to the repository root. */
export const defaultSuiteRoot = join(repoRoot, '..', 'shared', 'opa-conformance', 'v1');

/** Parses YAML as go-yaml v2 would for OPA: YAML 1.1 booleans (`y`, `no`, `on`...) and exact integers. */
export function parseYaml(text: string): unknown {
  return parse(text, { version: '1.1', intAsBigInt: true });
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

export interface LoadResult {
  cases: Case[];
  /** Files that could not be read as a case file: path → message. */
  errors: Map<string, string>;
}

/** Loads every case of every file under root (recursively, any extension), in path order. */
export function loadCases(root: string = defaultSuiteRoot, folders?: ReadonlySet<string>): LoadResult {
  const cases: Case[] = [];
  const errors = new Map<string, string>();
  for (const file of listFiles(root)) {
    const rel = relative(root, file).split(sep).join('/');
    const folder = rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '';
    if (folders && !folders.has(folder)) continue;
    try {
      cases.push(...casesFromText(readFileSync(file, 'utf8'), rel));
    } catch (e) {
      errors.set(rel, e instanceof Error ? e.message : String(e));
    }
  }
  return { cases, errors };
}

/** The cases of one file's text; `rel` is the file's path relative to the suite root. */
export function casesFromText(text: string, rel: string): Case[] {
  const doc = parseYaml(text) as { cases?: unknown } | null;
  if (doc === null || typeof doc !== 'object' || !Array.isArray(doc.cases)) {
    throw new Error('no `cases` list');
  }
  const folder = rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '';
  return doc.cases.map((c: RawCase, i: number) => {
    if (c === null || typeof c !== 'object' || typeof c.note !== 'string' || typeof c.query !== 'string') {
      throw new Error(`case ${i}: note and query are required`);
    }
    return { ...c, id: `${rel}#${i}`, folder, hasInput: Object.prototype.hasOwnProperty.call(c, 'input') };
  });
}

/**
 * Converts a parsed YAML value to an engine value: integers in the safe range become numbers,
 * larger ones stay bigint; integer-valued doubles beyond the safe range become exact bigints;
 * objects get no prototype; timestamps become RFC 3339 text as Go's JSON would print them.
 */
export function fromYaml(x: unknown): Value {
  switch (typeof x) {
    case 'bigint':
      return normBig(x);
    case 'number':
      if (!Number.isFinite(x)) throw new Error(`number ${x} cannot be a value`);
      if (Object.is(x, -0)) return 0;
      return Number.isInteger(x) && !Number.isSafeInteger(x) ? BigInt(x) : x;
    case 'string':
    case 'boolean':
      return x;
    case 'undefined':
      return null;
  }
  if (x === null) return null;
  if (Array.isArray(x)) return x.map(fromYaml);
  if (x instanceof Date) return x.toISOString().replace('.000Z', 'Z');
  if (x instanceof Map) {
    const o = Object.create(null) as Record<string, Value>;
    for (const [k, v] of x) o[String(k)] = fromYaml(v);
    return o;
  }
  const o = Object.create(null) as Record<string, Value>;
  for (const k of Object.keys(x as object)) o[k] = fromYaml((x as Record<string, unknown>)[k]);
  return o;
}
