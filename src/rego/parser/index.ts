// Rego v1 parser: source text → the syntax tree of ast.ts.
//
//   lexer.ts        tokens (with whitespace/newline flags) and comments
//   parser/base.ts  token cursor, errors, nesting guard
//   parser/terms.ts terms and infix operators
//   parser/body.ts  bodies and expressions (not, some, every, with)
//   parser/rules.ts rule heads, bodies, default, else
//   parser/index.ts package, imports, module; the public entry points
//   parser/annotations.ts  METADATA comment blocks
//
// Every syntax error is a RegoError('rego_parse_error') pointing at the offending token; nothing
// else escapes (deep nesting and internal faults are turned into parse errors too).

import type { Body, Import, Module, Rule, Term } from '../ast.js';
import { RegoError, type Location } from '../errors.js';
import { KEYWORDS, tokenize } from '../lexer.js';
import { attachAnnotations, type Statement } from './annotations.js';
import { RuleParser } from './rules.js';

export { refName } from './terms.js';

/** Parses a whole module (`package ...`, imports, rules). */
export function parseModule(source: string, file: string): Module {
  return guard(file, () => {
    const { tokens, comments } = tokenize(source, file);
    const module = new ModuleParser(tokens, file).parseModule(source, comments);
    attachAnnotations(module, module.statements);
    delete (module as Partial<typeof module>).statements;
    return module;
  });
}

/** Parses a query: expressions separated by `;` or newlines (`data.x = y; z := 1`). */
export function parseQuery(source: string, file = ''): Body {
  return guard(file, () => {
    const p = new ModuleParser(tokenize(source, file).tokens, file);
    return p.parseWhole(() => p.parseBody('eof'));
  });
}

/** Parses a single term, e.g. `{"foo": {{1}}}` (infix operators allowed). */
export function parseTerm(source: string, file = ''): Term {
  return guard(file, () => {
    const p = new ModuleParser(tokenize(source, file).tokens, file);
    return p.parseWhole(() => p.parseInfix(false));
  });
}

/**
 * Runs a parse, turning anything that is not a RegoError into one. The depth guard should stop
 * deep input first; a RangeError (stack overflow) is caught anyway as the last line of defence.
 */
function guard<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RegoError) throw e;
    const at: Location = { file, row: 1, col: 1, offset: 0 };
    if (e instanceof RangeError) throw new RegoError('rego_parse_error', 'nesting too deep', at);
    throw new RegoError('rego_parse_error', `internal parser error: ${e instanceof Error ? e.message : String(e)}`, at);
  }
}

class ModuleParser extends RuleParser {
  /** Runs f and requires that it consumed all input. */
  parseWhole<T>(f: () => T): T {
    const result = f();
    if (this.cur.t !== 'eof') throw this.unexpected(this.cur, 'expected end of input');
    return result;
  }

  parseModule(source: string, comments: Module['comments']): Module & { statements: Statement[] } {
    const statements: Statement[] = [];
    if (!this.atKeyword('package')) throw this.unexpected(this.cur, 'expected package');
    const pkgTok = this.advance();
    const pkg: Module['package'] = { path: this.parsePackagePath(), loc: this.loc(pkgTok) };
    statements.push({ row: pkgTok.row, node: pkg, kind: 'package' });

    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (this.cur.t !== 'eof') {
      const tok = this.cur;
      if (this.atKeyword('package')) throw this.unexpected(tok, 'package must be the first statement of a module');
      if (this.atKeyword('import')) {
        const imp = this.parseImport();
        imports.push(imp);
        statements.push({ row: tok.row, node: imp, kind: 'import' });
        continue;
      }
      for (const rule of this.parseRules()) {
        rules.push(rule);
        statements.push({ row: rule.loc.row, node: rule, kind: 'rule' });
      }
    }
    return { file: this.file, source, package: pkg, imports, rules, comments, statements };
  }

  /** `a.b.c`, `a["b-c"]`, `foo.as.bar` (keywords allowed as segments) → ['a', 'b', 'c']. */
  private parsePackagePath(): string[] {
    const first = this.cur;
    if (first.t !== 'ident' && !KEYWORDS.has(first.t)) throw this.unexpected(first, 'expected package path');
    const term = this.parseNamePath();
    if (term.type === 'var') return [term.name];
    const path = [(term.head as { name: string }).name];
    for (const seg of term.path) {
      if (seg.type !== 'string') throw this.error(`unexpected ${seg.type} token: expecting string`, seg.loc);
      path.push(seg.value);
    }
    return path;
  }

  /** A var or ref whose first word may be a keyword (`package in.x`, `import data.foo`). */
  private parseNamePath(): Term & ({ type: 'var'; name: string } | { type: 'ref'; path: Term[] }) {
    const first = this.cur;
    let term: Term;
    if (first.t === 'ident' || this.isRefKeyword()) term = this.parseTerm();
    else {
      // A lone keyword as a path (`package in`): OPA reads it as a name here.
      this.advance();
      term = { type: 'var', name: first.t, loc: this.loc(first) };
    }
    if (term.type === 'var') return term;
    if (term.type !== 'ref' || term.head.type !== 'var') throw this.error('expected path', term.loc);
    return term;
  }

  private parseImport(): Import {
    const loc = this.loc(this.advance());
    const first = this.cur;
    if (first.t !== 'ident' && !KEYWORDS.has(first.t)) throw this.unexpected(first, 'expected import path');
    const path = this.parseNamePath();
    const segs: string[] = [];
    const root = path.type === 'var' ? path.name : (path.head as { name: string }).name;
    if (path.type === 'ref') {
      for (const seg of path.path) {
        if (seg.type !== 'string') throw this.error(`unexpected ${seg.type} token: expecting string`, seg.loc);
        segs.push(seg.value);
      }
    }
    if (!['data', 'input', 'future', 'rego'].includes(root)) {
      throw this.error(`unexpected import path, must begin with one of: {data, future, input, rego}, got: ${root}`, path.loc);
    }
    const imp: Import = { path, loc };
    if (this.atKeyword('as')) {
      this.advance();
      const alias = this.cur;
      if (alias.t !== 'ident') throw this.unexpected(alias, 'expected var');
      this.advance();
      imp.alias = alias.text;
    }
    if (root === 'future') {
      if (segs[0] !== 'keywords' || segs.length > 2) throw this.error('invalid import, must be `future.keywords`', path.loc);
      if (imp.alias !== undefined) throw this.error('`future` imports cannot be aliased', path.loc);
      if (segs.length === 2 && !['in', 'every', 'contains', 'if'].includes(segs[1])) {
        throw this.error('unexpected keyword, must be one of [contains every if in]', path.loc);
      }
    } else if (root === 'rego') {
      if (segs.length !== 1 || segs[0] !== 'v1') throw this.error('invalid import `' + ['rego', ...segs].join('.') + '`, must be `rego.v1`', path.loc);
    } else if (imp.alias === undefined) {
      const last = segs.length > 0 ? segs[segs.length - 1] : root;
      if (KEYWORDS.has(last)) throw this.error(`unexpected import path, must not end with a keyword, got: ${last}`, path.loc);
    }
    return imp;
  }
}
