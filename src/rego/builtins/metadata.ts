// rego.metadata.chain() and rego.metadata.rule() return the METADATA annotations of the rule that
// calls them. The answer depends only on where the call is written, so the planner computes it
// at compile time (see compiler/metadata.ts); these definitions give the names and types.

import { BuiltinError } from '../errors.js';
import type { BuiltinDef } from './types.js';

const planned = (): never => {
  throw new BuiltinError('must be called from within a rule', 'eval_builtin_error');
};

export const metadataBuiltins: BuiltinDef[] = [
  { name: 'rego.metadata.chain', args: [], result: 'array', fn: planned },
  { name: 'rego.metadata.rule', args: [], result: 'object', fn: planned },
];
