// walk (a relation: one solution per [path, value] pair, in pre-order) and the graph builtins
// graph.reachable and graph.reachable_paths.

import { isObject, objectEntries, objectGet, RSet, type ObjectValue, type Value } from '../value.js';
import { operandTypeError } from './numbers.js';
import { argObject } from './objects.js';
import type { BuiltinDef } from './types.js';

/** Every [path, value] pair of v, the root first, children in sorted order. */
export function walkPairs(v: Value): Value[] {
  const out: Value[] = [];
  const path: Value[] = [];
  const visit = (x: Value): void => {
    out.push([path.slice(), x]);
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        path.push(i);
        visit(x[i]);
        path.pop();
      }
    } else if (x instanceof RSet) {
      for (const e of x.sorted()) {
        path.push(e);
        visit(e);
        path.pop();
      }
    } else if (isObject(x)) {
      for (const [k, e] of objectEntries(x)) {
        path.push(k);
        visit(e);
        path.pop();
      }
    }
  };
  visit(v);
  return out;
}

/** Vertices of an edge collection: array elements in order, set elements sorted; others none. */
function vertices(v: Value | undefined): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.sorted();
  return [];
}

function initialNodes(args: Value[]): Value[] {
  const v = args[1];
  if (!Array.isArray(v) && !(v instanceof RSet)) operandTypeError(1, v, '{array, set}');
  return vertices(v);
}

function reachable(graph: ObjectValue, initial: Value[]): RSet {
  const reached = new RSet();
  const queue = initial.slice();
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    const edges = objectGet(graph, node);
    if (edges === undefined) continue;
    for (const n of vertices(edges)) if (!reached.has(n)) queue.push(n);
    reached.add(node);
  }
  return reached;
}

/**
 * OPA's path builder, reproduced including its quirks: `reached` is shared by the whole
 * search below one start edge, and a node that meets several already-reached neighbours
 * emits its path repeated (the accumulator is not reset between them).
 */
function buildPaths(graph: ObjectValue, root: Value, path: Value[], result: RSet, reached: RSet): void {
  const edges = objectGet(graph, root);
  if (edges === undefined) {
    result.add(path.slice());
    return;
  }
  const here = [...path, root];
  const ns = vertices(edges);
  if (ns.length === 0) {
    result.add(here);
    return;
  }
  let acc: Value[] = [];
  for (const n of ns) {
    if (reached.has(n)) {
      acc = acc.concat(here);
      result.add(acc);
    } else {
      reached.add(root);
      buildPaths(graph, n, here, result, reached);
    }
  }
}

export const graphBuiltins: BuiltinDef[] = [
  {
    name: 'walk',
    args: ['any'],
    result: 'array',
    relation: true,
    fn: ([v]) => walkPairs(v),
  },
  {
    name: 'graph.reachable',
    args: ['object', 'array|set'],
    result: 'set',
    fn: (args) => {
      const graph = argObject(args, 0);
      return reachable(graph, initialNodes(args));
    },
  },
  {
    name: 'graph.reachable_paths',
    args: ['object', 'array|set'],
    result: 'set',
    fn: (args) => {
      const graph = argObject(args, 0);
      const result = new RSet();
      for (const node of initialNodes(args)) {
        const edges = objectGet(graph, node);
        if (edges === undefined) continue;
        const ns = vertices(edges);
        if (ns.length === 0) result.add([node]);
        for (const n of ns) buildPaths(graph, n, [node], result, new RSet([node]));
      }
      return result;
    },
  },
];
