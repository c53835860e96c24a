// gqlparser's OverlappingFieldsCanBeMerged rule: graphql-js' algorithm (fields with the same
// response name must be mergeable), without its memoisation.

import { at, type Node } from './gql-parser.js';
import { forName, isLeaf, list, str, typeName, typeString } from './gql-schema.js';
import { isField, isInlineFragment, valueString, type Rule, type Walk } from './gql-walk.js';


interface FieldEntry {
  parent: Node | undefined;
  field: Node;
  def: Node | undefined;
}
type FieldMap = Map<string, FieldEntry[]>;
type Reason = string | [string, Reason][];

function collectFields(w: Walk, parent: Node | undefined, set: unknown, map: FieldMap, fragments: Set<string>): void {
  for (const sel of list(set)) {
    if (isField(sel)) {
      const name = str(sel.Name);
      let def: Node | undefined;
      if (parent && (parent.Kind === 'OBJECT' || parent.Kind === 'INTERFACE')) def = forName(parent.Fields, name);
      if (name === '__typename') def = { Name: '__typename', Type: { NamedType: 'String', NonNull: true, Elem: null } };
      const response = str(sel.Alias) || name;
      const l = map.get(response) ?? [];
      l.push({ parent, field: sel, def });
      map.set(response, l);
    } else if (isInlineFragment(sel)) {
      const cond = str(sel.TypeCondition);
      collectFields(w, cond !== '' ? w.schema.types.get(cond) : parent, sel.SelectionSet, map, fragments);
    } else {
      fragments.add(str(sel.Name));
    }
  }
}

function typesConflict(a: Node, b: Node): boolean {
  if (a.NonNull || b.NonNull) {
    if (a.NonNull && b.NonNull) return typesConflict({ ...a, NonNull: false }, { ...b, NonNull: false });
    return true;
  }
  if (a.Elem || b.Elem) return a.Elem && b.Elem ? typesConflict(a.Elem as Node, b.Elem as Node) : true;
  return str(a.NamedType) !== str(b.NamedType) && (isLeafName(a) || isLeafName(b));
}
let leafNames: Set<string> = new Set();
const isLeafName = (t: Node) => leafNames.has(str(t.NamedType));

function sameArguments(a: unknown, b: unknown): boolean {
  const x = list(a);
  const y = list(b);
  if (x.length !== y.length) return false;
  return x.every((arg) => {
    const other = forName(y, str(arg.Name));
    return !!other && valueString(arg.Value as Node) === valueString(other.Value as Node);
  });
}

class Overlap {
  private comparedFragments = new Set<string>();
  constructor(private readonly w: Walk) {}

  within(parent: Node | undefined, set: unknown): [string, Reason, Node][] {
    const map: FieldMap = new Map();
    const frags = new Set<string>();
    collectFields(this.w, parent, set, map, frags);
    const out: [string, Reason, Node][] = [];
    for (const [name, fields] of map) {
      for (let i = 0; i < fields.length; i++) {
        for (let j = i + 1; j < fields.length; j++) {
          const c = this.conflict(name, fields[i], fields[j], false);
          if (c) out.push(c);
        }
      }
    }
    const fragList = [...frags];
    for (const f of fragList) out.push(...this.betweenMapAndFragment(map, f, false, new Set()));
    for (let i = 0; i < fragList.length; i++) {
      for (let j = i + 1; j < fragList.length; j++) out.push(...this.betweenFragments(fragList[i], fragList[j], false));
    }
    return out;
  }

  private fragmentFields(name: string): [FieldMap, Set<string>] | undefined {
    const frag = forName(this.w.doc.Fragments, name);
    if (!frag) return undefined;
    const map: FieldMap = new Map();
    const frags = new Set<string>();
    collectFields(this.w, this.w.schema.types.get(str(frag.TypeCondition)), frag.SelectionSet, map, frags);
    return [map, frags];
  }

  private betweenMapAndFragment(map: FieldMap, name: string, excl: boolean, seen: Set<string>): [string, Reason, Node][] {
    if (seen.has(name)) return [];
    seen.add(name);
    const ff = this.fragmentFields(name);
    if (!ff) return [];
    const out = this.betweenMaps(map, ff[0], excl);
    for (const f of ff[1]) out.push(...this.betweenMapAndFragment(map, f, excl, seen));
    return out;
  }

