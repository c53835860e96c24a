// Type predicates (is_number, is_string, ...) and type_name. A predicate is false, not an
// error, for a value of another type.

import { isNumber, isObject, RSet, typeName, type Value } from '../value.js';
import type { BuiltinDef } from './types.js';

function predicate(name: string, test: (v: Value) => boolean): BuiltinDef {
  return { name, args: ['any'], result: 'boolean', fn: ([v]) => test(v) };
}

export const typechecksBuiltins: BuiltinDef[] = [
  predicate('is_number', isNumber),
  predicate('is_string', (v) => typeof v === 'string'),
  predicate('is_boolean', (v) => typeof v === 'boolean'),
  predicate('is_array', (v) => Array.isArray(v)),
  predicate('is_set', (v) => v instanceof RSet),
  predicate('is_object', isObject),
  predicate('is_null', (v) => v === null),
  { name: 'type_name', args: ['any'], result: 'string', fn: ([v]) => typeName(v) },
];
