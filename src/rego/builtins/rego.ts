// rego.parse_module: parses Rego text and returns the module in OPA's JSON AST shape
// (terms as {"type", "value"}, expressions as {"index", "terms"}, rules with head and body).

import type { Body, ElseClause, Expr, Module, Rule, Term } from '../ast.js';
import { BuiltinError, RegoError } from '../errors.js';
import { parseModule } from '../parser/index.js';
import type { Value } from '../value.js';
import { argString, type BuiltinDef } from './types.js';

type J = Value;

function v(type: string, value: J): J {
  return { type, value };
}

function ref(names: string[]): J {
  return v('ref', [v('var', names[0]), ...names.slice(1).map((n) => v('string', n))]);
}

function term(t: Term): J {
  switch (t.type) {
    case 'null':
      return { type: 'null' };
    case 'boolean':
      return v('boolean', t.value);
    case 'number':
      return v('number', t.value);
    case 'string':
      return v('string', t.value);
    case 'var':
      return v('var', t.name);
    case 'ref':
      return v('ref', [term(t.head), ...t.path.map(term)]);
    case 'array':
      return v('array', t.items.map(term));
    case 'set':
      return v('set', t.items.map(term));
    case 'object':
      return v('object', t.entries.map(([k, x]) => [term(k), term(x)]));
    case 'arraycompr':
      return v('arraycomprehension', { term: term(t.term), body: body(t.body) });
    case 'setcompr':
      return v('setcomprehension', { term: term(t.term), body: body(t.body) });
    case 'objectcompr':
      return v('objectcomprehension', { key: term(t.key), value: term(t.value), body: body(t.body) });
    case 'call':
      return v('call', [ref(t.name.split('.')), ...t.args.map(term)]);
    case 'template':
      return v('templatestring', t.parts.map((p) => (typeof p === 'string' ? v('string', p) : term(p))));
  }
}

function expr(e: Expr, index: number): J {
  let terms: J;
  switch (e.kind) {
    case 'term':
      terms = e.term.type === 'call' ? [ref(e.term.name.split('.')), ...e.term.args.map(term)] : term(e.term);
      break;
    case 'unify':
      terms = [ref(['eq']), term(e.left), term(e.right)];
      break;
    case 'assign':
      terms = [ref(['assign']), term(e.left), term(e.right)];
      break;
    case 'some':
      terms = { symbols: e.vars.map(term) };
      break;
    case 'somein':
      terms = {
        symbols: [
          v('call', [ref(['internal', e.key ? 'member_3' : 'member_2']), ...(e.key ? [term(e.key)] : []), term(e.value), term(e.collection)]),
        ],
      };
      break;
    case 'every':
      terms = {
        key: e.key ? term(e.key) : null,
        value: term(e.value),
        domain: term(e.domain),
        body: body(e.body),
      };
      break;
  }
  const out: Record<string, J> = { index, terms };
  if (e.negated) out.negated = true;
  if (e.with.length > 0) out.with = e.with.map((w) => ({ target: term(w.target), value: term(w.value) }));
  return out;
}

function body(b: Body): J {
  return b.length === 0 ? [expr({ kind: 'term', term: { type: 'boolean', value: true, loc: dummy }, negated: false, with: [], loc: dummy }, 0)] : b.map(expr);
}

const dummy = { file: '', row: 0, col: 0, offset: 0 };

function rule(r: Rule): J {
  const h = r.head;
  const first = h.ref[0];
  const head: Record<string, J> = {
    name: first.type === 'var' ? first.name : '',
    ref: h.ref.map(term),
  };
  if (h.args) head.args = h.args.map(term);
  if (h.key) head.key = term(h.key);
  head.value = h.value ? term(h.value) : v('boolean', true);
  if (h.assign) head.assign = true;
  const out: Record<string, J> = { body: body(r.body), head };
  if (r.isDefault) out.default = true;
  if (r.else) {
    let e: J | undefined;
    const chain: ElseClause[] = [];
    for (let c: ElseClause | undefined = r.else; c !== undefined; c = c.else) chain.push(c);
    for (let i = chain.length - 1; i >= 0; i--) {
      const c = chain[i];
      const eh: Record<string, J> = { ...head, value: c.value ? term(c.value) : v('boolean', true) };
      const node: Record<string, J> = { body: body(c.body), head: eh };
      if (e !== undefined) node.else = e;
      e = node;
    }
    if (e !== undefined) out.else = e;
  }
  return out;
}

export function moduleToJSON(m: Module): J {
  const out: Record<string, J> = {
    package: { path: [v('var', 'data'), ...m.package.path.map((s) => v('string', s))] },
  };
  if (m.imports.length > 0) {
    out.imports = m.imports.map((i) => {
      const imp: Record<string, J> = { path: term(i.path) };
      if (i.alias) imp.alias = i.alias;
      return imp;
    });
  }
  if (m.rules.length > 0) out.rules = m.rules.map(rule);
  return out;
}

export const regoBuiltins: BuiltinDef[] = [
  {
    name: 'rego.parse_module',
    args: ['string', 'string'],
    result: 'object',
    fn: (args) => {
      const file = argString(args, 0);
      const text = argString(args, 1);
      try {
        return moduleToJSON(parseModule(text, file));
      } catch (err) {
        if (err instanceof RegoError) throw new BuiltinError(err.message);
        throw err;
      }
    },
  },
];
