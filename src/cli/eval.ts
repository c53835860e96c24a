// `vengtoo-agent eval`: evaluates a query against policies, data and an input, printing the result
// set the way `opa eval` does:
//
//   {"result": [{"expressions": [{"value": V, "text": "...", "location": {"row", "col"}}],
//                "bindings": {...}}]}
//
// Each top-level term expression `t` of the query (including calls such as `1 == 2`) is rewritten
// to `<capture> = t`, so its value is reported even when it is false; other expressions report
// `true`. As OPA does, when the query has several expressions or iterates, the captured values
// must also be true for a row to count. Exit codes: 0, 1 with --fail (undefined/empty result) or
// --fail-defined (a defined result), 2 on usage, compile or evaluation errors.

import { hostHooks } from '../host/index.js';
import type { Body, Expr, Term, VarTerm } from '../rego/ast.js';
import { builtins } from '../rego/builtins/index.js';
import { checkQueryTypes } from '../rego/compiler/typecheck.js';
import { CompileErrors, compile, parseQuery, RegoError, type Policy, type PreparedQuery, type Value } from '../rego/index.js';
import {
  choiceFlag,
  errorJSON,
  errorsOf,
  guarded,
  jsonText,
  loadPolicies,
  TRUSTED_KEYS_FLAG,
  TRUSTED_KEYS_HELP,
  printErrors,
  readInput,
  stringFlag,
  valueJSON,
  parseToolArgs,
  UsageError,
  type ToolFlag,
} from './tooling.js';

export const HELP = `Usage: vengtoo-agent eval [flags] QUERY

Evaluates a Rego query against policies, data and an input document, and prints the result set
as opa eval does.

Flags:
  -d, --data PATH             policy or data to load; repeatable. A .rego file (with data.json /
                              data.yaml beside it), a folder (every .rego and data file, placed at
                              its directory path), a bundle .tar.gz, or a .json/.yaml data file
                              (merged at the data root)
  -i, --input FILE            input document (JSON or YAML; - reads standard input)
  --format FORMAT             json (default): the result set; pretty: the value of a single
                              expression as indented JSON, or a table of the variable bindings
  --fail                      exit 1 when the result is undefined or empty
  --fail-defined              exit 1 when the result is defined
  --strict-builtin-errors     builtin errors (e.g. a bad regex) fail the query instead of being
                              undefined
${TRUSTED_KEYS_HELP}
  -h, --help                  this text

Examples:
  vengtoo-agent eval -d examples/ -i input.json 'data.vengtoo.authz.decision'
  vengtoo-agent eval --format pretty 'x := [1, 2][_]; x > 1'

Exit codes: 0 success; 1 --fail/--fail-defined condition met; 2 usage, compile or evaluation error.
`;

const FLAGS: ToolFlag[] = [
  { name: 'data', short: 'd', repeat: true },
  { name: 'input', short: 'i' },
  { name: 'format', short: 'f' },
  { name: 'fail', boolean: true },
  { name: 'fail-defined', boolean: true },
  { name: 'strict-builtin-errors', boolean: true },
  TRUSTED_KEYS_FLAG,
  { name: 'help', short: 'h', boolean: true },
];

