// Evaluating virtual documents: the value of a rule-tree node (complete, multi-value and ref-head
// rules merged with base data), function calls, and data lookups under `with data... as`.
// Values of nodes are cached for one evaluation (OPA's virtual document cache).

import { RegoError, type Location } from '../errors.js';
import type { PlannedClause, PlannedRule } from '../compiler/plan-types.js';
import type { RuleNode } from '../compiler/ruletree.js';
import { equal, keyOf, ObjectBuilder, objectEntries, RSet, type ObjectValue, type Value } from '../value.js';
import { getKey, getPath, setPath } from './access.js';
import { NOT_COMPUTED, type Ctx, type Frame } from './context.js';

export function conflict(msg: string, loc: Location | undefined): RegoError {
  return new RegoError('eval_conflict_error', msg, loc);
}

/** The value at a rule-tree node: rules at the node, or the merge of everything below it. */
export function nodeValue(c: Ctx, node: RuleNode): Value | undefined {
  if (c.dataOverrides !== null) return dataAt(c, node.path);
  const cached = c.cache[node.id];
  if (cached !== NOT_COMPUTED) return cached;
  const v = computeNode(c, node);
  c.cache[node.id] = v;
  return v;
}

function computeNode(c: Ctx, node: RuleNode): Value | undefined {
  if (node.compute !== undefined) return node.compute(c);
  if (node.complete.length > 0 || node.defaultRule !== undefined) return evalComplete(c, node);
  if (node.sets.length > 0) return evalSet(c, node);
  return materialize(c, node);
}

/** Base data at the node merged with child nodes and ref-head rules. */
function materialize(c: Ctx, node: RuleNode): Value | undefined {
  const base = getPath(c.data, node.path);
  if (node.children.size === 0 && node.dyn.length === 0 && !node.isPackage) return base;
  const b = new ObjectBuilder();
  if (base !== undefined) {
    if (typeof base !== 'object' || base === null || Array.isArray(base) || base instanceof RSet) {
      throw conflict(`base document at data.${node.path.join('.')} conflicts with rules`, undefined);
    }
    for (const [k, v] of objectEntries(base as ObjectValue)) b.set(k, v);
  }
  if (node.dyn.length > 0) {
    // Ref-head rules with variable keys: every rule at or below the node writes into one tree,
    // so a rule cannot write inside another rule's value (OPA indexes them all together).
    const tree = new Map<unknown, Entry>();
    evalDyn(c, node, [], tree);
    collectBelow(c, node, [], tree);
    for (const e of tree.values()) {
      const v = freeze(e);
      const prev = b.get(e.key);
      b.put(e.key, prev === undefined ? v : overlayBase(prev, v));
    }
    return b.build();
  }
  for (const [name, child] of node.children) {
    if (child.isFunction) continue;
    const v = nodeValue(c, child);
    if (v === undefined) continue;
    const prev = b.get(name);
    b.put(name, prev === undefined ? v : overlayBase(prev, v));
  }
  return b.build();
}

/** Base data and a virtual document at one path: objects merge; otherwise base data wins (OPA). */
function overlayBase(base: Value, virtual: Value): Value {
  if (!isObj(base) || !isObj(virtual)) return base;
  const out = new ObjectBuilder();
  for (const [k, v] of objectEntries(base as ObjectValue)) out.set(k, v);
  for (const [k, v] of objectEntries(virtual as ObjectValue)) {
    const prev = out.get(k);
    out.put(k, prev === undefined ? v : overlayBase(prev, v));
  }
  return out.build();
}

function isObj(v: Value): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RSet);
}

/** Runs one rule body (and its else chain); calls out(value) per solution. */
export function runRule(c: Ctx, r: PlannedRule, f: Frame, out: (v: Value, f: Frame) => boolean): void {
  let found = false;
  r.body(c, f, () => {
    found = true;
    const v = r.value === undefined ? true : r.value(c, f);
    return v === undefined ? false : out(v, f);
  });
  if (found) return;
  for (const e of r.elses) {
    if (runClause(c, e, f, out)) return;
  }
}

function runClause(c: Ctx, e: PlannedClause, f: Frame, out: (v: Value, f: Frame) => boolean): boolean {
  let found = false;
  e.body(c, f, () => {
    found = true;
    const v = e.value === undefined ? true : e.value(c, f);
    return v === undefined ? false : out(v, f);
  });
  return found;
}

const FOUND = (): boolean => true;
const NO_SLOTS: Frame = [];

function frameFor(r: PlannedRule): Frame {
  return r.nslots === 0 ? NO_SLOTS : new Array(r.nslots);
}

