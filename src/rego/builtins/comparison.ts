// Comparison operators: ==, !=, <, <=, >, >= over OPA's total order of values.

import { compare, equal } from '../value.js';
import type { BuiltinDef } from './types.js';

export const comparisonBuiltins: BuiltinDef[] = [
  { name: 'equal', args: ['any', 'any'], result: 'boolean', fn: ([a, b]) => equal(a, b) },
  { name: 'neq', args: ['any', 'any'], result: 'boolean', fn: ([a, b]) => !equal(a, b) },
  { name: 'lt', args: ['any', 'any'], result: 'boolean', fn: ([a, b]) => compare(a, b) < 0 },
  { name: 'lte', args: ['any', 'any'], result: 'boolean', fn: ([a, b]) => compare(a, b) <= 0 },
  { name: 'gt', args: ['any', 'any'], result: 'boolean', fn: ([a, b]) => compare(a, b) > 0 },
  { name: 'gte', args: ['any', 'any'], result: 'boolean', fn: ([a, b]) => compare(a, b) >= 0 },
];
