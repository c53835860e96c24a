// Compile-time answers of rego.metadata.chain() / rego.metadata.rule() for the calling rule.
// OPA's chain: the rule's own annotations, document-scope annotations of rules at the same path,
// then package and subpackages annotations up the package path.

import type { Annotations } from '../ast.js';
import type { Value } from '../value.js';
import type { RuleNode, RuleSource } from './ruletree.js';

export interface PackageAnnotations {
  path: string[];
  ann: Annotations;
}

function annValue(a: Annotations): Value {
  return JSON.parse(JSON.stringify(a.data)) as Value;
}

function documentAnnotations(node: RuleNode): Annotations[] {
  const all = [...node.complete, ...node.sets, ...node.dyn, ...node.funcs];
  if (node.defaultRule) all.push(node.defaultRule);
  if (node.defaultFunc) all.push(node.defaultFunc);
  return all.map((s) => s.rule.annotations).filter((a): a is Annotations => a?.scope === 'document');
}

export function metadataRule(src: RuleSource, node: RuleNode): Value {
  const own = src.rule.annotations;
  if (own && own.scope === 'rule') return annValue(own);
  const doc = documentAnnotations(node)[0];
  return doc ? annValue(doc) : {};
}

export function metadataChain(src: RuleSource, node: RuleNode, packages: PackageAnnotations[]): Value {
  const chain: Value[] = [];
  const own = src.rule.annotations;
  const path = node.path as Value[];
  chain.push(own && own.scope === 'rule' ? { annotations: annValue(own), path } : { path });
  for (const doc of documentAnnotations(node)) chain.push({ annotations: annValue(doc), path });
  const pkg = src.module.pkg;
  for (let len = pkg.length; len >= 1; len--) {
    const prefix = pkg.slice(0, len);
    for (const p of packages) {
      if (p.path.length !== len || p.path.some((s, i) => s !== prefix[i])) continue;
      if (len === pkg.length ? p.ann.scope === 'package' || p.ann.scope === 'subpackages' : p.ann.scope === 'subpackages') {
        chain.push({ annotations: annValue(p.ann), path: prefix as Value[] });
      }
    }
  }
  return chain;
}
