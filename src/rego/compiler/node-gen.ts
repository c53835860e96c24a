// Code generation for rule-tree nodes: one JavaScript function per node that holds complete or
// multi-value rules (RuleNode.compute) and per function (RuleNode.invoke). They do what
// eval/rules.ts's evalComplete, evalSet and callFunction do, written out for the node's own
// rules, so each rule body is called from a site of its own. With one generic loop calling every
// body of the policy, V8 sees a megamorphic call there and inlines nothing; here each call has
// one target, and a small body is inlined into its node. The generic functions stay as the
// reference and the fallback (coverage, no code generation from strings, `with` replacements).

import type { Location } from '../errors.js';
import type { Ctx, Frame } from '../eval/context.js';
import { conflict, runRule, single } from '../eval/rules.js';
import { equal, RSet, type Value } from '../value.js';
import type { PlannedRule } from './plan-types.js';
import type { RuleNode, RuleTree } from './ruletree.js';

/** Whether a node's value comes from its own complete or multi-value rules (computeNode's first two cases). */
export function hasOwnEvaluator(node: RuleNode): boolean {
  return node.complete.length > 0 || node.defaultRule !== undefined || node.sets.length > 0;
}

/**
 * A name for a generated function's sourceURL comment. It comes from file names and rule paths,
 * which are the policy author's text: only characters that cannot end the comment (or be read
 * as anything but a name) are kept.
 */
export function sourceName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.:\/@-]/g, '_');
}

const FOUND = (): boolean => true;
const NO_SLOTS: Frame = [];

function functionConflict(loc: Location): Error {
  return conflict('functions must not produce multiple outputs for same inputs', loc);
}

const RUNTIME = { FOUND, NO_SLOTS, single, runRule, RSet, equal, functionConflict };

/** Sets compute on every node that has rules of its own and invoke on every function node. */
export function generateNodes(tree: RuleTree): void {
  for (const node of tree.nodes) {
    if (hasOwnEvaluator(node)) node.compute = new NodeGen(node).compute();
    if (node.isFunction) node.invoke = new NodeGen(node).invoke();
  }
}

class NodeGen {
  private readonly consts: unknown[] = [];
  private readonly lines: string[] = [];

  constructor(private readonly node: RuleNode) {}

  private k(v: unknown): string {
    return `K${this.consts.push(v) - 1}`;
  }
  private emit(line: string): void {
    this.lines.push(line);
  }
  private frame(r: PlannedRule): string {
    return r.nslots === 0 ? 'NO_SLOTS' : `new Array(${r.nslots})`;
  }

  private build<T>(signature: string): T {
    const names = this.consts.map((_, i) => `K${i} = K[${i}]`);
    const src =
      `"use strict";\nconst { FOUND, NO_SLOTS, single, runRule, RSet, equal, functionConflict } = rt;\n` +
      (names.length > 0 ? `const ${names.join(', ')};\n` : '') +
      `return function ${signature} {\n${this.lines.join('\n')}\n};\n//# sourceURL=${sourceName('rego-node/' + this.node.name)}`;
    return new Function('K', 'rt', src)(this.consts, RUNTIME) as T;
  }

  /** evalComplete or evalSet for this node. */
  compute(): (c: Ctx) => Value | undefined {
    const node = this.node;
    this.emit('c.tick(undefined);');
    if (node.complete.length > 0 || node.defaultRule !== undefined) {
      this.emit('let result;');
      for (const r of node.plannedComplete) this.completeRule(r, node.constantValue);
      const d = node.plannedDefault;
      if (d !== undefined) {
        this.emit('if (result === undefined) {');
        this.emit(`const f = ${this.frame(d)};`);
        if (d.constValue !== undefined) {
          this.emit(`return ${this.k(d.body)}(c, f, FOUND) ? ${this.k(d.constValue)} : undefined;`);
        } else {
          this.emit(`runRule(c, ${this.k(d)}, f, (v) => { result = v; return true; });`);
        }
        this.emit('}');
      }
      this.emit('return result;');
    } else {
      this.emit('const s = new RSet();');
      for (const r of node.plannedSets) {
        const key = this.k(r.key);
        this.emit('{');
        this.emit(`const f = ${this.frame(r)};`);
        this.emit(`${this.k(r.body)}(c, f, () => { const x = ${key}(c, f); if (x !== undefined) s.add(x); return false; });`);
        this.emit('}');
      }
      this.emit('return s;');
    }
    return this.build('compute(c)');
  }

  private completeRule(r: PlannedRule, constantNode: boolean): void {
    const body = this.k(r.body);
    this.emit('{');
    this.emit(`const f = ${this.frame(r)};`);
    if (constantNode) {
      // Every definition yields this constant: the first body with a solution decides.
      this.emit(`if (${body}(c, f, FOUND)) return ${this.k(r.constValue)};`);
    } else if (r.constValue !== undefined) {
      // A constant head: whether the body has a solution is all that matters.
      this.emit(`if (${body}(c, f, FOUND)) result = single(result, ${this.k(r.constValue)}, ${this.k(r.loc)});`);
    } else if (r.elses.length === 0) {
      const value = r.value === undefined ? 'true' : `${this.k(r.value)}(c, f)`;
      this.emit(`${body}(c, f, () => { const v = ${value}; if (v !== undefined) result = single(result, v, ${this.k(r.loc)}); return false; });`);
    } else {
      this.emit(`runRule(c, ${this.k(r)}, f, (v) => { result = single(result, v, ${this.k(r.loc)}); return false; });`);
    }
    this.emit('}');
  }

  /** callFunction for this node. */
  invoke(): (c: Ctx, args: Value[], loc: Location) => Value | undefined {
    const node = this.node;
    this.emit('c.tick(loc);');
    this.emit('let result;');
    for (const r of node.plannedFuncs) {
      this.emit('{');
      this.emit(`const f = ${this.frame(r)};`);
      this.emit(`if (${this.params(r)}) {`);
      const body = this.k(r.body);
      if (node.constantValue) {
        this.emit(`if (${body}(c, f, FOUND)) return ${this.k(r.constValue)};`);
      } else {
        this.emit(
          `runRule(c, ${this.k(r)}, f, (v) => { if (result === undefined) result = v; else if (!equal(result, v)) throw functionConflict(loc); return false; });`,
        );
      }
      this.emit('}');
      this.emit('}');
    }
    const d = node.plannedDefaultFunc;
    if (d !== undefined) {
      this.emit('if (result === undefined) {');
      this.emit(`const f = ${this.frame(d)};`);
      this.emit(`if (${this.params(d)}) runRule(c, ${this.k(d)}, f, (v) => { result = v; return true; });`);
      this.emit('}');
    }
    this.emit('return result;');
    return this.build('invoke(c, args, loc)');
  }

  /** The parameter matches of a clause, in order; a fresh variable parameter is a plain store. */
  private params(r: PlannedRule): string {
    const ms = r.params ?? [];
    if (ms.length === 0) return 'true';
    return ms
      .map((m, i) => {
        const slot = r.paramSlots?.[i] ?? -1;
        return slot >= 0 ? `((f[${slot}] = args[${i}]), true)` : `${this.k(m)}(c, f, args[${i}])`;
      })
      .join(' && ');
  }
}
