// Set builtins: `&` (and), `|` (or), intersection and union over a set of sets.

import { RSet, type Value } from '../value.js';
import { operandElementError } from './aggregates.js';
import { typeError, type BuiltinDef } from './types.js';

function argSet(args: Value[], i: number): RSet {
  const v = args[i];
  if (!(v instanceof RSet)) typeError(i, 'set', v);
  return v;
}

function intersect(a: RSet, b: RSet): RSet {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new RSet();
  for (const [k, v] of small.map) if (large.map.has(k)) out.add(v);
  return out;
}

function unite(a: RSet, b: RSet): RSet {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const out = new RSet(a.map.values());
  for (const v of b.map.values()) out.add(v);
  return out;
}

/** The elements of a set of sets, checked. */
function argSetOfSets(args: Value[], i: number): RSet[] {
  const s = argSet(args, i);
  const out: RSet[] = [];
  for (const v of s.sorted()) {
    if (!(v instanceof RSet)) operandElementError(i, s, v, 'set');
    out.push(v);
  }
  return out;
}

export const setsBuiltins: BuiltinDef[] = [
  { name: 'and', args: ['set', 'set'], result: 'set', fn: (args) => intersect(argSet(args, 0), argSet(args, 1)) },
  { name: 'or', args: ['set', 'set'], result: 'set', fn: (args) => unite(argSet(args, 0), argSet(args, 1)) },
  {
    name: 'intersection',
    args: ['set'],
    result: 'set',
    fn: (args) => {
      const sets = argSetOfSets(args, 0);
      if (sets.length === 0) return new RSet();
      let acc = sets[0];
      for (let i = 1; i < sets.length && acc.size > 0; i++) acc = intersect(acc, sets[i]);
      return acc;
    },
  },
  {
    name: 'union',
    args: ['set'],
    result: 'set',
    fn: (args) => {
      const out = new RSet();
      for (const s of argSetOfSets(args, 0)) for (const v of s.map.values()) out.add(v);
      return out;
    },
  },
];
