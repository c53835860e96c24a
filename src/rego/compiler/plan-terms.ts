// Planning terms into closures. Three shapes, chosen at compile time from what is bound:
//   evalOf  — every variable bound: one value (or undefined);
//   gen     — references that iterate (x[i] with i unbound) enumerate and bind;
//   match   — patterns (x, [a, b], {"k": v}) bind unbound variables to parts of a value.

import { BuiltinError, RegoError, type Location } from '../errors.js';
import { NOT_COMPUTED, type Ctx, type Frame } from '../eval/context.js';
import { getKey, getPath, iterate } from '../eval/access.js';
import { callFunction, dataAt, nodeValue } from '../eval/rules.js';
import { formatValue } from '../format-value.js';
import {
  equal,
  isObject,
  ObjectBuilder,
  objectGet,
  objectKeys,
  objectSize,
  RSet,
  type Value,
} from '../value.js';
import type { FnTarget, RBody, RTerm } from './ir.js';
import type { Eval, Gen, Match, Step } from './plan-types.js';
import { metadataChain, metadataRule } from './metadata.js';
import type { RuleNode, RuleSource, RuleTree } from './ruletree.js';
import { argOrder, arityOf } from './safety.js';

type Local = Extract<RTerm, { t: 'local' }>;

/** Hooks into the body planner (comprehension bodies are planned there). */
export interface BodyPlanner {
  planBody(body: RBody, bound: Set<number>): Step;
}

export class TermPlanner {
  /** Rule nodes read by the rule being planned (for recursion checks). */
  deps: Set<RuleNode> | null = null;
  /** The rule being planned (rego.metadata.* answer for it). */
  current: { src: RuleSource; node: RuleNode } | null = null;

  constructor(
    readonly tree: RuleTree,
    readonly bodies: BodyPlanner,
  ) {}

  private dep(n: RuleNode): void {
    this.deps?.add(n);
  }

  /** A closure for a term with no unbound variables, or null if it would bind or iterate. */
  evalOf(t: RTerm, bound: Set<number>): Eval | null {
    switch (t.t) {
      case 'const': {
        const v = t.v;
        return () => v;
      }
      case 'local': {
        if (!bound.has(t.slot)) return null;
        const s = t.slot;
        return (_c, f) => f[s];
      }
      case 'input':
        return (c) => c.input;
      case 'data':
        return this.dataRef([], bound, t.loc) as Eval;
      case 'ref':
        return this.refEval(t, bound);
      case 'array': {
        const items = this.evalAll(t.items, bound);
        if (!items) return null;
        const n = items.length;
        return (c, f) => {
          const out = new Array<Value>(n);
          for (let i = 0; i < n; i++) {
            const v = items[i](c, f);
            if (v === undefined) return undefined;
            out[i] = v;
          }
          return out;
        };
      }
      case 'set': {
        const items = this.evalAll(t.items, bound);
        if (!items) return null;
        return (c, f) => {
          const s = new RSet();
          for (const it of items) {
            const v = it(c, f);
            if (v === undefined) return undefined;
            s.add(v);
          }
          return s;
        };
      }
      case 'object': {
        const keys = this.evalAll(t.entries.map((e) => e[0]), bound);
        const vals = this.evalAll(t.entries.map((e) => e[1]), bound);
        if (!keys || !vals) return null;
        const loc = t.loc;
        return (c, f) => {
          const b = new ObjectBuilder();
          for (let i = 0; i < keys.length; i++) {
            const k = keys[i](c, f);
            const v = vals[i](c, f);
            if (k === undefined || v === undefined) return undefined;
            if (!b.set(k, v)) throw new RegoError('eval_conflict_error', 'object keys must be unique', loc);
          }
          return b.build();
        };
      }
      case 'acompr':
      case 'scompr':
      case 'ocompr':
        return this.comprehension(t, bound);
      case 'call': {
        const n = arityOf(t.fn);
        if (n >= 0 && t.args.length !== n) return null;
        if (t.fn.kind === 'builtin' && t.fn.def.relation) return null; // several results: see gen
        const args = this.evalAll(t.args, bound);
        if (!args) return null;
        const member = this.literalMembership(t, bound);
        if (member) return member;
        const call = this.caller(t.fn, t.loc);
        const binary = t.fn.kind === 'builtin' && args.length === 2 ? t.fn.def.binary : undefined;
        if (binary !== undefined) {
          const [x, y] = args;
          return (c, f) => {
            const a = x(c, f);
            if (a === undefined) return undefined;
            const b = y(c, f);
            if (b === undefined) return undefined;
            return c.fnOverrides === null ? binary(a, b) : call(c, [a, b]);
          };
        }
        const m = args.length;
        return (c, f) => {
          const vals = new Array<Value>(m);
          for (let i = 0; i < m; i++) {
            const v = args[i](c, f);
            if (v === undefined) return undefined;
            vals[i] = v;
          }
          return call(c, vals);
        };
      }
      case 'template': {
        const parts: (string | Eval)[] = [];
        for (const p of t.parts) {
          if (typeof p === 'string') parts.push(p);
          else {
            const e = this.evalOf(p, bound);
            if (!e) return null;
            parts.push(e);
          }
        }
        return (c, f) => {
          let s = '';
          for (const p of parts) {
            if (typeof p === 'string') s += p;
            else {
              const v = p(c, f);
              s += v === undefined ? '<undefined>' : typeof v === 'string' ? v : formatValue(v);
            }
          }
          return s;
        };
      }
    }
  }

