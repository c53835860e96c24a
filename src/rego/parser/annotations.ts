// `# METADATA` comment blocks: YAML in comments, attached to the statement that follows.
//
// As in OPA: a block starts with a comment whose text is `METADATA` and continues over comments
// on the following lines that start in column 1. The block's text, with one leading space cut
// from each line, is YAML. It belongs to the first statement on a later line; its scope defaults
// to `rule` for a rule (`document` when it declares an entrypoint) and `package` for a package.
// Only OPA's known keys are kept, in OPA's normalized form (authors and related resources as
// objects), so rego.metadata.* can return `data` as it is.

import { parse as parseYaml } from 'yaml';
import type { Annotations, Comment, Import, Module, Rule } from '../ast.js';
import { RegoError, type Location } from '../errors.js';

export interface Statement {
  row: number;
  node: Rule | Import | Module['package'];
  kind: 'package' | 'import' | 'rule';
}

const KNOWN_KEYS = [
  'scope', 'title', 'description', 'organizations', 'related_resources', 'authors', 'schemas',
  'entrypoint', 'custom', 'compile', 'labels',
];

export function attachAnnotations(module: Module, statements: Statement[]): void {
  for (const block of metadataBlocks(module.comments)) {
    const annotations = parseBlock(block);
    const target = statements.find((s) => s.row > block[0].loc.row);
    const data = annotations.data;
    if (data.scope === undefined) {
      if (target?.kind === 'rule') data.scope = data.entrypoint === true ? 'document' : 'rule';
      else if (target?.kind === 'package') data.scope = 'package';
      else data.scope = target?.kind ?? 'rule';
    }
    const scope = String(data.scope);
    annotations.scope = scope;
    checkScope(annotations, target);
    if (target?.kind === 'rule') (target.node as Rule).annotations = annotations;
    else if (target?.kind === 'package') (target.node as Module['package']).annotations = annotations;
  }
}

function metadataBlocks(comments: Comment[]): Comment[][] {
  const blocks: Comment[][] = [];
  let cur: Comment[] | undefined;
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i];
    if (cur !== undefined && c.loc.row === comments[i - 1].loc.row + 1 && c.loc.col === 1) {
      cur.push(c);
      continue;
    }
    cur = undefined;
    if (c.text.trim().startsWith('METADATA')) {
      cur = [c];
      blocks.push(cur);
    }
  }
  return blocks;
}

function fail(msg: string, loc: Location): never {
  throw new RegoError('rego_parse_error', msg, loc);
}

function parseBlock(block: Comment[]): Annotations {
  const loc = block[0].loc;
  const lines = block.slice(1).map((c) => (c.text.startsWith(' ') ? c.text.slice(1) : c.text));
  const text = lines.join('\n');
  if (text.trim() === '') fail('expected METADATA block, found whitespace', loc);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    const line = (e as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    const at = line !== undefined && block[line] ? block[line].loc : loc;
    fail(`yaml: ${(e as Error).message.split('\n')[0]}`, at);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('yaml: METADATA block must be a mapping', loc);
  const src = raw as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  for (const key of KNOWN_KEYS) {
    const v = src[key];
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    data[key] = v;
  }
  if (data.scope !== undefined && typeof data.scope !== 'string') fail('invalid annotation scope', loc);
  if (data.authors !== undefined) data.authors = list(data.authors, loc, 'author').map((a) => author(a, loc));
  if (data.related_resources !== undefined) {
    data.related_resources = list(data.related_resources, loc, 'related-resource').map((r) => relatedResource(r, loc));
  }
  if (data.custom !== undefined && (typeof data.custom !== 'object' || Array.isArray(data.custom))) {
    fail('invalid custom annotation: must be a mapping', loc);
  }
  return { scope: String(data.scope ?? ''), data, loc };
}

function list(v: unknown, loc: Location, what: string): unknown[] {
  if (!Array.isArray(v)) fail(`invalid ${what} definition: must be a list`, loc);
  return v;
}

/** `Jane Doe <jane@example.com>` or `{name, email}` → `{name, email}` without empty fields. */
function author(a: unknown, loc: Location): Record<string, string> {
  let name = '';
  let email = '';
  if (typeof a === 'string') {
    const parts = a.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) fail('invalid author definition: author is an empty string', loc);
    const last = parts[parts.length - 1];
    if (last.length >= 2 && last.startsWith('<') && last.endsWith('>')) {
      email = last.slice(1, -1);
      parts.pop();
    }
    name = parts.join(' ');
  } else if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
    const o = a as Record<string, unknown>;
    name = typeof o.name === 'string' ? o.name.trim() : '';
    email = typeof o.email === 'string' ? o.email.trim() : '';
    if (!name && !email) fail("invalid author definition: 'name' and/or 'email' values required in object", loc);
  } else fail('invalid author definition: invalid value type, must be string or map', loc);
  const out: Record<string, string> = {};
  if (name) out.name = name;
  if (email) out.email = email;
  return out;
}

/** `https://...` or `{ref, description}` → `{ref, description}` without empty fields. */
function relatedResource(r: unknown, loc: Location): Record<string, string> {
  if (typeof r === 'string') {
    if (!r) fail('invalid related-resource definition: ref URL may not be empty string', loc);
    return { ref: r };
  }
  if (r !== null && typeof r === 'object' && !Array.isArray(r)) {
    const o = r as Record<string, unknown>;
    const ref = typeof o.ref === 'string' ? o.ref.trim() : '';
    const description = typeof o.description === 'string' ? o.description.trim() : '';
    if (!ref) fail("invalid related-resource definition: 'ref' value required in object", loc);
    return description ? { ref, description } : { ref };
  }
  return fail('invalid related-resource definition: invalid value type, must be string or map', loc);
}

function checkScope(a: Annotations, target: Statement | undefined): void {
  const kind = target?.kind;
  switch (a.scope) {
    case 'rule':
    case 'document':
      if (kind !== 'rule') fail(`annotation scope '${a.scope}' must be applied to rule (have ${kind ?? 'nothing'})`, a.loc);
      break;
    case 'package':
    case 'subpackages':
      if (kind !== 'package') fail(`annotation scope '${a.scope}' must be applied to package (have ${kind ?? 'nothing'})`, a.loc);
      break;
    default:
      fail(`invalid annotation scope '${a.scope}'. Use one of 'rule', 'document', 'package', or 'subpackages'`, a.loc);
  }
  if (a.data.entrypoint === true && a.scope !== 'document' && a.scope !== 'package') {
    fail(`annotation entrypoint applied to non-document or package scope '${a.scope}'`, a.loc);
  }
}
