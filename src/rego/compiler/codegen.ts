// Code generation for rule bodies. A body becomes one JavaScript function: expressions run in
// safe order as straight-line tests, `some x in coll` becomes a `for` loop with the rest of the
// body inside it, and common terms (variables, input and variable refs, comparisons, builtin and
// function calls) are written out inline. V8 then optimises a whole body as one function, with
// monomorphic call sites, instead of a tree of small closures calling each other.
//
// Anything not handled here (`with`, `every`, negation of anything but a term, comprehensions,
// iteration inside refs, …) is planned as a closure by the Planner and called from the generated
// code, so coverage of the language never depends on this file: it only makes the common shapes
// fast.

import { getKey } from '../eval/access.js';
import { NOT_COMPUTED, type Ctx, type Frame } from '../eval/context.js';
import { equal, plainKeys, RObject, RSet, type PlainObject, type Value } from '../value.js';
import type { RExpr, RTerm } from './ir.js';
import type { Step } from './plan-types.js';
import { builtinFailure, type TermPlanner } from './plan-terms.js';
import { arityOf, type Scheduled } from './safety.js';
import { hasOwnEvaluator, sourceName } from './node-gen.js';
import type { RuleNode } from './ruletree.js';

/** What the generator needs from the body planner: closures for the shapes it does not handle. */
export interface FallbackPlanner {
  readonly terms: TermPlanner;
  planExpr(e: RExpr, bound: Set<number>, leftFirst: boolean): { det?: (c: Ctx, f: Frame) => boolean; step?: Step };
}

/** Keys of a collection in OPA's iteration order (arrays are handled by index before this). */
function iterKeys(v: Value): Value[] {
  if (v instanceof RSet) return v.sorted();
  if (v instanceof RObject) return v.keys();
  return plainKeys(v as PlainObject);
}

function iterVal(v: Value, k: Value): Value {
  if (v instanceof RSet) return k;
  if (v instanceof RObject) return v.get(k) as Value;
  return (v as PlainObject)[k as string];
}

/** After a property read found nothing: only a set or an object with non-string keys may hold k. */
function memberOf(v: Value, k: string): Value | undefined {
  if (v instanceof RSet) return v.has(k) ? k : undefined;
  if (v instanceof RObject) return v.get(k);
  return undefined;
}

const RUNTIME = { getKey, equal, iterKeys, iterVal, memberOf, NOT_COMPUTED };

/** Builtins that TermPlanner.caller answers itself (rule metadata is fixed per call site). */
const CALLER_ONLY: ReadonlySet<string> = new Set(['rego.metadata.chain', 'rego.metadata.rule']);

/**
 * Keys a plain property read could find on something other than an object's own data: prototype
 * members of every kind of value, fields of the set and object classes, array lengths. A read of
 * any other string key finds exactly the object's own member, or nothing.
 */
const UNSAFE_KEYS: ReadonlySet<string> = (() => {
  const names = new Set<string>(['__proto__']);
  const protos: object[] = [Object.prototype, Array.prototype, String.prototype, Number.prototype];
  protos.push(Boolean.prototype, BigInt.prototype, RSet.prototype, RObject.prototype);
  for (const o of [...protos, new RSet(), new RObject(), [], '']) {
    for (let p: object | null = Object(o); p !== null; p = Object.getPrototypeOf(p)) {
      for (const n of Object.getOwnPropertyNames(p)) names.add(n);
    }
  }
  return names;
})();
const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

/** False under `node --disallow-code-generation-from-strings`: asked once, before any planning. */
export const codegenAvailable = ((): boolean => {
  try {
    return new Function('return true')() as boolean;
  } catch {
    return false;
  }
})();

/**
 * Generates the body; returns null if this runtime forbids code generation from strings
 * (node --disallow-code-generation-from-strings), in which case the caller plans closures.
 */
export function generateBody(planner: FallbackPlanner, order: Scheduled[], bound: Set<number>): Step | null {
  if (!codegenAvailable) return null;
  const g = new BodyGen(planner, bound);
  g.exprs(order);
  const at = order.length > 0 ? order[0].expr.loc : undefined;
  return g.build(at === undefined ? 'rego-body' : `rego-body/${at.file}:${at.row}`);
}