  /**
   * `x in {a, b}` / `x in [a, b]` with a literal collection: compare with each item instead of
   * building the collection on every evaluation.
   */
  private literalMembership(t: Extract<RTerm, { t: 'call' }>, bound: Set<number>): Eval | null {
    if (t.fn.kind !== 'builtin' || t.fn.name !== 'internal.member_2') return null;
    const coll = t.args[1];
    if (coll.t !== 'set' && coll.t !== 'array') return null;
    const x = this.evalOf(t.args[0], bound);
    const items = this.evalAll(coll.items, bound);
    if (!x || !items) return null;
    return (c, f) => {
      const v = x(c, f);
      if (v === undefined) return undefined;
      let found = false;
      for (let i = 0; i < items.length; i++) {
        const it = items[i](c, f);
        if (it === undefined) return undefined; // an undefined item makes the collection undefined
        if (!found && equal(it, v)) found = true;
      }
      return found;
    };
  }

  private evalAll(ts: RTerm[], bound: Set<number>): Eval[] | null {
    const out: Eval[] = [];
    for (const t of ts) {
      const e = this.evalOf(t, bound);
      if (!e) return null;
      out.push(e);
    }
    return out;
  }

  /** Enumerates a term's values, binding iteration variables; adds them to `bound`. */
  gen(t: RTerm, bound: Set<number>): Gen {
    if (t.t === 'call' && t.fn.kind === 'builtin' && t.fn.def.relation) return this.relation(t, bound);
    const e = this.evalOf(t, bound);
    if (e) {
      return (c, f, each) => {
        const v = e(c, f);
        return v === undefined ? false : each(v);
      };
    }
    switch (t.t) {
      case 'ref':
        return this.refGen(t, bound);
      case 'array':
      case 'set':
      case 'call':
      case 'template':
      case 'object':
        return this.genComposite(t, bound);
      default:
        throw new RegoError('rego_unsafe_var_error', `var ${(t as Local).name ?? '?'} is unsafe`, t.loc);
    }
  }

  /** A builtin relation (e.g. walk) returns all its results as an array: one solution each. */
  private relation(t: Extract<RTerm, { t: 'call' }>, bound: Set<number>): Gen {
    const args = this.evalAll(t.args, bound);
    if (!args) throw new RegoError('rego_unsafe_var_error', `arguments of ${t.fn.name} must be bound`, t.loc);
    const call = this.caller(t.fn, t.loc);
    return (c, f, each) => {
      const vals: Value[] = [];
      for (const a of args) {
        const v = a(c, f);
        if (v === undefined) return false;
        vals.push(v);
      }
      const results = call(c, vals);
      if (!Array.isArray(results)) return false;
      for (const r of results) if (each(r)) return true;
      return false;
    };
  }

