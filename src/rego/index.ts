// The engine's public API: compile once, evaluate many times.
//
//   const policy = compile([{ file: 'policy.rego', source }], { data });
//   const decide = policy.entrypoint('app/authz/allow');
//   decide?.evaluate(input)   // → value, or undefined when the rule is undefined
//
// A Policy is immutable: replacing modules or data means compiling a new one, and the old one keeps
// serving until the caller swaps its reference.

import type { Body, Module } from './ast.js';
import { builtins as defaultBuiltins } from './builtins/index.js';
import type { BuiltinDef, HostHooks } from './builtins/types.js';
import { compileModules } from './compiler/index.js';
import { depsOf, type Planner } from './compiler/plan-body.js';
import { transitiveInputUse, type InputUse } from './compiler/input-use.js';
import type { Eval, Step } from './compiler/plan-types.js';
import type { RuleNode, RuleTree } from './compiler/ruletree.js';
import { CompileErrors, RegoError } from './errors.js';
import { getPath } from './eval/access.js';
import { Ctx, NOT_COMPUTED, type EvalOptions } from './eval/context.js';
import { parseModule, parseQuery, parseTerm } from './parser/index.js';
import type { Value } from './value.js';

export { CompileErrors, RegoError } from './errors.js';
export type { EvalOptions } from './eval/context.js';
export type { HostHooks, BuiltinDef } from './builtins/types.js';
export type { Value } from './value.js';
export type { Body, Module } from './ast.js';
export { parseModule, parseQuery, parseTerm } from './parser/index.js';

export interface SourceFile {
  file: string;
  source: string;
}

export interface CompileOptions {
  /** Base documents under `data`. */
  data?: Value;
  /** Default for evaluations: builtin errors become evaluation errors instead of undefined. */
  strictBuiltinErrors?: boolean;
  /** Default evaluation budget in steps (0 = unlimited). */
  maxSteps?: number;
  /** Default wall-clock budget per evaluation in ms (0 = unlimited); see EvalOptions.maxTimeMs. */
  maxTimeMs?: number;
  host?: HostHooks;
  /** Extra or replacement builtins (e.g. host-specific ones). */
  builtins?: BuiltinDef[];
  /** Plan the policy so evaluations can report covered lines (EvalOptions.coverage). Slower. */
  coverage?: boolean;
}

export type ResultSet = Record<string, Value>[];

export interface Entrypoint {
  /** The value at the entrypoint for this input; undefined when undefined. Throws RegoError. */
  evaluate(input: Value | undefined, opts?: EvalOptions): Value | undefined;
}

/**
 * Evaluations of inputs that are the same except under one top-level key (Policy.session):
 * rules that do not read that key are computed by the first evaluation that needs them and
 * reused by the later ones.
 */
export interface EvalSession {
  entrypoint(path: string): Entrypoint | undefined;
  /** The rules whose values are shared (`data.a.b.p`), for diagnosis and tests. */
  readonly shared: readonly string[];
}

/** Parses and compiles modules. Throws CompileErrors listing every problem with its location. */
export function compile(sources: SourceFile[], opts: CompileOptions = {}): Policy {
  const modules: Module[] = [];
  const errors: RegoError[] = [];
  for (const s of sources) {
    try {
      modules.push(parseModule(s.source, s.file));
    } catch (err) {
      if (err instanceof RegoError) errors.push(err);
      else throw err;
    }
  }
  if (errors.length > 0) throw new CompileErrors(errors);
  return compileParsed(modules, opts);
}

export function compileParsed(modules: Module[], opts: CompileOptions = {}): Policy {
  let table: ReadonlyMap<string, BuiltinDef> = defaultBuiltins;
  if (opts.builtins?.length) {
    const m = new Map(defaultBuiltins);
    for (const b of opts.builtins) m.set(b.name, b);
    table = m;
  }
  const { tree, planner } = compileModules(modules, table, opts.coverage === true);
  return new Policy(tree, planner, opts.data ?? {}, opts, modules);
}

export class Policy {
  private readonly entrypoints = new Map<string, Entrypoint | undefined>();

  constructor(
    private readonly tree: RuleTree,
    private readonly planner: Planner,
    readonly data: Value,
    private readonly opts: CompileOptions,
    readonly modules: readonly Module[],
  ) {}

  /** A context whose options merge the call's over the policy's (allocated only when both exist). */
  private ctx(input: Value | undefined, eo: EvalOptions | undefined): Ctx {
    const c = new Ctx(input, this.data, this.tree.nodes.length, this.options(eo));
    c.tree = this.tree;
    return c;
  }

