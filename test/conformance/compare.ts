// Result comparison as OPA's reference runner does it (FORMAT.md section 5): actual bindings are
// converted like ast.JSON, optionally sorted, and both sides are compared as sets of solutions
// with OPA value equality (numbers by value, big integers exactly).

import {
  compare,
  equal,
  isObject,
  objectEntries,
  plainKeys,
  RSet,
  compareStrings,
  type PlainObject,
  type Value,
} from '../../src/rego/value.js';
import { fromYaml } from './cases.js';

/**
 * OPA's ast.JSON: sets become arrays in sorted order; a non-string object key becomes its JSON
 * text (Go's encoder: compact, sorted keys, `<`, `>`, `&` escaped).
 */
export function opaJSON(v: Value): Value {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(opaJSON);
  if (v instanceof RSet) return v.sorted().map(opaJSON);
  const out = Object.create(null) as PlainObject;
  for (const [k, x] of objectEntries(v)) out[typeof k === 'string' ? k : goJSONText(opaJSON(k))] = opaJSON(x);
  return out;
}

/** Go's encoding/json text of JSON-like data (strings HTML-escaped as json.Encoder does by default). */
export function goJSONText(v: Value): string {
  switch (typeof v) {
    case 'string':
      return goString(v);
    case 'number':
      return String(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[' + v.map(goJSONText).join(',') + ']';
  if (v instanceof RSet) return '[' + v.sorted().map(goJSONText).join(',') + ']';
  const keys = objectEntries(v)
    .map(([k, x]) => [typeof k === 'string' ? k : goJSONText(k), x] as [string, Value])
    .sort((a, b) => compareStrings(a[0], b[0]));
  return '{' + keys.map(([k, x]) => goString(k) + ':' + goJSONText(x)).join(',') + '}';
}

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Whether a variable name looks engine-generated (`__local3__`, `$x`). */
export function isGeneratedVar(name: string): boolean {
  return name.startsWith('__') || name.startsWith('$');
}

/** The expected solutions of a case (want_result) as values. */
export function expectedSolutions(want: Record<string, unknown>[]): Value[] {
  return want.map((row) => fromYaml(row ?? {}));
}

/**
 * Converts the engine's rows to solutions as OPA's runner does. Generated variables are dropped
 * unless the expectation names them. Throws if sort_bindings meets a binding that is not an array.
 */
export function actualSolutions(
  rows: Array<Record<string, Value>>,
  opts: { sortBindings?: boolean; expectedVars?: ReadonlySet<string> } = {},
): Value[] {
  return rows.map((row) => {
    const out = Object.create(null) as PlainObject;
    for (const name of Object.keys(row)) {
      if (isGeneratedVar(name) && !opts.expectedVars?.has(name)) continue;
      let v = opaJSON(row[name]);
      if (opts.sortBindings) {
        if (!Array.isArray(v)) throw new Error(`sort_bindings: binding ${name} is not an array`);
        v = v.slice().sort(compare);
      }
      out[name] = v;
    }
    return out;
  });
}

/** Set equality of two lists of solutions: order and duplicates do not matter. */
export function sameResultSet(expected: Value[], actual: Value[]): boolean {
  return equal(new RSet(expected), new RSet(actual));
}

/** Variable names used by any expected solution. */
export function expectedVarNames(expected: Value[]): Set<string> {
  const names = new Set<string>();
  for (const s of expected) if (isObject(s) && !Array.isArray(s)) for (const k of plainKeys(s as PlainObject)) names.add(k);
  return names;
}

/** Compact, deterministic text of a list of solutions for failure reports. */
export function showSolutions(solutions: Value[]): string {
  return '[' + solutions.map(goJSONText).sort().join(', ') + ']';
}