function evalComplete(c: Ctx, node: RuleNode): Value | undefined {
  c.tick(undefined);
  let result: Value | undefined;
  if (node.constantValue) {
    // Every definition yields the same constant (e.g. `allow if ...`): the first body with a
    // solution decides, and no closure is needed to collect values.
    for (const r of node.plannedComplete) {
      if (r.body(c, frameFor(r), FOUND)) return r.constValue;
    }
  } else {
    for (const r of node.plannedComplete) {
      const f = frameFor(r);
      const cv = r.constValue;
      if (cv !== undefined) {
        // A constant head (e.g. one of several decision objects): whether the body has a
        // solution is all that matters, so the first one ends the search.
        if (r.body(c, f, FOUND)) result = single(result, cv, r.loc);
        continue;
      }
      runRule(c, r, f, (v) => {
        result = single(result, v, r.loc);
        return false;
      });
    }
  }
  if (result === undefined && node.plannedDefault !== undefined) {
    const d = node.plannedDefault;
    if (d.constValue !== undefined) return d.body(c, frameFor(d), FOUND) ? d.constValue : undefined;
    runRule(c, d, frameFor(d), (v) => {
      result = v;
      return true;
    });
  }
  return result;
}

/** A complete rule has one value: a second, different one is a conflict. */
export function single(prev: Value | undefined, v: Value, loc: Location): Value {
  if (prev !== undefined && !equal(prev, v)) throw conflict('complete rules must not produce multiple outputs', loc);
  return v;
}

function evalSet(c: Ctx, node: RuleNode): Value {
  c.tick(undefined);
  const s = new RSet();
  for (const r of node.plannedSets) {
    const f = frameFor(r);
    r.body(c, f, () => {
      const k = (r.key as NonNullable<PlannedRule['key']>)(c, f);
      if (k !== undefined) s.add(k);
      return false;
    });
  }
  return s;
}

/**
 * Ref-head rules of a node: each solution places its value (or, for `contains`, one element of
 * a set) at its key path below `prefix`.
 */
function evalDyn(c: Ctx, node: RuleNode, prefix: Value[], tree: Map<unknown, Entry>): void {
  c.tick(undefined);
  for (const r of node.plannedDyn) {
    const suffix = r.suffix as NonNullable<PlannedRule['suffix']>;
    const multi = r.src.rule.head.contains;
    runRule(c, r, new Array(r.nslots), (v, f) => {
      const keys: Value[] = prefix.slice();
      for (const s of suffix) {
        const k = s(c, f);
        if (k === undefined) return false;
        keys.push(k);
      }
      if (multi) {
        const elem = (r.key as NonNullable<PlannedRule['key']>)(c, f);
        if (elem !== undefined) insert(tree, keys, elem, true, r.loc);
      } else {
        insert(tree, keys, v, false, r.loc);
      }
      return false;
    });
  }
}

/**
 * Rules below a node that has ref-head rules, after those rules (OPA's order): a complete rule's
 * value is one leaf, a multi-value rule adds its elements to a set leaf, nested ref-head rules
 * place their solutions. Only rule solutions create entries, as in OPA.
 */
function collectBelow(c: Ctx, node: RuleNode, prefix: Value[], tree: Map<unknown, Entry>): void {
  for (const [name, child] of node.children) {
    if (child.isFunction) continue;
    const keys = [...prefix, name];
    if (child.complete.length > 0 || child.defaultRule !== undefined) {
      const v = nodeValue(c, child);
      if (v !== undefined) insert(tree, keys, v, false, (child.complete[0] ?? child.defaultRule)?.rule.loc);
      continue;
    }
    if (child.sets.length > 0) {
      const v = nodeValue(c, child);
      const loc = child.sets[0].rule.loc;
      if (v instanceof RSet) for (const x of v.sorted()) insert(tree, keys, x, true, loc);
      continue;
    }
    if (child.dyn.length > 0) evalDyn(c, child, keys, tree);
    collectBelow(c, child, keys, tree);
  }
}

interface Entry {
  key: Value;
  leaf?: Value;
  set?: RSet;
  children?: Map<unknown, Entry>;
}

/**
 * Places one value at a key path. Objects made by key paths merge; a value placed by a rule is
 * opaque: writing below it is a conflict, and so is placing a different value where one is.
 */