  private betweenFragments(a: string, b: string, excl: boolean): [string, Reason, Node][] {
    if (a === b) return [];
    const key = [a, b].sort().join('\u0000') + (excl ? '!' : '');
    if (this.comparedFragments.has(key)) return [];
    this.comparedFragments.add(key);
    const fa = this.fragmentFields(a);
    const fb = this.fragmentFields(b);
    if (!fa || !fb) return [];
    const out = this.betweenMaps(fa[0], fb[0], excl);
    for (const f of fb[1]) out.push(...this.betweenFragments(a, f, excl));
    for (const f of fa[1]) out.push(...this.betweenFragments(f, b, excl));
    return out;
  }

  private betweenMaps(a: FieldMap, b: FieldMap, excl: boolean): [string, Reason, Node][] {
    const out: [string, Reason, Node][] = [];
    for (const [name, fa] of a) {
      const fb = b.get(name);
      if (!fb) continue;
      for (const x of fa) for (const y of fb) {
        const c = this.conflict(name, x, y, excl);
        if (c) out.push(c);
      }
    }
    return out;
  }

  private conflict(name: string, a: FieldEntry, b: FieldEntry, parentExcl: boolean): [string, Reason, Node] | undefined {
    const excl = parentExcl || (a.parent !== b.parent && a.parent?.Kind === 'OBJECT' && b.parent?.Kind === 'OBJECT');
    if (!excl) {
      if (a.field.Name !== b.field.Name) return [name, `"${str(a.field.Name)}" and "${str(b.field.Name)}" are different fields`, a.field];
      if (!sameArguments(a.field.Arguments, b.field.Arguments)) return [name, 'they have differing arguments', a.field];
    }
    const ta = a.def?.Type as Node | undefined;
    const tb = b.def?.Type as Node | undefined;
    if (ta && tb && typesConflict(ta, tb)) {
      return [name, `they return conflicting types "${typeString(ta)}" and "${typeString(tb)}"`, a.field];
    }
    if (a.field.SelectionSet && b.field.SelectionSet) {
      const ma: FieldMap = new Map();
      const mb: FieldMap = new Map();
      const fa = new Set<string>();
      const fb = new Set<string>();
      collectFields(this.w, ta ? this.w.schema.types.get(typeName(ta)) : undefined, a.field.SelectionSet, ma, fa);
      collectFields(this.w, tb ? this.w.schema.types.get(typeName(tb)) : undefined, b.field.SelectionSet, mb, fb);
      const sub = this.betweenMaps(ma, mb, excl);
      for (const f of fb) sub.push(...this.betweenMapAndFragment(ma, f, excl, new Set()));
      for (const f of fa) sub.push(...this.betweenMapAndFragment(mb, f, excl, new Set()));
      for (const x of fa) for (const y of fb) sub.push(...this.betweenFragments(x, y, excl));
      if (sub.length) return [name, sub.map(([n, r]) => [n, r] as [string, Reason]), a.field];
    }
    return undefined;
  }
}

function reasonText(r: Reason): string {
  if (typeof r === 'string') return r;
  return r.map(([n, sub]) => `subfields "${n}" conflict because ${reasonText(sub)}`).join(' and ');
}

export const overlappingFieldsCanBeMerged: Rule = (w, report) => {
  leafNames = new Set([...w.schema.types.values()].filter(isLeaf).map((d) => str(d.Name)));
  const check = (parent: Node | undefined, set: unknown) => {
    for (const [name, reason, f] of new Overlap(w).within(parent, set)) {
      report(`Fields "${name}" conflict because ${reasonText(reason)}. Use different aliases on the fields to fetch both if this was intentional.`, at(f));
    }
  };
  const rootOf = (op: Node) => (op.Operation === 'mutation' ? w.schema.mutation : op.Operation === 'subscription' ? w.schema.subscription : w.schema.query);
  return {
    operation(op) {
      check(rootOf(op), op.SelectionSet);
    },
    field(f) {
      const def = w.fieldDef.get(f);
      if (f.SelectionSet) check(def ? w.schema.types.get(typeName(def.Type as Node)) : undefined, f.SelectionSet);
    },
    inlineFragment(f) {
      const cond = str(f.TypeCondition);
      check(cond !== '' ? w.schema.types.get(cond) : w.fieldParent.get(f), f.SelectionSet);
    },
    fragment(f) {
      check(w.fragmentType.get(f), f.SelectionSet);
    },
  };
};