  private options(eo: EvalOptions | undefined): EvalOptions {
    const d = this.opts;
    if (eo === undefined) return (this.defaults ??= { strictBuiltinErrors: d.strictBuiltinErrors, maxSteps: d.maxSteps, maxTimeMs: d.maxTimeMs, host: d.host });
    return {
      strictBuiltinErrors: eo.strictBuiltinErrors ?? d.strictBuiltinErrors,
      maxSteps: eo.maxSteps ?? d.maxSteps,
      maxTimeMs: eo.maxTimeMs ?? d.maxTimeMs,
      host: eo.host ?? d.host,
      nowNs: eo.nowNs,
      coverage: eo.coverage,
    };
  }

  private defaults: EvalOptions | undefined;

  /** One spare context is reused: evaluation is synchronous, so it is free again on return. */
  private spare: Ctx | null = null;

  private run(ev: Eval, input: Value | undefined, eo: EvalOptions | undefined, shared?: SharedValues): Value | undefined {
    let c = this.spare;
    if (c !== null) {
      this.spare = null;
      c.reset(input, this.options(eo));
    } else c = this.ctx(input, eo);
    try {
      if (shared !== undefined) shared.fill(c);
      const v = ev(c, EMPTY_FRAME);
      if (c.builtinError !== null) throw c.builtinError;
      if (shared !== undefined) shared.keep(c);
      return v;
    } catch (err) {
      // A strict evaluation's first builtin error wins over any later error, as in OPA.
      throw c.builtinError ?? asRegoError(err);
    } finally {
      this.spare = c;
    }
  }

  /**
   * A prepared evaluation of the document at `path` (`a/b/c`, `a.b.c` or `data.a.b.c`).
   * undefined when neither rules nor base data exist at or below that path.
   */
  entrypoint(path: string): Entrypoint | undefined {
    return this.entrypointIn(this.entrypoints, path);
  }

  /** The entrypoint at `path`, kept in `cache`; its evaluations share `shared` (a session's) if given. */
  private entrypointIn(cache: Map<string, Entrypoint | undefined>, path: string, shared?: SharedValues): Entrypoint | undefined {
    if (cache.has(path)) return cache.get(path);
    const ev = this.prepared(path);
    const ep: Entrypoint | undefined = ev === undefined ? undefined : { evaluate: (input, eo) => this.run(ev, input, eo, shared) };
    cache.set(path, ep);
    return ep;
  }

  /**
   * A session for evaluations whose inputs are the same except under the top-level key `varying`
   * (the caller's promise: the other keys hold the same values every time). A rule that reads
   * neither that key nor input as a whole — directly or through the rules and functions it uses —
   * and calls no nondeterministic builtin, is computed by the first evaluation that needs it and
   * then reused. A search checks thousands of candidates for one subject and action this way.
   */
  session(varying: string): EvalSession {
    const nodes = this.shareable(varying);
    const shared = new SharedValues(nodes.map((n) => n.id));
    const eps = new Map<string, Entrypoint | undefined>();
    return {
      shared: nodes.map((n) => n.name),
      entrypoint: (path) => this.entrypointIn(eps, path, shared),
    };
  }

  private readonly inputUse = new Map<RuleNode, InputUse>();
  private readonly shareableBy = new Map<string, RuleNode[]>();

  /** Nodes holding complete or multi-value rules whose values do not depend on input[varying]. */
  private shareable(varying: string): RuleNode[] {
    let out = this.shareableBy.get(varying);
    if (out !== undefined) return out;
    out = [];
    for (const n of this.tree.nodes) {
      const holdsValue = n.complete.length > 0 || n.defaultRule !== undefined || n.sets.length > 0;
      if (!holdsValue || n.dyn.length > 0 || n.children.size > 0 || n.isFunction) continue;
      const u = transitiveInputUse(n, depsOf, this.inputUse);
      if (!u.any && !u.keys.has(varying)) out.push(n);
    }
    this.shareableBy.set(varying, out);
    return out;
  }

  private readonly evals = new Map<string, Eval | undefined>();

  /** The prepared evaluation of the document at a path, or undefined when nothing is there. */
  private prepared(path: string): Eval | undefined {
    if (this.evals.has(path)) return this.evals.get(path);
    const segs = splitPath(path);
    const node = this.tree.find(segs);
    const exists =
      (node !== undefined && (node.hasRules || node.children.size > 0)) ||
      getPath(this.data, segs) !== undefined ||
      ancestorHasRules(this.tree, segs);
    const ev = exists
      ? (this.planner.terms.dataRef(
          segs.map((s) => ({ t: 'const', v: s, loc: { file: '', row: 0, col: 0, offset: 0 } })),
          new Set(),
          { file: '', row: 0, col: 0, offset: 0 },
        ) as Eval)
      : undefined;
    this.evals.set(path, ev);
    return ev;
  }

  /** Runs a query (`data.x.p = v; ...`) and returns one row of variable bindings per solution. */
  query(text: string, opts: EvalOptions & { input?: Value } = {}): ResultSet {
    const prepared = this.prepareQuery(text);
    return prepared.run(opts.input, opts);
  }

