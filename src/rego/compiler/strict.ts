// OPA's strict-mode checks (`check --strict`), run on parsed modules that already compile:
//
//   assigned var x unused                 a `:=` variable never used in its scope (or nested ones)
//   declared var x unused                 a `some x` variable never used
//   unused argument x. (hint: ...)        a function parameter the function never uses
//   import data.x unused                  an import whose name no rule refers to
//   deprecated built-in function calls in expression: re_match     (rego_type_error, as OPA)
//   variables must not shadow input (...) `input := ...` / `data := ...`
//   rules must not shadow data (...)      a rule named input or data
//
// Duplicate imports are rejected by the compiler itself (collect rules), strict or not.
// The checks err on the lenient side where scoping gets subtle (a name re-declared in a nested
// body counts as a use of the outer one).

import type { Body, Expr, Module, Rule, Term } from '../ast.js';
import type { BuiltinDef } from '../builtins/types.js';
import { RegoError, type Location } from '../errors.js';
import { dottedName, patternVars } from './resolve.js';

export function strictChecks(modules: readonly Module[], builtins: ReadonlyMap<string, BuiltinDef>): RegoError[] {
  const errors: RegoError[] = [];
  const pkgRules = new Map<string, Set<string>>();
  for (const m of modules) {
    const key = m.package.path.join('.');
    const names = pkgRules.get(key) ?? new Set<string>();
    for (const r of m.rules) if (r.head.ref[0]?.type === 'var') names.add(r.head.ref[0].name);
    pkgRules.set(key, names);
  }
  for (const m of modules) {
    const rules = pkgRules.get(m.package.path.join('.')) ?? new Set<string>();
    checkImports(m, errors);
    for (const r of m.rules) {
      checkRuleName(r, errors);
      checkArgs(r, errors);
      checkBody(r.body, headTerms(r), errors);
      for (let e = r.else; e !== undefined; e = e.else) checkBody(e.body, e.value ? [e.value] : [], errors);
      walkRule(r, (t) => {
        if (t.type !== 'call') return;
        const first = t.name.split('.')[0];
        if (first === 'data' || rules.has(first) || m.imports.some((i) => importName(i) === first)) return;
        if (builtins.get(t.name)?.deprecated) {
          errors.push(new RegoError('rego_type_error', `deprecated built-in function calls in expression: ${t.name}`, t.loc));
        }
      });
    }
  }
  return errors.sort((a, b) => cmpLoc(a.location, b.location));
}

function cmpLoc(a?: Location, b?: Location): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.row - b.row || a.col - b.col;
}

function importName(imp: Module['imports'][number]): string | undefined {
  const name = dottedName(imp.path);
  if (name === undefined) return undefined;
  const segs = name.split('.');
  if (segs[0] !== 'data' && segs[0] !== 'input') return undefined;
  return imp.alias ?? segs[segs.length - 1];
}

function checkImports(m: Module, errors: RegoError[]): void {
  for (const imp of m.imports) {
    const name = importName(imp);
    if (name === undefined) continue;
    let used = false;
    for (const r of m.rules) {
      walkRule(r, (t) => {
        if (t.type === 'var' && t.name === name) used = true;
        else if (t.type === 'call' && t.name.split('.')[0] === name) used = true;
      });
      if (used) break;
    }
    if (!used) {
      const text = `import ${dottedName(imp.path)}${imp.alias ? ` as ${imp.alias}` : ''}`;
      errors.push(new RegoError('rego_compile_error', `${text} unused`, imp.loc));
    }
  }
}

function checkRuleName(r: Rule, errors: RegoError[]): void {
  const first = r.head.ref[0];
  if (first?.type === 'var' && (first.name === 'input' || first.name === 'data')) {
    errors.push(new RegoError('rego_compile_error', `rules must not shadow ${first.name} (use a different rule name)`, r.loc));
  }
}

function checkArgs(r: Rule, errors: RegoError[]): void {
  if (!r.head.args || r.head.args.length === 0) return;
  const argVars = r.head.args.flatMap(varsIn).filter((v) => v !== '_');
  for (const name of new Set(argVars)) {
    let uses = argVars.filter((v) => v === name).length - 1;
    if (r.head.value) uses += count(r.head.value, name);
    uses += countBody(r.body, name);
    for (let e = r.else; e !== undefined; e = e.else) {
      if (e.value) uses += count(e.value, name);
      uses += countBody(e.body, name);
    }
    if (uses === 0) {
      errors.push(new RegoError('rego_compile_error', `unused argument ${name}. (hint: use _ (wildcard variable) instead)`, r.head.loc));
    }
  }
}

function headTerms(r: Rule): Term[] {
  const out: Term[] = [...r.head.ref.slice(1)];
  if (r.head.key) out.push(r.head.key);
  if (r.head.value) out.push(r.head.value);
  return out;
}

/**
 * Checks the variables a body declares (and recurses into nested bodies). `outside` are terms in
 * the body's scope but outside it (rule head, comprehension term).
 */
