// Values as Rego source text, the way OPA prints them (print, template strings, error messages):
// `[1, "a"]`, `{"k": 1}`, `{1, 2}`, `set()`.

import { objectGet, objectKeys, RSet, type Value } from './value.js';

export function formatValue(v: Value): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return String(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[' + v.map(formatValue).join(', ') + ']';
  if (v instanceof RSet) {
    if (v.size === 0) return 'set()';
    return '{' + v.sorted().map(formatValue).join(', ') + '}';
  }
  const keys = objectKeys(v);
  return '{' + keys.map((k) => formatValue(k) + ': ' + formatValue(objectGet(v, k) as Value)).join(', ') + '}';
}
