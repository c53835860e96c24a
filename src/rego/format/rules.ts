// Printing the module: package, imports (grouped as in the source, sorted within a group),
// rules with their heads, bodies and `else` chains, and the blank lines between statements.

import type { Body, ElseClause, Import, Module, Rule, RuleHead, Term } from '../ast.js';
import { KEYWORDS } from '../lexer.js';
import { compareStrings } from '../value.js';
import { BodyPrinter } from './body.js';

type Statement = { kind: 'import'; node: Import } | { kind: 'rule'; node: Rule };

export class ModulePrinter extends BodyPrinter {
  /** OPA's `refHeads`: some head is deeper than `p[x]`, so `p.x` heads are written dotted too. */
  private refHeads = false;

  print(module: Module): void {
    this.refHeads = module.rules.some((r) => r.head.ref.length > 2 || (r.head.ref.length === 2 && r.head.contains));
    const pkg = module.package;
    this.leadingComments(pkg.loc.row);
    this.write('package ' + this.packagePath(pkg.loc.offset));
    this.out.newline();
    this.out.blank();

    const statements: Statement[] = [
      ...dropFutureImports(module.imports).map((node) => ({ kind: 'import' as const, node })),
      ...module.rules.map((node) => ({ kind: 'rule' as const, node })),
    ].sort((a, b) => a.node.loc.offset - b.node.loc.offset);

    let prev: { rule: Rule; single: boolean } | undefined;
    for (let i = 0; i < statements.length; ) {
      const s = statements[i];
      if (s.kind === 'import') {
        const run: Import[] = [];
        for (; i < statements.length && statements[i].kind === 'import'; i++) run.push(statements[i].node as Import);
        this.writeImports(run);
        prev = undefined;
        continue;
      }
      i++;
      const rule = s.node;
      const mark = this.out.lineCount;
      this.leadingComments(rule.loc.row);
      const start = this.out.lineCount;
      this.writeRule(rule);
      const single = start === mark && this.out.lineCount - start === 1;
      const grouped =
        prev !== undefined &&
        prev.single &&
        single &&
        groupable(prev.rule) &&
        groupable(rule) &&
        rule.loc.row === this.src.rowOf(Math.max(prev.rule.end - 1, prev.rule.loc.offset)) + 1;
      if (!grouped) this.out.blankBefore(mark);
      prev = { rule, single };
    }

    if (this.comments.remaining) {
      this.out.blank();
      this.comments.before(Infinity);
    }
  }