  /** Composite terms whose parts iterate: enumerate the parts left to right. */
  private genComposite(t: RTerm, bound: Set<number>): Gen {
    const parts: RTerm[] =
      t.t === 'array' || t.t === 'set'
        ? t.items
        : t.t === 'object'
          ? t.entries.flat()
          : t.t === 'call'
            ? t.args
            : t.t === 'template'
              ? (t.parts.filter((p) => typeof p !== 'string') as RTerm[])
              : [];
    // Parts are enumerated in safety order (call arguments: refs first); each value lands in
    // tmp at the part's written position, and the term is rebuilt from tmp.
    const order = t.t === 'call' ? argOrder(parts) : parts.map((_, i) => i);
    const gens: Gen[] = [];
    const pos: number[] = [];
    for (const i of order) {
      gens.push(this.gen(parts[i], bound));
      pos.push(i);
    }
    const tmp: Value[] = [];
    const n = gens.length;
    const rebuild = this.rebuild(t, parts);
    const step = (c: Ctx, f: Frame, i: number, each: (v: Value) => boolean): boolean => {
      if (i === n) {
        const v = rebuild(c, f, tmp);
        return v === undefined ? false : each(v);
      }
      return gens[i](c, f, (v) => {
        tmp[pos[i]] = v;
        return step(c, f, i + 1, each);
      });
    };
    return (c, f, each) => step(c, f, 0, each);
  }

  private rebuild(t: RTerm, parts: RTerm[]): (c: Ctx, f: Frame, vals: Value[]) => Value | undefined {
    const at = (p: RTerm) => parts.indexOf(p);
    switch (t.t) {
      case 'array': {
        const idx = t.items.map(at);
        return (_c, _f, vals) => idx.map((j) => vals[j]);
      }
      case 'set': {
        const idx = t.items.map(at);
        return (_c, _f, vals) => new RSet(idx.map((j) => vals[j]));
      }
      case 'object': {
        const idx = t.entries.map(([k, v]) => [at(k), at(v)]);
        return (_c, _f, vals) => {
          const b = new ObjectBuilder();
          for (const [k, v] of idx) if (!b.set(vals[k], vals[v])) throw new RegoError('eval_conflict_error', 'object keys must be unique', t.loc);
          return b.build();
        };
      }
      case 'call': {
        const call = this.caller(t.fn, t.loc);
        const idx = t.args.map(at);
        return (c, _f, vals) => call(c, idx.map((j) => vals[j]));
      }
      case 'template': {
        const parts = t.parts.map((p) => (typeof p === 'string' ? p : at(p)));
        return (_c, _f, vals) =>
          parts
            .map((p) => {
              if (typeof p === 'string') return p;
              const v = vals[p];
              return typeof v === 'string' ? v : formatValue(v);
            })
            .join('');
      }
      default:
        return () => undefined;
    }
  }

  /** A pattern: binds unbound variables of `t` to the matching parts of a value. */
  match(t: RTerm, bound: Set<number>): Match {
    switch (t.t) {
      case 'local': {
        const s = t.slot;
        if (bound.has(s)) return (_c, f, v) => equal(f[s] as Value, v);
        bound.add(s);
        return (_c, f, v) => {
          f[s] = v;
          return true;
        };
      }
      case 'array': {
        const n = t.items.length;
        const ms = t.items.map((x) => this.match(x, bound));
        return (c, f, v) => {
          if (!Array.isArray(v) || v.length !== n) return false;
          for (let i = 0; i < n; i++) if (!ms[i](c, f, v[i])) return false;
          return true;
        };
      }
      case 'object': {
        const keys = t.entries.map(([k]) => this.evalOf(k, bound));
        if (keys.every((k) => k !== null)) {
          const ms = t.entries.map(([, x]) => this.match(x, bound));
          const n = keys.length;
          return (c, f, v) => {
            if (!isObject(v) || objectSize(v) !== n) return false;
            for (let i = 0; i < n; i++) {
              const k = (keys[i] as Eval)(c, f);
              if (k === undefined) return false;
              const x = objectGet(v, k);
              if (x === undefined || !ms[i](c, f, x)) return false;
            }
            return true;
          };
        }
        break;
      }
      default:
        break;
    }
    const e = this.evalOf(t, bound);
    if (e) {
      return (c, f, v) => {
        const x = e(c, f);
        return x !== undefined && equal(x, v);
      };
    }
    // A term that iterates (e.g. a ref with unbound keys): enumerate and compare.
    const g = this.gen(t, bound);
    return (c, f, v) => g(c, f, (x) => equal(x, v));
  }