class BodyGen {
  private readonly consts: unknown[] = [];
  private readonly constIndex = new Map<unknown, number>();
  private readonly lines: string[] = [];
  private tmps = 0;
  private labels = 0;
  /** Slots bound by this function, and the JS constant holding each (read it, not the frame). */
  private readonly slotVars = new Map<number, string>();

  constructor(
    private readonly planner: FallbackPlanner,
    private readonly bound: Set<number>,
  ) {}

  /** `name` becomes the function's sourceURL: CPU profiles then show a body by its rule's place. */
  build(name: string): Step {
    const names = this.consts.map((_, i) => `K${i} = K[${i}]`);
    const src =
      `"use strict";\nconst { getKey, equal, iterKeys, iterVal, memberOf, NOT_COMPUTED } = rt;\n` +
      (names.length > 0 ? `const ${names.join(', ')};\n` : '') +
      `return function body(c, f, k) {\n${this.lines.join('\n')}\nreturn false;\n};\n//# sourceURL=${sourceName(name)}`;
    return new Function('K', 'rt', src)(this.consts, RUNTIME) as Step;
  }

  private k(v: unknown): string {
    let i = this.constIndex.get(v);
    if (i === undefined) this.constIndex.set(v, (i = this.consts.push(v) - 1));
    return `K${i}`;
  }
  private tmp(): string {
    return `t${this.tmps++}`;
  }
  private emit(line: string): void {
    this.lines.push(line);
  }

  /**
   * Emits the body's expressions in order. `fail` is the statement that abandons the current
   * solution: `return false` at first, `continue L` inside a loop. A loop or an enumerating closure
   * opens a scope that holds the rest of the body; the scopes close, innermost first, at the end.
   * (A loop, not recursion per expression: bodies may have thousands of expressions.)
   */
  exprs(order: Scheduled[]): void {
    let fail = 'return false';
    const closers: string[] = [];
    for (const { expr: e, leftFirst } of order) {
      if (e.with.length === 0) {
        if (e.negated) {
          if (e.kind === 'term' && this.negation(e.term, fail)) continue;
        } else {
          if (e.kind === 'true') continue;
          if (e.kind === 'term' && this.test(e.term, fail)) continue;
          if (e.kind === 'unify' && (leftFirst ? this.unify(e.left, e.right, fail) : this.unify(e.right, e.left, fail))) continue;
          if (e.kind === 'somein') {
            const next = this.someIn(e, fail);
            if (next !== null) {
              fail = next;
              closers.push('}\n}');
              continue;
            }
          }
        }
      }
      const p = this.planner.planExpr(e, this.bound, leftFirst);
      if (p.det) {
        this.emit(`if (!${this.k(p.det)}(c, f)) ${fail};`);
        continue;
      }
      // A closure that enumerates solutions: the rest of the body becomes its continuation.
      this.emit(`if (${this.k(p.step)}(c, f, () => {`);
      fail = 'return false';
      closers.push('return false;\n})) return true;');
    }
    this.emit('if (k()) return true;');
    for (let j = closers.length - 1; j >= 0; j--) this.emit(closers[j]);
  }

  /**
   * `not t`: a labelled block that the term leaves (break) when it is undefined or false; falling
   * through to the end means t held, so the expression fails.
   */
  private negation(t: RTerm, fail: string): boolean {
    if (t.t === 'call' && arityOf(t.fn) >= 0 && t.args.length !== arityOf(t.fn)) return false;
    if (!this.canEval(t)) return false;
    const label = `N${this.labels++}`;
    this.emit(`${label}: {`);
    const v = this.term(t, `break ${label}`);
    this.emit(`if (${v} === false) break ${label};`);
    this.emit(`${fail};`);
    this.emit('}');
    return true;
  }

  /** A term used as an expression: true unless undefined or false. */
  private test(t: RTerm, fail: string): boolean {
    if (t.t === 'call' && arityOf(t.fn) >= 0 && t.args.length !== arityOf(t.fn)) return false;
    if (!this.canEval(t)) return false;
    const v = this.term(t, fail);
    this.emit(`if (${v} === false) ${fail};`);
    return true;
  }