function insert(tree: Map<unknown, Entry>, keys: Value[], v: Value, multi: boolean, loc: Location | undefined): void {
  let level = tree;
  for (let i = 0; i < keys.length; i++) {
    const ck = keyOf(keys[i]);
    let e = level.get(ck);
    if (e === undefined) {
      e = { key: keys[i] };
      level.set(ck, e);
    }
    if (i === keys.length - 1) {
      if (multi) {
        if (e.leaf !== undefined || e.children) throw conflict('object keys must be unique', loc);
        (e.set ??= new RSet()).add(v);
      } else if (e.leaf === undefined && !e.set && !e.children) {
        e.leaf = v;
      } else if (e.leaf !== undefined ? !equal(e.leaf, v) : !equal(freeze(e), v)) {
        throw conflict('object keys must be unique', loc);
      } else if (e.leaf === undefined) {
        // Equal to what deeper rules built: it stands, and nothing may be written below it.
        e.leaf = v;
      }
    } else {
      if (e.leaf !== undefined || e.set) throw conflict('object keys must be unique', loc);
      level = e.children ??= new Map();
    }
  }
}

function freeze(e: Entry): Value {
  if (e.leaf !== undefined) return e.leaf;
  if (e.set) return e.set;
  const b = new ObjectBuilder();
  for (const child of (e.children as Map<unknown, Entry>).values()) b.set(child.key, freeze(child));
  return b.build();
}

/** The value at a data path, honouring `with data... as` overrides (the slow, general path). */
export function dataAt(c: Ctx, path: readonly string[], tree?: { root: RuleNode }): Value | undefined {
  const overrides = c.dataOverrides;
  let start = 0;
  let value: Value | undefined;
  let covered = false;
  if (overrides !== null) {
    // The last override at or above the path replaces everything there.
    for (let i = overrides.length - 1; i >= 0; i--) {
      const o = overrides[i];
      if (isPrefix(o.path, path)) {
        value = getPath(o.value, path, o.path.length);
        start = i + 1;
        covered = true;
        break;
      }
    }
  }
  if (!covered) value = computeAt(c, path, tree ?? rootOf(c));
  if (overrides !== null) {
    for (let i = start; i < overrides.length; i++) {
      const o = overrides[i];
      if (o.path.length > path.length && isPrefix(path, o.path)) {
        value = setPath(value, o.path.slice(path.length), o.value);
      }
    }
  }
  return value;
}

function rootOf(c: Ctx): { root: RuleNode } {
  return c.tree as { root: RuleNode };
}

function computeAt(c: Ctx, path: readonly string[], tree: { root: RuleNode }): Value | undefined {
  let node = tree.root;
  let i = 0;
  while (i < path.length && !node.hasRules) {
    const child = node.children.get(path[i]);
    if (child === undefined) break;
    node = child;
    i++;
  }
  if (node.hasRules || i === path.length) {
    const saved = c.dataOverrides;
    // Evaluate the node itself without re-entering this function for the same path.
    const v = saved === null ? nodeValue(c, node) : cachedCompute(c, node);
    return getPath(v, path, i);
  }
  return getPath(c.data, path);
}

function cachedCompute(c: Ctx, node: RuleNode): Value | undefined {
  const cached = c.cache[node.id];
  if (cached !== NOT_COMPUTED) return cached;
  const v = computeNode(c, node);
  c.cache[node.id] = v;
  return v;
}

function isPrefix(a: readonly string[], b: readonly string[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Calls a user function with evaluated arguments. */
export function callFunction(c: Ctx, node: RuleNode, args: Value[], loc: Location): Value | undefined {
  if (node.invoke !== undefined) return node.invoke(c, args, loc);
  c.tick(loc);
  let result: Value | undefined;
  const constant = node.constantValue;
  for (const r of node.plannedFuncs) {
    const f = frameFor(r);
    const params = r.params as NonNullable<PlannedRule['params']>;
    let ok = true;
    for (let i = 0; i < params.length; i++) {
      if (!params[i](c, f, args[i])) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (constant) {
      // All clauses yield the same constant: the first clause with a solution decides.
      if (r.body(c, f, FOUND)) return r.constValue;
      continue;
    }
    runRule(c, r, f, (v) => {
      if (result === undefined) result = v;
      else if (!equal(result, v)) {
        throw conflict('functions must not produce multiple outputs for same inputs', loc);
      }
      return false;
    });
  }
  if (result === undefined && node.plannedDefaultFunc !== undefined) {
    const d = node.plannedDefaultFunc;
    const f = frameFor(d);
    const params = d.params ?? [];
    if (params.every((p, i) => p(c, f, args[i]))) {
      runRule(c, d, f, (v) => {
        result = v;
        return true;
      });
    }
  }
  return result;
}

export { getKey };