  // ---- References ----

  private refEval(t: Extract<RTerm, { t: 'ref' }>, bound: Set<number>): Eval | null {
    if (t.head.t === 'data') {
      for (const p of t.path) if (!this.evalOf(p, bound)) return null;
      const r = this.dataRef(t.path, bound, t.loc);
      return r as Eval | null;
    }
    const head = this.evalOf(t.head, bound);
    if (!head) return null;
    if (t.path.every((p) => p.t === 'const')) return constChain(head, t.path.map((p) => (p as { v: Value }).v));
    const segs = this.evalAll(t.path, bound);
    if (!segs) return null;
    return chain(head, segs);
  }

  private refGen(t: Extract<RTerm, { t: 'ref' }>, bound: Set<number>): Gen {
    let start: Gen;
    let rest: RTerm[];
    if (t.head.t === 'data') {
      // The longest constant prefix is resolved through the rule tree; the rest iterates.
      let i = 0;
      while (i < t.path.length && t.path[i].t === 'const') i++;
      const e = this.dataRef(t.path.slice(0, i), bound, t.loc) as Eval;
      start = (c, f, each) => {
        const v = e(c, f);
        return v === undefined ? false : each(v);
      };
      rest = t.path.slice(i);
    } else {
      start = this.gen(t.head, bound);
      rest = t.path;
    }
    let g = start;
    for (const seg of rest) g = this.segment(g, seg, bound);
    return g;
  }

  /** One path segment after `prev`: a lookup when the key is known, else an iteration. */
  private segment(prev: Gen, seg: RTerm, bound: Set<number>): Gen {
    const key = this.evalOf(seg, bound);
    if (key) {
      return (c, f, each) =>
        prev(c, f, (v) => {
          const k = key(c, f);
          if (k === undefined) return false;
          const x = getKey(v, k);
          return x === undefined ? false : each(x);
        });
    }
    const m = this.match(seg, bound);
    return (c, f, each) => prev(c, f, (v) => iterate(v, (k, x) => (m(c, f, k) ? each(x) : false)));
  }

  /**
   * `data.<path>` with a constant path: resolved to a rule-tree node at compile time.
   * Returns null when the path is not all constant.
   */
  dataRef(path: RTerm[], bound: Set<number>, loc: Location): Eval | null {
    void loc;
    const consts: Value[] = [];
    for (const p of path) {
      if (p.t !== 'const') {
        // Keys known only at run time (data[x].allow): walk the rule tree as they arrive, so only
        // the addressed document is evaluated, never all of data.
        const segs = this.evalAll(path, bound);
        if (!segs) return null;
        const tree = this.tree;
        const n = segs.length;
        return (c, f) => {
          const keys = new Array<Value>(n);
          for (let i = 0; i < n; i++) {
            const k = segs[i](c, f);
            if (k === undefined) return undefined;
            keys[i] = k;
          }
          return dataByKeys(c, tree.root, keys);
        };
      }
      consts.push(p.v);
    }
    let node = this.tree.root;
    let i = 0;
    while (i < consts.length && !node.hasRules) {
      const k = consts[i];
      const child = typeof k === 'string' ? node.children.get(k) : undefined;
      if (child === undefined) break;
      node = child;
      i++;
    }
    const allStrings = consts.every((k) => typeof k === 'string');
    const strPath = allStrings ? (consts as string[]) : [];
    if (node.hasRules || i === consts.length || node.isFunction) {
      this.depTree(node);
      const n = node;
      const rest = consts.slice(i);
      if (rest.length === 0) return (c) => nodeValue(c, n);
      return (c) => {
        let v = nodeValue(c, n);
        for (let j = 0; j < rest.length && v !== undefined; j++) v = getKey(v, rest[j]);
        return v;
      };
    }
    // Below the rule tree: plain base data (unless `with data... as` is active).
    const rest = consts;
    return (c) => {
      if (c.dataOverrides !== null && allStrings) return dataAt(c, strPath);
      if (allStrings) return getPath(c.data, strPath);
      let v: Value | undefined = c.data;
      for (let j = 0; j < rest.length && v !== undefined; j++) {
        const k = rest[j];
        // The store holds JSON: an integer key reads the object member of that name (OPA).
        v = getKey(v, k) ?? (typeof k === 'number' && isObject(v) ? getKey(v, String(k)) : undefined);
      }
      return v;
    };
  }

