// The compiler: a named, ordered list of stages. Each stage collects its errors; compilation stops
// after the first stage that reports any, because later stages assume earlier ones succeeded
// (planning needs a conflict-free rule tree; the recursion check needs planned dependencies).

import type { Module } from '../ast.js';
import type { BuiltinDef } from '../builtins/types.js';
import { CompileErrors, RegoError } from '../errors.js';
import { dottedName } from './resolve.js';
import { Planner, depsOf } from './plan-body.js';
import { RuleTree, type ModuleInfo, type RuleNode } from './ruletree.js';
import { checkTypes } from './typecheck.js';

export interface Compiled {
  tree: RuleTree;
  planner: Planner;
}

interface State {
  modules: Module[];
  coverage: boolean;
  builtins: ReadonlyMap<string, BuiltinDef>;
  tree: RuleTree;
  pkgRules: Map<string, Set<string>>;
  planner?: Planner;
  errors: RegoError[];
}

const stages: [string, (s: State) => void][] = [
  // Rules of one package may live in several files: collect them all before resolving names.
  ['collect rules', collectRules],
  // A path cannot be both a single value and a set/function/object of rules.
  ['check rule conflicts', (s) => s.errors.push(...s.tree.checkConflicts())],
  // Resolve names, check safety, reorder bodies and build closures.
  ['plan', plan],
  // Uses the dependencies recorded while planning.
  ['check recursion', checkRecursion],
  // Builtin argument types (OPA's CheckTypes); conservative, see typecheck.ts.
  ['check types', (s) => s.errors.push(...checkTypes(s.modules, s.builtins, s.pkgRules))],
];

export function compileModules(modules: Module[], builtins: ReadonlyMap<string, BuiltinDef>, coverage = false): Compiled {
  const s: State = { modules, coverage, builtins, tree: new RuleTree(), pkgRules: new Map(), errors: [] };
  for (const [, run] of stages) {
    try {
      run(s);
    } catch (err) {
      if (err instanceof RegoError) s.errors.push(err);
      else if (err instanceof RangeError) s.errors.push(new RegoError('rego_compile_error', 'policy nesting too deep'));
      else throw err;
    }
    if (s.errors.length > 0) throw new CompileErrors(dedupe(s.errors));
  }
  return { tree: s.tree, planner: s.planner as Planner };
}

function dedupe(errs: RegoError[]): RegoError[] {
  const seen = new Set<string>();
  return errs.filter((e) => (seen.has(e.message) ? false : (seen.add(e.message), true)));
}

function moduleInfo(m: Module, errors: RegoError[]): ModuleInfo {
  const imports = new Map<string, { root: 'data' | 'input'; path: string[] }>();
  for (const imp of m.imports) {
    const name = dottedName(imp.path);
    if (name === undefined) {
      errors.push(new RegoError('rego_parse_error', 'invalid import path', imp.loc));
      continue;
    }
    const segs = name.split('.');
    if (segs[0] === 'rego' || segs[0] === 'future') continue;
    if (segs[0] !== 'data' && segs[0] !== 'input') {
      errors.push(new RegoError('rego_parse_error', `invalid import path ${name}: must begin with input or data`, imp.loc));
      continue;
    }
    const alias = imp.alias ?? segs[segs.length - 1];
    if (imports.has(alias)) {
      errors.push(new RegoError('rego_compile_error', `import must not shadow import ${alias}`, imp.loc));
      continue;
    }
    imports.set(alias, { root: segs[0] as 'data' | 'input', path: segs.slice(1) });
  }
  return { file: m.file, pkg: m.package.path, imports };
}

function collectRules(s: State): void {
  for (const m of s.modules) {
    const info = moduleInfo(m, s.errors);
    (s.tree.find(info.pkg, true) as RuleNode).isPackage = true;
    if (m.package.annotations) s.tree.packageAnnotations.push({ path: info.pkg, ann: m.package.annotations });
    const key = info.pkg.join('.');
    let names = s.pkgRules.get(key);
    if (!names) s.pkgRules.set(key, (names = new Set()));
    for (const r of m.rules) {
      const first = r.head.ref[0];
      if (first?.type === 'var') names.add(first.name);
      s.tree.add(r, info);
    }
  }
}

function plan(s: State): void {
  s.planner = new Planner(s.tree, s.builtins, s.pkgRules, s.errors);
  s.planner.coverage = s.coverage;
  s.planner.planAll();
}

function checkRecursion(s: State): void {
  const state = new Map<RuleNode, 1 | 2>();
  const stack: RuleNode[] = [];
  const visit = (n: RuleNode): void => {
    state.set(n, 1);
    stack.push(n);
    for (const d of depsOf(n)) {
      const st = state.get(d);
      if (st === 1) {
        const cycle = stack.slice(stack.indexOf(d)).concat(d);
        const loc = (d.complete[0] ?? d.funcs[0] ?? d.sets[0] ?? d.dyn[0] ?? d.defaultRule)?.rule.loc;
        s.errors.push(
          new RegoError('rego_recursion_error', `rule ${d.name} is recursive: ${cycle.map((x) => x.name).join(' -> ')}`, loc),
        );
      } else if (st === undefined) visit(d);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of s.tree.nodes) if (!state.has(n)) visit(n);
}