  /** Runs a query and reports, as OPA's Query.Run does, the rows found and the error, if any. */
  queryAll(text: string, opts: EvalOptions & { input?: Value } = {}): QueryOutcome {
    return this.prepareQuery(text).runAll(opts.input, opts);
  }

  prepareQuery(text: string): PreparedQuery {
    return this.prepareQueryBody(parseQuery(text, 'query'));
  }

  /** Prepares an already parsed (possibly rewritten) query body. Throws CompileErrors. */
  prepareQueryBody(body: Body): PreparedQuery {
    const errors: RegoError[] = [];
    this.planner.errors.length = 0;
    const q = this.planner.planQuery(body, 'query');
    errors.push(...this.planner.errors);
    this.planner.errors.length = 0;
    if (errors.length > 0) throw new CompileErrors(errors);
    return new PreparedQuery(q.step, q.nslots, q.vars, (input, eo) => this.ctx(input, eo));
  }
}

export class PreparedQuery {
  constructor(
    private readonly step: Step,
    private readonly nslots: number,
    private readonly vars: [string, number][],
    private readonly makeCtx: (input: Value | undefined, eo: EvalOptions | undefined) => Ctx,
  ) {}

  /** One row of variable bindings per solution. Throws RegoError. */
  run(input: Value | undefined, opts?: EvalOptions): ResultSet {
    const { rows, error } = this.runAll(input, opts);
    if (error !== undefined) throw error;
    return rows;
  }

  /**
   * The rows found and the error that ended the evaluation, if any. A strict evaluation goes on
   * past a builtin error (the call is undefined) and then fails with it: its rows are those
   * found meanwhile, as OPA's Query.Run returns them with the error.
   */
  runAll(input: Value | undefined, opts?: EvalOptions): QueryOutcome {
    const c = this.makeCtx(input, opts);
    const f = new Array(this.nslots);
    const rows: ResultSet = [];
    try {
      this.step(c, f, () => {
        const row: Record<string, Value> = {};
        for (const [name, slot] of this.vars) {
          const v = f[slot];
          if (v !== undefined) row[name] = v;
        }
        rows.push(row);
        return false;
      });
    } catch (err) {
      return { rows, error: c.builtinError ?? asRegoError(err) };
    }
    return c.builtinError !== null ? { rows, error: c.builtinError } : { rows };
  }
}

export interface QueryOutcome {
  rows: ResultSet;
  error?: RegoError;
}

const EMPTY_FRAME: never[] = [];

/** The values of a session's shareable rules, once some evaluation has computed them. */
class SharedValues {
  private readonly values: unknown[];
  private missing: number;

  constructor(private readonly ids: readonly number[]) {
    this.values = new Array(ids.length).fill(NOT_COMPUTED);
    this.missing = ids.length;
  }

  /** Before an evaluation: what is known goes into its rule cache. */
  fill(c: Ctx): void {
    if (this.missing === this.ids.length) return;
    for (let i = 0; i < this.ids.length; i++) {
      const v = this.values[i];
      if (v !== NOT_COMPUTED) c.cache[this.ids[i]] = v as Value | undefined;
    }
  }

  /** After a successful evaluation: what it computed is kept (its cache is the base one again). */
  keep(c: Ctx): void {
    if (this.missing === 0) return;
    for (let i = 0; i < this.ids.length; i++) {
      if (this.values[i] !== NOT_COMPUTED) continue;
      const v = c.cache[this.ids[i]];
      if (v === NOT_COMPUTED) continue;
      this.values[i] = v;
      this.missing--;
    }
  }
}

/** Nothing but a RegoError leaves an evaluation: a bug or exhausted stack becomes one too. */
function asRegoError(err: unknown): RegoError {
  if (err instanceof RegoError) return err;
  if (err instanceof RangeError) return new RegoError('eval_internal_error', 'evaluation exceeded the maximum nesting depth');
  return new RegoError('eval_internal_error', `internal error: ${err instanceof Error ? err.message : String(err)}`);
}

function splitPath(path: string): string[] {
  let p = path.trim();
  if (p.startsWith('data.')) p = p.slice(5);
  else if (p === 'data') p = '';
  p = p.replace(/^\/+|\/+$/g, '');
  if (p === '') return [];
  return p.includes('/') ? p.split('/') : p.split('.');
}

function ancestorHasRules(tree: RuleTree, segs: string[]): boolean {
  let n = tree.root;
  for (const s of segs) {
    if (n.hasRules) return true;
    const c = n.children.get(s);
    if (!c) return false;
    n = c;
  }
  return n.hasRules;
}

/** The value of a ground term written in Rego syntax (e.g. `{"a": {1, 2}}`). */
export function parseTermValue(text: string): Value {
  const policy = compileParsed([]);
  const rows = policy.query(`x = ${text}`);
  void parseTerm;
  if (rows.length !== 1 || rows[0].x === undefined) {
    throw new RegoError('rego_parse_error', `not a ground term: ${text}`);
  }
  return rows[0].x;
}