  /** A read of node n depends on every rule at or below it. */
  private depTree(n: RuleNode): void {
    if (!this.deps) return;
    this.dep(n);
    for (const child of n.children.values()) this.depTree(child);
  }

  // ---- Comprehensions ----

  private comprehension(t: Extract<RTerm, { t: 'acompr' | 'scompr' | 'ocompr' }>, bound: Set<number>): Eval {
    // planBody adds the variables the body binds, so the head sees them as bound.
    const after = new Set(bound);
    const body = this.bodies.planBody(t.body, after);
    if (t.t === 'ocompr') {
      const key = this.evalOf(t.key, after) ?? fail(t.key);
      const val = this.evalOf(t.value, after) ?? fail(t.value);
      const loc = t.loc;
      return (c, f) => {
        const b = new ObjectBuilder();
        body(c, f, () => {
          const k = key(c, f);
          const v = val(c, f);
          if (k !== undefined && v !== undefined && !b.set(k, v)) {
            throw new RegoError('eval_conflict_error', 'object keys must be unique', loc);
          }
          return false;
        });
        return b.build();
      };
    }
    const term = this.evalOf(t.term, after) ?? fail(t.term);
    if (t.t === 'acompr') {
      return (c, f) => {
        const out: Value[] = [];
        body(c, f, () => {
          const v = term(c, f);
          if (v !== undefined) out.push(v);
          return false;
        });
        return out;
      };
    }
    return (c, f) => {
      const out = new RSet();
      body(c, f, () => {
        const v = term(c, f);
        if (v !== undefined) out.add(v);
        return false;
      });
      return out;
    };
  }

  // ---- Calls ----

  /** The function that performs a call with evaluated arguments. */
  caller(fn: FnTarget, loc: Location): (c: Ctx, args: Value[]) => Value | undefined {
    const where = `${loc.file}:${loc.row}`;
    if (fn.kind === 'print') {
      return (c, args) => {
        c.host.print?.(args.map((a) => (typeof a === 'string' ? a : formatValue(a))).join(' '), where);
        return true;
      };
    }
    if (fn.kind === 'builtin' && (fn.name === 'rego.metadata.chain' || fn.name === 'rego.metadata.rule')) {
      const cur = this.current;
      if (cur !== null) {
        const v =
          fn.name === 'rego.metadata.rule'
            ? metadataRule(cur.src, cur.node)
            : metadataChain(cur.src, cur.node, this.tree.packageAnnotations);
        return () => v;
      }
    }
    const key = fn.kind === 'user' ? fn.node.name : fn.name;
    let direct: (c: Ctx, args: Value[]) => Value | undefined;
    if (fn.kind === 'user') {
      const node = fn.node;
      this.dep(node);
      direct = (c, args) => callFunction(c, node, args, loc);
    } else {
      const def = fn.def;
      const failed = builtinFailure(fn.name, loc);
      direct = (c, args) => {
        c.location = where;
        try {
          return def.fn(args, c);
        } catch (err) {
          return failed(c, err);
        }
      };
    }
    return (c, args) => {
      if (c.fnOverrides !== null) {
        const o = c.fnOverrides.get(key);
        if (o !== undefined) {
          if (!o.call) return o.value;
          // A replacement runs with no replacements active (it may call the original).
          const saved = c.save();
          c.fnOverrides = null;
          c.cache = new Array(c.cache.length).fill(NOT_COMPUTED);
          try {
            return o.call(c, args);
          } finally {
            c.restore(saved);
          }
        }
      }
      return direct(c, args);
    };
  }
}