  /** `dst = src` where src has no unbound variables and dst is a variable or a value. */
  private unify(src: RTerm, dst: RTerm, fail: string): boolean {
    if (!this.canEval(src)) return false;
    if (dst.t === 'local' && !this.bound.has(dst.slot)) {
      const v = this.term(src, fail);
      this.bound.add(dst.slot);
      this.emit(`f[${dst.slot}] = ${v};`);
      if (/^t\d+$/.test(v)) this.slotVars.set(dst.slot, v);
      return true;
    }
    if (!this.canEval(dst)) return false;
    const v = this.term(src, fail);
    const w = this.term(dst, fail);
    this.emit(`if (${sameCheck(v, w, dst)}) ${fail};`);
    return true;
  }

  /**
   * `some v in coll` / `some k, v in coll` over a collection with no unbound variables: opens a
   * loop (closed by exprs) and returns the statement that moves to its next element.
   */
  private someIn(e: Extract<RExpr, { kind: 'somein' }>, fail: string): string | null {
    const key = e.key;
    if (!this.canEval(e.collection) || e.value.t !== 'local' || (key !== undefined && key.t !== 'local')) return null;
    const coll = this.term(e.collection, fail);
    const n = this.labels++;
    const label = `L${n}`;
    const loc = this.k(e.loc);
    this.emit(`if (typeof ${coll} === 'object' && ${coll} !== null) {`);
    this.emit(`const a${n} = Array.isArray(${coll}), ks${n} = a${n} ? null : iterKeys(${coll}), n${n} = a${n} ? ${coll}.length : ks${n}.length;`);
    this.emit(`${label}: for (let i${n} = 0; i${n} < n${n}; i${n}++) {`);
    this.emit(`c.tick(${loc});`);
    const keyExpr = `(a${n} ? i${n} : ks${n}[i${n}])`;
    const valExpr = `(a${n} ? ${coll}[i${n}] : iterVal(${coll}, ks${n}[i${n}]))`;
    const next = `continue ${label}`;
    // The key is matched before the value, as the closure planner does.
    if (key !== undefined) this.bindLocal(key as Extract<RTerm, { t: 'local' }>, keyExpr, next);
    this.bindLocal(e.value as Extract<RTerm, { t: 'local' }>, valExpr, next);
    return next;
  }

  private bindLocal(l: Extract<RTerm, { t: 'local' }>, value: string, fail: string): void {
    if (this.bound.has(l.slot)) {
      this.emit(`if (!equal(f[${l.slot}], ${value})) ${fail};`);
    } else {
      this.bound.add(l.slot);
      const v = this.tmp();
      this.emit(`const ${v} = ${value};`);
      this.emit(`f[${l.slot}] = ${v};`);
      this.slotVars.set(l.slot, v);
    }
  }

  /** Whether a term has no unbound variables and yields one value (mirrors TermPlanner.evalOf). */
  private canEval(t: RTerm): boolean {
    switch (t.t) {
      case 'const':
      case 'input':
      case 'data':
        return true;
      case 'local':
        return this.bound.has(t.slot);
      case 'ref':
        return this.canEval(t.head) && t.path.every((p) => this.canEval(p));
      case 'array':
      case 'set':
        return t.items.every((x) => this.canEval(x));
      case 'object':
        return t.entries.every(([k, v]) => this.canEval(k) && this.canEval(v));
      case 'acompr':
      case 'scompr':
      case 'ocompr':
        return true;
      case 'call': {
        const n = arityOf(t.fn);
        if (n >= 0 && t.args.length !== n) return false;
        if (t.fn.kind === 'builtin' && t.fn.def.relation) return false;
        return t.args.every((a) => this.canEval(a));
      }
      case 'template':
        return t.parts.every((p) => typeof p === 'string' || this.canEval(p));
    }
  }

