// Comparison operators: ==, !=, <, <=, >, >= over OPA's total order of values.

import { compare, equal, type Value } from '../value.js';
import type { BuiltinDef } from './types.js';

function comparison(name: string, test: (a: Value, b: Value) => boolean): BuiltinDef {
  return { name, args: ['any', 'any'], result: 'boolean', fn: ([a, b]) => test(a, b), binary: test };
}

export const comparisonBuiltins: BuiltinDef[] = [
  comparison('equal', (a, b) => equal(a, b)),
  comparison('neq', (a, b) => !equal(a, b)),
  comparison('lt', (a, b) => compare(a, b) < 0),
  comparison('lte', (a, b) => compare(a, b) <= 0),
  comparison('gt', (a, b) => compare(a, b) > 0),
  comparison('gte', (a, b) => compare(a, b) >= 0),
];