export async function run(argv: string[]): Promise<number> {
  return guarded('eval', async () => {
    const args = parseToolArgs(argv, FLAGS);
    if (args.flags.get('help') === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const format = choiceFlag(args, 'format', ['json', 'pretty'] as const, 'json');
    if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'a query is required' : 'give exactly one query (quote it)');
    const fail = args.flags.get('fail') === true;
    const failDefined = args.flags.get('fail-defined') === true;
    if (fail && failDefined) throw new UsageError('--fail and --fail-defined cannot be used together');
    const queryText = args.positionals[0];

    const set = await loadPolicies(args.lists.get('data') ?? [], { trustedKeysPath: stringFlag(args, 'trusted-keys-path') });
    const inputPath = stringFlag(args, 'input');
    const input = inputPath !== undefined ? await readInput(inputPath) : undefined;

    let evaluated: EvalResult;
    try {
      const policy = compile(set.modules, {
        data: set.data,
        strictBuiltinErrors: args.flags.get('strict-builtin-errors') === true,
        host: { ...hostHooks(), print: (text) => process.stderr.write(text + '\n') },
      });
      const q = prepareQuery(policy, queryText);
      evaluated = q.evaluate(input);
    } catch (e) {
      if (!(e instanceof CompileErrors || e instanceof RegoError)) throw e;
      const errors = errorsOf(e);
      if (format === 'json') process.stdout.write(jsonText({ errors: errors.map(errorJSON) }) + '\n');
      else printErrors(errors);
      return 2;
    }

    if (format === 'json') process.stdout.write(jsonText(evaluated.output) + '\n');
    else process.stdout.write(pretty(evaluated));
    const defined = evaluated.rows.length > 0;
    if (fail && !defined) return 1;
    if (failDefined && defined) return 1;
    return 0;
  });
}

export interface EvalRow {
  /** One value per expression of the query as written. */
  values: Value[];
  bindings: Record<string, Value>;
}

export interface EvalResult {
  rows: EvalRow[];
  /** opa eval's JSON document: `{}` when undefined, else `{"result": [...]}`. */
  output: Record<string, unknown>;
}

export interface CLIQuery {
  /** The prepared, rewritten query (for bench: run it without building output). */
  prepared: PreparedQuery;
  evaluate(input: Value | undefined): EvalResult;
}

/** Parses, type-checks, rewrites and prepares a query. Throws CompileErrors / RegoError. */
export function prepareQuery(policy: Policy, text: string): CLIQuery {
  const body = parseQuery(text, 'query');
  if (body.length === 0) throw new RegoError('rego_compile_error', 'empty query cannot be compiled');
  const typeErrors = checkQueryTypes(body, builtins);
  if (typeErrors.length > 0) throw new CompileErrors(typeErrors);
  const { rewritten, captures } = captureValues(body, text, policy);
  const prepared = policy.prepareQueryBody(rewritten);
  const hidden = new Set(captures.filter((c): c is string => c !== undefined));
  const meta = body.map((e, i) => ({
    text: exprText(text, body, i),
    location: { row: e.loc.row, col: e.loc.col },
  }));
  return {
    prepared,
    evaluate(input) {
      const rows: EvalRow[] = prepared.run(input).map((row) => {
        const bindings: Record<string, Value> = {};
        for (const k of Object.keys(row).sort()) if (!hidden.has(k)) bindings[k] = row[k];
        return { values: captures.map((c) => (c === undefined ? true : row[c])), bindings };
      });
      const output: Record<string, unknown> =
        rows.length === 0
          ? {}
          : {
              result: rows.map((r) => {
                const out: Record<string, unknown> = {
                  expressions: r.values.map((v, i) => ({ value: valueJSON(v), text: meta[i].text, location: meta[i].location })),
                };
                if (Object.keys(r.bindings).length > 0) {
                  out.bindings = Object.fromEntries(Object.entries(r.bindings).map(([k, v]) => [k, valueJSON(v)]));
                }
                return out;
              }),
            };
      return { rows, output };
    },
  };
}

/**
 * OPA's rewriteQueryToCaptureValue: `t` → `<capture> = t` for every non-negated term expression
 * that is not a call with an output argument or a void call (print). When the query has several
 * expressions or iterates, `<capture>` is appended as an expression so a false value stops the row.
 */