/**
 * What a builtin call that threw becomes: OPA records a builtin error and treats the call as
 * undefined (a strict evaluation then fails with the first such error once it has run to the
 * end); halting errors, evaluation errors and a RangeError (the stack or heap running out —
 * builtins report their own depth limits as BuiltinErrors) fail the evaluation, closed.
 */
export function builtinFailure(name: string, loc: Location): (c: Ctx, err: unknown) => undefined {
  return (c, err) => {
    if (err instanceof RegoError || err instanceof RangeError) throw err;
    const be = err instanceof BuiltinError ? err : new BuiltinError(err instanceof Error ? err.message : String(err), 'eval_builtin_error');
    if (be.halt) throw new RegoError(be.code, `${name}: ${be.message}`, loc);
    if (c.strict) c.recordBuiltinError(new RegoError(be.code, `${name}: ${be.message}`, loc));
    return undefined;
  };
}

/** data[k0][k1]... with run-time keys: follow rule-tree nodes, then base data or a node's value. */
function dataByKeys(c: Ctx, root: RuleNode, keys: Value[]): Value | undefined {
  let node = root;
  let i = 0;
  while (i < keys.length && !node.hasRules) {
    const k = keys[i];
    const child = typeof k === 'string' ? node.children.get(k) : undefined;
    if (child === undefined) break;
    node = child;
    i++;
  }
  let v: Value | undefined;
  if (node.hasRules || i === keys.length) {
    v = nodeValue(c, node);
  } else {
    if (c.dataOverrides !== null && keys.every((k) => typeof k === 'string')) return dataAt(c, keys as string[]);
    v = getPath(c.data, node.path);
  }
  for (let j = i; j < keys.length && v !== undefined; j++) v = getKey(v, keys[j]);
  return v;
}

/** `x.a.b` with constant keys: no closure call per key (the common input.subject.id case). */
function constChain(head: Eval, keys: Value[]): Eval {
  switch (keys.length) {
    case 1: {
      const [k0] = keys;
      return (c, f) => getKey(head(c, f), k0);
    }
    case 2: {
      const [k0, k1] = keys;
      return (c, f) => {
        const v = getKey(head(c, f), k0);
        return v === undefined ? undefined : getKey(v, k1);
      };
    }
    case 3: {
      const [k0, k1, k2] = keys;
      return (c, f) => {
        let v = getKey(head(c, f), k0);
        if (v === undefined) return undefined;
        v = getKey(v, k1);
        return v === undefined ? undefined : getKey(v, k2);
      };
    }
    default:
      return (c, f) => {
        let v = head(c, f);
        for (let i = 0; i < keys.length && v !== undefined; i++) v = getKey(v, keys[i]);
        return v;
      };
  }
}

function chain(head: Eval, segs: Eval[]): Eval {
  const n = segs.length;
  if (n === 1) {
    const s0 = segs[0];
    return (c, f) => {
      const v = head(c, f);
      if (v === undefined) return undefined;
      const k = s0(c, f);
      return k === undefined ? undefined : getKey(v, k);
    };
  }
  return (c, f) => {
    let v = head(c, f);
    for (let i = 0; i < n && v !== undefined; i++) {
      const k = segs[i](c, f);
      if (k === undefined) return undefined;
      v = getKey(v, k);
    }
    return v;
  };
}

function fail(t: RTerm): never {
  throw new RegoError('rego_unsafe_var_error', `var ${(t as Local).name ?? 'in comprehension head'} is unsafe`, t.loc);
}

export { objectKeys };
