// The Rego formatter: `formatModule(source, file)` rewrites a module in one canonical style,
// the style of `opa fmt` (Rego v1): tab indentation, `package` then imports grouped and sorted,
// `if`/`contains` and `:=` in rule heads, one expression per line in bodies, spaces around
// operators and after commas, comments kept where they were. Formatting is idempotent and never
// changes what a policy means.
//
//   source.ts  tokens, matching brackets and blank lines of the source
//   output.ts  the output lines and the comments handed out by row
//   terms.ts   terms, operators and parentheses, collections, comprehensions
//   body.ts    expressions, `some`/`every`/`with`, blocks of expressions
//   rules.ts   package, imports, rules, `else`, blank lines between statements
//   diff.ts    unified diff of two texts (for `fmt --diff`)
//
// A syntax error is thrown as the parser's RegoError (rego_parse_error with its location).

import { parseModule } from '../parser/index.js';
import { Comments, Out } from './output.js';
import { ModulePrinter } from './rules.js';
import { SourceIndex } from './source.js';

export function formatModule(source: string, file: string): string {
  const module = parseModule(source, file);
  const src = new SourceIndex(source, file);
  const out = new Out();
  const comments = new Comments(module.comments, out, src);
  new ModulePrinter(src, out, comments).print(module);
  return out.text();
}