  /**
   * Emits the evaluation of a term that canEval accepted; returns a JS expression for its value
   * (never undefined: an undefined term runs `fail`).
   */
  private term(t: RTerm, fail: string): string {
    switch (t.t) {
      case 'const':
        return this.literal(t.v);
      case 'local':
        return this.slotVars.get(t.slot) ?? this.checked(`f[${t.slot}]`, fail);
      case 'input':
        return this.checked('c.input', fail);
      case 'ref':
        if (t.head.t !== 'data') return this.ref(t.path, this.term(t.head, fail), fail);
        if (this.isBaseData(t.path)) {
          // Only base data below this path: read it directly, unless `with data` is active.
          const ev = this.planner.terms.evalOf(t, this.bound);
          const v = this.tmp();
          this.emit(`let ${v};`);
          this.emit(`if (c.dataOverrides === null) {`);
          const x = this.ref(t.path, 'c.data', fail);
          this.emit(`${v} = ${x};`);
          this.emit(`} else if ((${v} = ${this.k(ev)}(c, f)) === undefined) ${fail};`);
          return v;
        }
        {
          const at = this.ruleNodeAt(t.path);
          if (at !== null) return this.ruleRef(t, at.node, at.rest, fail);
        }
        break;
      case 'array': {
        const items = t.items.map((x) => this.term(x, fail));
        const v = this.tmp();
        this.emit(`const ${v} = [${items.join(', ')}];`);
        return v;
      }
      case 'call':
        return this.call(t, fail);
      case 'object': {
        // Constant, distinct string keys (the usual decision object): one literal.
        const keys = t.entries.map(([k]) => (k.t === 'const' && typeof k.v === 'string' && k.v !== '__proto__' ? k.v : null));
        if (keys.some((k) => k === null) || new Set(keys).size !== keys.length) break;
        const vals = t.entries.map(([, x]) => this.term(x, fail));
        const v = this.tmp();
        const fields = keys.map((k, j) => `${JSON.stringify(k)}: ${vals[j]}`);
        this.emit(`const ${v} = { __proto__: null${fields.map((x) => ', ' + x).join('')} };`);
        return v;
      }
      default:
        break;
    }
    const ev = this.planner.terms.evalOf(t, this.bound);
    if (ev === null) throw new Error(`internal: term ${t.t} not evaluable`);
    return this.checked(`${this.k(ev)}(c, f)`, fail);
  }

  private checked(expr: string, fail: string): string {
    const v = this.tmp();
    this.emit(`const ${v} = ${expr};`);
    this.emit(`if (${v} === undefined) ${fail};`);
    return v;
  }

