// Array builtins: array.concat, array.slice, array.reverse, array.flatten.

import type { Value } from '../value.js';
import { operandError, operandTypeError } from './numbers.js';
import { argArray, type BuiltinDef } from './types.js';

/** An integer operand as a JS number (OPA's IntOperand). */
export function argInt(args: Value[], i: number): number {
  const v = args[i];
  if (typeof v === 'bigint') return v > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER;
  if (typeof v !== 'number') operandTypeError(i, v, 'number');
  if (!Number.isInteger(v)) operandError(i, 'integer number but got floating-point number');
  return v;
}

export const arraysBuiltins: BuiltinDef[] = [
  {
    name: 'array.concat',
    args: ['array', 'array'],
    result: 'array',
    fn: (args) => {
      const a = argArray(args, 0);
      const b = argArray(args, 1);
      return a.length === 0 ? b : b.length === 0 ? a : a.concat(b);
    },
  },
  {
    name: 'array.slice',
    args: ['array', 'number', 'number'],
    result: 'array',
    fn: (args) => {
      const a = argArray(args, 0);
      let start = argInt(args, 1);
      let stop = argInt(args, 2);
      // Clamp as OPA does: stop into [0, len], start into [0, stop].
      stop = Math.min(Math.max(stop, 0), a.length);
      start = Math.min(Math.max(start, 0), stop);
      return a.slice(start, stop);
    },
  },
  {
    name: 'array.reverse',
    args: ['array'],
    result: 'array',
    fn: (args) => argArray(args, 0).slice().reverse(),
  },
  {
    name: 'array.flatten',
    args: ['array'],
    result: 'array',
    fn: (args) => {
      const out: Value[] = [];
      for (const x of argArray(args, 0)) {
        if (Array.isArray(x)) for (const y of x) out.push(y);
        else out.push(x);
      }
      return out;
    },
  },
];
