// The rule tree: every rule sits at the node of its static path under `data`
// (package path + the constant prefix of its head). Evaluation finds rules by walking this tree,
// so a reference such as data.app.authz.allow is resolved to its node once, at compile time.

import type { Rule, Term } from '../ast.js';
import { RegoError } from '../errors.js';
import type { PackageAnnotations } from './metadata.js';
import type { PlannedRule } from './plan-types.js';
import type { Ctx } from '../eval/context.js';
import type { Location } from '../errors.js';
import type { Value } from '../value.js';

export interface RuleSource {
  rule: Rule;
  /** Head ref segments after the static prefix (ref-head rules such as p[k].q := v). */
  suffix: Term[];
  module: ModuleInfo;
}

export interface ModuleInfo {
  file: string;
  pkg: string[];
  /** Import alias → root ('data'|'input') and path below it. */
  imports: Map<string, { root: 'data' | 'input'; path: string[] }>;
}

export class RuleNode {
  readonly children = new Map<string, RuleNode>();
  /** Complete rules (single value) at exactly this path. */
  readonly complete: RuleSource[] = [];
  /** `default p := v`. */
  defaultRule: RuleSource | undefined;
  /** Multi-value rules (`p contains x`) at exactly this path. */
  readonly sets: RuleSource[] = [];
  /** Ref-head rules whose head continues below this path with variable keys. */
  readonly dyn: RuleSource[] = [];
  /** Function clauses. */
  readonly funcs: RuleSource[] = [];
  defaultFunc: RuleSource | undefined;

  // Filled by the planner.
  plannedComplete: PlannedRule[] = [];
  plannedDefault: PlannedRule | undefined;
  plannedSets: PlannedRule[] = [];
  plannedDyn: PlannedRule[] = [];
  plannedFuncs: PlannedRule[] = [];
  plannedDefaultFunc: PlannedRule | undefined;
  /**
   * Generated evaluators (node-gen.ts): the node's value from its own rules, and a call of its
   * function clauses. Absent when code generation from strings is unavailable.
   */
  compute: ((c: Ctx) => Value | undefined) | undefined;
  invoke: ((c: Ctx, args: Value[], loc: Location) => Value | undefined) | undefined;
  /** Every complete rule yields this same constant: stop at the first success. */
  constantValue = false;
  /** A package path (its document is an object even when no rule is defined). */
  isPackage = false;
  /** Function arity (number of parameters), when this node holds functions. */
  arity = -1;

  constructor(
    readonly id: number,
    readonly path: string[],
  ) {}

  get hasRules(): boolean {
    return (
      this.complete.length > 0 ||
      this.defaultRule !== undefined ||
      this.sets.length > 0 ||
      this.dyn.length > 0
    );
  }
  get isFunction(): boolean {
    return this.funcs.length > 0 || this.defaultFunc !== undefined;
  }
  get name(): string {
    return 'data.' + this.path.join('.');
  }
}

export class RuleTree {
  readonly root: RuleNode;
  readonly nodes: RuleNode[] = [];
  /** METADATA blocks on package statements (for rego.metadata.chain). */
  readonly packageAnnotations: PackageAnnotations[] = [];

  constructor() {
    this.root = this.node([]);
  }

  private node(path: string[]): RuleNode {
    const n = new RuleNode(this.nodes.length, path);
    this.nodes.push(n);
    return n;
  }

  /** The node at path, creating it (and its parents) when `create`. */
  find(path: string[], create = false): RuleNode | undefined {
    let n = this.root;
    for (const seg of path) {
      let c = n.children.get(seg);
      if (c === undefined) {
        if (!create) return undefined;
        c = this.node([...n.path, seg]);
        n.children.set(seg, c);
      }
      n = c;
    }
    return n;
  }

  add(rule: Rule, module: ModuleInfo): void {
    const ref = rule.head.ref;
    const first = ref[0];
    if (first.type !== 'var') {
      throw new RegoError('rego_parse_error', 'rule head must start with a name', rule.head.loc);
    }
    const path = [...module.pkg, first.name];
    let i = 1;
    for (; i < ref.length; i++) {
      const seg = ref[i];
      if (seg.type !== 'string') break;
      // The last constant segment of a multi-value rule names the set itself.
      path.push(seg.value);
    }
    const suffix = ref.slice(i);
    const node = this.find(path, true) as RuleNode;
    const src: RuleSource = { rule, suffix, module };
    if (rule.head.args) {
      if (rule.isDefault) node.defaultFunc = src;
      else node.funcs.push(src);
      const arity = rule.head.args.length;
      if (node.arity >= 0 && node.arity !== arity) {
        throw new RegoError('rego_type_error', `conflicting rules data.${path.join('.')} found`, rule.loc);
      }
      node.arity = arity;
      return;
    }
    if (suffix.length > 0) {
      node.dyn.push(src);
    } else if (rule.head.contains) {
      node.sets.push(src);
    } else if (rule.isDefault) {
      if (node.defaultRule) {
        throw new RegoError(
          'rego_type_error',
          `multiple default rules data.${path.join('.')} found`,
          rule.loc,
        );
      }
      node.defaultRule = src;
    } else {
      node.complete.push(src);
    }
  }

  /** OPA rejects a path that is both a single-value rule and something else. */
  checkConflicts(): RegoError[] {
    const errs: RegoError[] = [];
    for (const n of this.nodes) {
      const single = n.complete.length > 0 || n.defaultRule !== undefined;
      const kinds = [single, n.sets.length > 0, n.isFunction].filter(Boolean).length;
      const loc = (n.complete[0] ?? n.defaultRule ?? n.sets[0] ?? n.funcs[0] ?? n.defaultFunc)?.rule.loc;
      if (kinds > 1) {
        errs.push(new RegoError('rego_type_error', `conflicting rules ${n.name} found`, loc));
      } else if ((single || n.isFunction) && (n.children.size > 0 || n.dyn.length > 0)) {
        errs.push(new RegoError('rego_type_error', `rule ${n.name} conflicts with rules below it`, loc));
      }
    }
    return errs;
  }
}