function captureValues(body: Body, text: string, policy: Policy): { rewritten: Body; captures: (string | undefined)[] } {
  const captures: (string | undefined)[] = [];
  const rewritten: Body = [];
  const checks: Expr[] = [];
  const checkCapture = body.length > 1 || body.some(iterates);
  let n = 0;
  const fresh = (): string => {
    let name: string;
    do name = `vengtoo_expr${n++}__`;
    while (text.includes(name));
    return name;
  };
  for (const e of body) {
    if (e.kind !== 'term' || e.negated || !captures_(e.term, policy)) {
      captures.push(undefined);
      rewritten.push(e);
      continue;
    }
    const name = fresh();
    const v: VarTerm = { type: 'var', name, loc: e.loc };
    captures.push(name);
    rewritten.push({ kind: 'unify', left: v, right: e.term, negated: false, with: e.with, loc: e.loc });
    if (checkCapture) checks.push({ kind: 'term', term: v, negated: false, with: [], loc: e.loc });
  }
  return { rewritten: [...rewritten, ...checks], captures };
}

/** Does a term expression have a value to capture? Not for `print(...)` or `f(x, out)`. */
function captures_(t: Term, policy: Policy): boolean {
  if (t.type !== 'call') return true;
  if (t.name === 'print') return false;
  const arity = functionArity(t.name, policy);
  return arity === undefined || t.args.length !== arity + 1;
}

function functionArity(name: string, policy: Policy): number | undefined {
  if (name.startsWith('data.')) {
    const segs = name.split('.').slice(1);
    for (const m of policy.modules) {
      const pkg = m.package.path;
      if (pkg.length >= segs.length || pkg.some((p, i) => p !== segs[i])) continue;
      const rest = segs.slice(pkg.length);
      for (const r of m.rules) {
        if (r.head.args === undefined) continue;
        const ref = r.head.ref.map((t) => (t.type === 'var' ? t.name : t.type === 'string' ? t.value : '\0'));
        if (ref.length === rest.length && ref.every((s, i) => s === rest[i])) return r.head.args.length;
      }
    }
    return undefined;
  }
  return builtins.get(name)?.args.length;
}

/** Whether an expression iterates (a ref with a variable segment, `some ... in`). */
function iterates(e: Expr): boolean {
  if (e.kind === 'somein' || e.kind === 'some') return true;
  const terms: Term[] =
    e.kind === 'term' ? [e.term] : e.kind === 'unify' || e.kind === 'assign' ? [e.left, e.right] : e.kind === 'every' ? [e.domain] : [];
  const walk = (t: Term): boolean => {
    switch (t.type) {
      case 'ref':
        return t.path.some((p) => p.type === 'var' || walk(p)) || walk(t.head);
      case 'call':
        return t.args.some(walk);
      case 'array':
      case 'set':
        return t.items.some(walk);
      case 'object':
        return t.entries.some(([k, v]) => walk(k) || walk(v));
      default:
        return false;
    }
  };
  return terms.some(walk);
}

/** The source text of expression i: up to the next expression, without separators. */
function exprText(text: string, body: Body, i: number): string {
  const start = body[i].loc.offset;
  const end = i + 1 < body.length ? body[i + 1].loc.offset : text.length;
  return text.slice(start, end).trim().replace(/;$/, '').trim();
}

/** `--format pretty`: one value as indented JSON, or a table of bindings. */
function pretty(r: EvalResult): string {
  if (r.rows.length === 0) return 'undefined\n';
  const noBindings = r.rows.every((row) => Object.keys(row.bindings).length === 0);
  if (noBindings) {
    return r.rows.map((row) => row.values.map((v) => jsonText(valueJSON(v))).join('\n')).join('\n') + '\n';
  }
  const cols = [...new Set(r.rows.flatMap((row) => Object.keys(row.bindings)))];
  const cells = r.rows.map((row) => cols.map((c) => (row.bindings[c] === undefined ? '' : jsonText(valueJSON(row.bindings[c]), 0))));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+\n';
  const fmt = (vals: string[]): string => '|' + vals.map((v, i) => ' ' + v.padEnd(widths[i]) + ' ').join('|') + '|\n';
  return line + fmt(cols) + line + cells.map(fmt).join('') + line;
}
