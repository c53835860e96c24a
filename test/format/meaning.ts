// What formatting must keep: the syntax tree without locations, up to what `opa fmt` changes on
// purpose (`=` vs `:=` in rule heads, `if true` bodies, the order of imports in a group,
// `future.keywords` imports next to `import rego.v1`), and the comments' text.

import type { Module } from '../../src/rego/ast.js';

/** A location-free, normalized rendering of a module's syntax tree and comments. */
export function meaningOf(m: Module): string {
  const hasV1 = m.imports.some((i) => root(i.path) === 'rego');
  const imports = m.imports
    .filter((i) => !(hasV1 && root(i.path) === 'future'))
    .map((i) => JSON.stringify(strip(i)))
    .sort();
  const rules = m.rules.map((r) => {
    const copy = strip(r) as Record<string, unknown>;
    if (r.else === undefined && isTrueBody(copy.body)) copy.body = [];
    // An absent value is `true`: `p if true` is written `p := true`.
    const head = copy.head as Record<string, unknown>;
    if (head.value === undefined && head.contains === false) head.value = { type: 'boolean', value: true };
    for (let e = copy.else as Record<string, unknown> | undefined; e !== undefined; e = e.else as Record<string, unknown> | undefined) {
      if (e.else === undefined && isTrueBody(e.body)) e.body = [];
      if (e.value === undefined) e.value = { type: 'boolean', value: true };
    }
    return copy;
  });
  const comments = m.comments.map((c) => c.text.trimEnd()).sort();
  return JSON.stringify({ package: m.package.path, pkgAnnotations: strip(m.package.annotations), imports, rules, comments }, null, 1);
}

function root(p: Module['imports'][number]['path']): string {
  return p.type === 'var' ? p.name : p.head.type === 'var' ? p.head.name : '';
}

function isTrueBody(body: unknown): boolean {
  if (!Array.isArray(body) || body.length !== 1) return false;
  const e = body[0] as { kind: string; negated: boolean; with: unknown[]; term?: { type: string; value?: unknown } };
  return e.kind === 'term' && !e.negated && e.with.length === 0 && e.term?.type === 'boolean' && e.term.value === true;
}

/** Deep copy without locations (also those in annotations), rule end offsets, and the `:=`-vs-`=` flag of heads and else. */
function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (typeof x === 'bigint') return `${x}n`;
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  const isHeadLike = 'assign' in x && !('kind' in x);
  for (const [k, v] of Object.entries(x)) {
    if (k === 'loc' || k === 'end' || k === 'location' || (isHeadLike && k === 'assign')) continue;
    out[k] = strip(v);
  }
  return out;
}