  /** `package a.b["c-d"]`, from the tokens: keyword segments keep the form they were written in. */
  private packagePath(offset: number): string {
    const toks = this.src.tokens;
    let j = this.src.indexAt(offset) + 1;
    let s = toks[j++].text;
    while (j < toks.length && !toks[j].ws && (toks[j].t === '.' || toks[j].t === '[')) {
      if (toks[j].t === '.') {
        s += '.' + toks[j + 1].text;
        j += 2;
      } else {
        const str = toks[j + 1];
        const v = str.value ?? '';
        s += /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) && !KEYWORDS.has(v) ? `.${v}` : `[${str.text}]`;
        j += 3;
      }
    }
    return s;
  }

  /** Imports in groups separated by blank lines in the source, each group sorted. */
  private writeImports(imports: Import[]): void {
    const groups: Import[][] = [];
    for (const imp of imports) {
      const g = groups[groups.length - 1];
      if (g !== undefined && imp.loc.row - g[g.length - 1].loc.row <= 1) g.push(imp);
      else groups.push([imp]);
    }
    for (const group of groups) {
      this.out.blank();
      this.leadingComments(group[0].loc.row);
      for (const imp of [...group].sort(compareImports)) {
        this.comments.at(imp.loc.row);
        this.write('import ');
        this.writeRef(imp.path);
        if (imp.alias !== undefined) this.write(` as ${imp.alias}`);
        this.out.newline();
      }
      this.out.blank();
    }
  }

  /** Comments above a statement; a blank line between them and it stays. */
  private leadingComments(row: number): void {
    const n = this.out.lineCount;
    this.comments.before(row);
    if (this.out.lineCount > n && this.src.isBlankLine(row - 1)) this.out.blank();
    this.comments.at(row);
  }

  private writeRule(rule: Rule): void {
    if (rule.isDefault) this.write('default ');
    this.writeHead(rule.head);
    const chain = rule.else;
    if (chain === undefined && isTrueBody(rule.body) && rule.head.args === undefined) {
      // `p if true` / `p if { true }` is `p := true`, as opa fmt writes it.
      if (rule.head.value === undefined && !rule.head.contains) this.write(' := true');
    } else if (rule.body.length > 0) {
      const after = chain !== undefined ? this.src.indexAt(chain.loc) : this.src.indexFrom(rule.end);
      this.writeRuleBody(rule.body, chain !== undefined, after);
    }
    for (let e = chain; e !== undefined; e = e.else) this.writeElse(e, rule.end);
    this.comments.before(this.src.rowOf(Math.max(rule.end - 1, rule.loc.offset)) + 1);
    this.out.newline();
  }

  private writeHead(head: RuleHead): void {
    const ref = head.ref;
    this.writeTerm(ref[0]);
    if (!this.refHeads && ref.length === 2) {
      const seg = ref[1];
      this.write('[');
      if (seg.type === 'string') this.write(this.stringText(seg));
      else this.writeTerm(seg);
      this.write(']');
    } else for (const seg of ref.slice(1)) this.writeSegment(seg);
    if (head.args !== undefined) {
      this.write('(');
      const open = this.src.argsOpen(this.src.indexAt(head.loc));
      this.writeItems(head.args, -1, (x) => this.writeTerm(x), open);
      this.write(')');
    }
    if (head.contains && head.key !== undefined) {
      this.write(' contains ');
      this.writeTerm(head.key);
    } else if (head.value !== undefined) {
      // Rule heads are written with `:=` (opa fmt for Rego v1): `p = 1` and `p := 1` are the same.
      this.write(' := ');
      this.writeTerm(head.value);
    }
  }

  /**
   * ` if expr` when the source had the (single) expression on the line of `if`, else
   * ` if { ... }`. A body followed by `else` always gets braces, so `else` can follow the `}`.
   * `after` is the index of the token after the body.
   */
  private writeRuleBody(body: Body, braces: boolean, after: number): void {
    this.write(' if');
    const first = body[0];
    const open = this.src.indexAt(first.loc) - 1;
    const braced = open >= 0 && this.src.tokens[open].t === '{';
    if (!braces && body.length === 1 && this.src.tokenAt(first.loc)?.nl === false && !braceTerm(first)) {
      this.write(' ');
      this.writeExpr(first);
      return;
    }
    this.write(' {');
    if (braced) this.writeBlock(body, this.src.match(open), true);
    else this.writeBlock(body, after, false);
    this.write('}');
  }

  /** ` else := v if { ... }`, on the line of the `}` before it unless comments come between. */
  private writeElse(e: ElseClause, ruleEnd: number): void {
    if (this.out.pending.length > 0 || this.comments.hasBefore(e.loc.row)) {
      this.out.newline();
      this.comments.before(e.loc.row, false);
    } else this.write(' ');
    this.comments.at(e.loc.row);
    this.write('else');
    if (e.value !== undefined) {
      this.write(' := ');
      this.writeTerm(e.value);
    }
    if (e.body.length === 0) return;
    if (e.else === undefined && isTrueBody(e.body)) {
      if (e.value === undefined) this.write(' := true');
      return;
    }
    const after = e.else !== undefined ? this.src.indexAt(e.else.loc) : this.src.indexFrom(ruleEnd);
    this.writeRuleBody(e.body, e.else !== undefined, after);
  }
}

/** Rules that may sit on adjacent lines without a blank line between them (as in opa fmt). */
function groupable(rule: Rule): boolean {
  return rule.body.length <= 1 && !rule.isDefault;
}

/** A body that is just `true`. */
function isTrueBody(body: Body): boolean {
  if (body.length !== 1) return false;
  const e = body[0];
  return e.kind === 'term' && !e.negated && e.with.length === 0 && e.term.type === 'boolean' && e.term.value;
}

/** An expression that is a set or object literal: after `if` it would read as a body. */
function braceTerm(e: Body[number]): boolean {
  return e.kind === 'term' && !e.negated && (e.term.type === 'set' || e.term.type === 'object');
}

/** With `import rego.v1`, `future.keywords` imports are redundant and dropped (as opa fmt does). */
function dropFutureImports(imports: Import[]): Import[] {
  if (!imports.some((i) => importPath(i)[0] === 'rego')) return imports;
  return imports.filter((i) => importPath(i)[0] !== 'future');
}

function importPath(imp: Import): string[] {
  const p = imp.path;
  if (p.type === 'var') return [p.name];
  const head = p.head.type === 'var' ? p.head.name : '';
  return [head, ...p.path.map((s: Term) => (s.type === 'string' ? s.value : ''))];
}

function compareImports(a: Import, b: Import): number {
  const pa = importPath(a);
  const pb = importPath(b);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = compareStrings(pa[i], pb[i]);
    if (c !== 0) return c;
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return compareStrings(a.alias ?? '', b.alias ?? '');
}