function checkBody(body: Body, outside: readonly Term[], errors: RegoError[]): void {
  body.forEach((e, i) => {
    if (e.kind === 'assign' || e.kind === 'some') {
      const declared = e.kind === 'assign' ? patternVars(e.left) : e.vars;
      for (const v of declared) {
        // `input := ...` is reported as shadowing below (OPA stops there).
        if (v.name === '_' || v.name === 'input' || v.name === 'data') continue;
        let uses = outside.reduce((n, t) => n + count(t, v.name), 0);
        body.forEach((other, j) => {
          if (j !== i) uses += countExpr(other, v.name);
        });
        if (e.kind === 'assign') uses += count(e.right, v.name) + e.with.reduce((n, w) => n + count(w.value, v.name), 0);
        if (uses === 0) {
          const what = e.kind === 'assign' ? 'assigned' : 'declared';
          errors.push(new RegoError('rego_compile_error', `${what} var ${v.name} unused`, e.loc));
        }
      }
    }
    if (e.kind === 'assign' && e.left.type === 'var' && (e.left.name === 'input' || e.left.name === 'data')) {
      errors.push(new RegoError('rego_compile_error', `variables must not shadow ${e.left.name} (use a different variable name)`, e.loc));
    }
    forNestedBodies(e, (b, terms) => checkBody(b, terms, errors));
  });
}

/** Calls f for each body directly nested in an expression (comprehensions, every). */
function forNestedBodies(e: Expr, f: (b: Body, outside: Term[]) => void): void {
  const visit = (t: Term): void => {
    switch (t.type) {
      case 'arraycompr':
      case 'setcompr':
        f(t.body, [t.term]);
        return;
      case 'objectcompr':
        f(t.body, [t.key, t.value]);
        return;
      default:
        children(t).forEach(visit);
    }
  };
  exprTerms(e).forEach(visit);
  if (e.kind === 'every') f(e.body, []);
}

function exprTerms(e: Expr): Term[] {
  const w = e.with.flatMap((m) => [m.target, m.value]);
  switch (e.kind) {
    case 'term':
      return [e.term, ...w];
    case 'unify':
    case 'assign':
      return [e.left, e.right, ...w];
    case 'some':
      return [...e.vars, ...w];
    case 'somein':
      return [...(e.key ? [e.key] : []), e.value, e.collection, ...w];
    case 'every':
      return [...(e.key ? [e.key] : []), e.value, e.domain, ...w];
  }
}

/** Direct sub-terms of a term (not into comprehension bodies). */
function children(t: Term): Term[] {
  switch (t.type) {
    case 'ref':
      return [t.head, ...t.path];
    case 'array':
    case 'set':
      return t.items;
    case 'object':
      return t.entries.flat();
    case 'call':
      return [t.operator, ...t.args];
    case 'template':
      return t.parts.filter((p): p is Term => typeof p !== 'string');
    default:
      return [];
  }
}

/** Occurrences of a variable in a term, including nested bodies. */
function count(t: Term, name: string): number {
  let n = 0;
  walkTerm(t, (x) => {
    if (x.type === 'var' && x.name === name) n++;
  });
  return n;
}

function countExpr(e: Expr, name: string): number {
  let n = 0;
  walkExpr(e, (x) => {
    if (x.type === 'var' && x.name === name) n++;
  });
  return n;
}

function countBody(b: Body, name: string): number {
  return b.reduce((n, e) => n + countExpr(e, name), 0);
}

function varsIn(t: Term): string[] {
  const out: string[] = [];
  walkTerm(t, (x) => {
    if (x.type === 'var') out.push(x.name);
  });
  return out;
}

/** Every term of a rule (head, bodies, else chain), depth first. */
function walkRule(r: Rule, f: (t: Term) => void): void {
  for (const t of [...r.head.ref, ...(r.head.args ?? []), ...(r.head.key ? [r.head.key] : []), ...(r.head.value ? [r.head.value] : [])]) walkTerm(t, f);
  for (const e of r.body) walkExpr(e, f);
  for (let e = r.else; e !== undefined; e = e.else) {
    if (e.value) walkTerm(e.value, f);
    for (const x of e.body) walkExpr(x, f);
  }
}

function walkExpr(e: Expr, f: (t: Term) => void): void {
  for (const t of exprTerms(e)) walkTerm(t, f);
  if (e.kind === 'every') for (const x of e.body) walkExpr(x, f);
}

function walkTerm(t: Term, f: (t: Term) => void): void {
  f(t);
  switch (t.type) {
    case 'arraycompr':
    case 'setcompr':
      walkTerm(t.term, f);
      for (const e of t.body) walkExpr(e, f);
      return;
    case 'objectcompr':
      walkTerm(t.key, f);
      walkTerm(t.value, f);
      for (const e of t.body) walkExpr(e, f);
      return;
    default:
      for (const c of children(t)) walkTerm(c, f);
  }
}
