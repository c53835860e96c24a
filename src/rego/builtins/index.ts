// The builtin registry: every family is listed here explicitly (no registration by side effect).

import { comparisonBuiltins } from './comparison.js';
import { numbersBuiltins } from './numbers.js';
import type { BuiltinDef } from './types.js';

const families: BuiltinDef[][] = [
  // Each family file exports an array of definitions; add it here.
  comparisonBuiltins,
  numbersBuiltins,
];

export const builtins: ReadonlyMap<string, BuiltinDef> = new Map(families.flat().map((b) => [b.name, b]));