  private literal(v: Value): string {
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'boolean' || v === null) return String(v);
    if (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) return String(v);
    return this.k(v);
  }

  /**
   * Whether `data.<path>` leaves the rule tree within its constant prefix (so no rule can
   * contribute to the value), with every constant key a string (an integer key into the data
   * store reads the member of that name, which the general path handles).
   */
  private isBaseData(path: RTerm[]): boolean {
    if (path.some((p) => p.t === 'const' && typeof p.v !== 'string')) return false;
    let node = this.planner.terms.tree.root;
    for (const p of path) {
      if (p.t !== 'const' || typeof p.v !== 'string' || node.hasRules) return false;
      const child = node.children.get(p.v);
      if (child === undefined) return true;
      node = child;
    }
    return false;
  }

  /**
   * The node holding rules that `data.<path>` reaches within its constant prefix, when it has an
   * evaluator of its own, and the constant keys after it; else null.
   */
  private ruleNodeAt(path: RTerm[]): { node: RuleNode; rest: RTerm[] } | null {
    let node = this.planner.terms.tree.root;
    for (let i = 0; i < path.length; i++) {
      const p = path[i];
      if (p.t !== 'const' || typeof p.v !== 'string') return null;
      const child = node.children.get(p.v);
      if (child === undefined) return null;
      node = child;
      if (node.hasRules) {
        const rest = path.slice(i + 1);
        return hasOwnEvaluator(node) && rest.every((r) => r.t === 'const') ? { node, rest } : null;
      }
    }
    return null;
  }

  /**
   * A rule's value: the evaluation's cache, else the node's own evaluator, called from here
   * (nodeValue does the same through one shared call site). Under `with data` the general path.
   */
  private ruleRef(t: RTerm, node: RuleNode, rest: RTerm[], fail: string): string {
    const ev = this.planner.terms.evalOf(t, this.bound); // also records the dependency
    const v = this.tmp();
    const n = this.k(node);
    this.emit(`let ${v};`);
    this.emit(`if (c.dataOverrides === null) {`);
    this.emit(`${v} = c.cache[${node.id}];`);
    this.emit(`if (${v} === NOT_COMPUTED) { ${v} = ${n}.compute(c); c.cache[${node.id}] = ${v}; }`);
    this.emit(`if (${v} === undefined) ${fail};`);
    if (rest.length > 0) {
      const x = this.ref(rest, v, fail);
      this.emit(`${v} = ${x};`);
    }
    this.emit(`} else if ((${v} = ${this.k(ev)}(c, f)) === undefined) ${fail};`);
    return v;
  }

  /** Reads `path` into the value held by the JS expression `head`. */
  private ref(path: RTerm[], head: string, fail: string): string {
    let v = head;
    for (const p of path) {
      if (p.t === 'const' && typeof p.v === 'string' && !UNSAFE_KEYS.has(p.v) && !INDEX_LIKE.test(p.v)) {
        // A property read at this site: V8 caches the object's shape here. A miss means the key
        // is absent, unless the value is a set or an RObject (memberOf).
        const key = JSON.stringify(p.v);
        const x = this.tmp();
        this.emit(`let ${x} = ${v} === null ? undefined : ${v}[${key}];`);
        this.emit(`if (${x} === undefined && (${x} = memberOf(${v}, ${key})) === undefined) ${fail};`);
        v = x;
        continue;
      }
      const key = this.term(p, fail);
      v = this.checked(`getKey(${v}, ${key})`, fail);
    }
    return v;
  }

  private call(t: Extract<RTerm, { t: 'call' }>, fail: string): string {
    const fn = t.fn;
    if (fn.kind === 'builtin' && fn.name === 'internal.member_2' && (t.args[1].t === 'set' || t.args[1].t === 'array')) {
      // `x in {a, b}` with a literal collection: compare with each item, build nothing.
      const x = this.term(t.args[0], fail);
      const terms = (t.args[1] as { items: RTerm[] }).items;
      const items = terms.map((it) => this.term(it, fail));
      const v = this.tmp();
      // A string constant equals only the same string: a plain comparison, no call.
      const same = (it: string, j: number): string => {
        const c = terms[j];
        return c.t === 'const' && typeof c.v === 'string' ? `${x} === ${it}` : `equal(${it}, ${x})`;
      };
      this.emit(`const ${v} = ${items.length === 0 ? 'false' : items.map(same).join(' || ')};`);
      return v;
    }
    const args = t.args.map((a) => this.term(a, fail));
    const call = this.k(this.planner.terms.caller(fn, t.loc));
    if (fn.kind === 'builtin' && fn.def.binary !== undefined && args.length === 2) {
      const bin = this.k(fn.def.binary);
      return this.checked(`c.fnOverrides === null ? ${bin}(${args[0]}, ${args[1]}) : ${call}(c, [${args[0]}, ${args[1]}])`, fail);
    }
    if (fn.kind === 'user') {
      // The function's own evaluator, called from here; under `with` replacements the wrapper.
      const v = this.tmp();
      this.emit(`let ${v};`);
      this.emit(`if (c.fnOverrides === null) ${v} = ${this.k(fn.node)}.invoke(c, [${args.join(', ')}], ${this.k(t.loc)});`);
      this.emit(`else ${v} = ${call}(c, [${args.join(', ')}]);`);
      this.emit(`if (${v} === undefined) ${fail};`);
      return v;
    }
    if (fn.kind === 'builtin' && !CALLER_ONLY.has(fn.name)) {
      // The builtin's own function, called from this site: V8 sees one target here and may
      // inline it (a shared wrapper would make every builtin call site one megamorphic call).
      // The wrapper still runs under `with` replacements, and failures take its path.
      const v = this.tmp();
      const def = this.k(fn.def.fn);
      const failed = this.k(builtinFailure(fn.name, t.loc));
      const where = JSON.stringify(`${t.loc.file}:${t.loc.row}`);
      this.emit(`let ${v};`);
      this.emit(`if (c.fnOverrides === null) {`);
      this.emit(`c.location = ${where};`);
      this.emit(`try { ${v} = ${def}([${args.join(', ')}], c); } catch (e) { ${v} = ${failed}(c, e); }`);
      this.emit(`} else ${v} = ${call}(c, [${args.join(', ')}]);`);
      this.emit(`if (${v} === undefined) ${fail};`);
      return v;
    }
    return this.checked(`${call}(c, [${args.join(', ')}])`, fail);
  }
}

/** JS condition that is true when the two values differ (Rego equality). */
function sameCheck(v: string, w: string, dst: RTerm): string {
  if (dst.t === 'const' && (typeof dst.v === 'string' || typeof dst.v === 'boolean' || dst.v === null)) {
    return `${v} !== ${w}`;
  }
  return `!equal(${v}, ${w})`;
}

