// gqlparser's query validation rules, in its order, with their messages and positions.

import { at, GQLError, Kind, type Node } from './gql-parser.js';
import {
  forName,
  isComposite,
  isInput,
  isLeaf,
  list,
  possibleTypes,
  str,
  strings,
  typeCompatible,
  typeName,
  typeString,
  type Schema,
} from './gql-schema.js';
import { isField, isInlineFragment, valueString, Walk, type DirectiveInfo, type Handlers, type Report, type Rule } from './gql-walk.js';
import { overlappingFieldsCanBeMerged } from './gql-overlap.js';

// ---- Suggestions ----

function levenshtein(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  let prev = Array.from({ length: br.length + 1 }, (_, i) => i);
  for (let i = 1; i <= ar.length; i++) {
    const cur = [i];
    for (let j = 1; j <= br.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ar[i - 1] === br[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[br.length];
}

function suggestionList(input: string, options: string[]): string[] {
  const threshold = Math.max(1, Math.floor(input.length * 0.4) + 1);
  const dist = new Map<string, number>();
  for (const o of options) {
    const d = o === input ? 0 : o.toLowerCase() === input.toLowerCase() ? 1 : levenshtein(input.toLowerCase(), o.toLowerCase());
    if (d <= threshold) dist.set(o, d);
  }
  return [...dist.keys()].sort((x, y) => (dist.get(x) as number) - (dist.get(y) as number));
}

function orList(items: string[]): string {
  const xs = items.slice(0, 5);
  if (xs.length === 2) return `${xs[0]} or ${xs[1]}`;
  return xs.map((x, i) => (i === 0 ? x : i === xs.length - 1 ? `, or ${x}` : `, ${x}`)).join('');
}
const quotedOrList = (items: string[]) => orList(items.map((x) => `"${x}"`));

function suggest(prefix: string, typed: string, options: string[], quoted = true): string {
  const s = suggestionList(typed, options);
  return s.length ? ` ${prefix} ${quoted ? quotedOrList(s) : orList(s)}?` : '';
}


// ---- Rules (in gqlparser's order) ----

const fieldsOnCorrectType: Rule = (w, report) => ({
  field(f) {
    const parent = w.fieldParent.get(f);
    if (!parent || w.fieldDef.get(f)) return;
    const name = str(f.Name);
    let msg = `Cannot query field "${name}" on type "${str(parent.Name)}".`;
    const typeSuggestions: string[] = [];
    if (parent.Kind === 'INTERFACE' || parent.Kind === 'UNION') {
      const ifaces: string[] = [];
      const usage = new Map<string, number>();
      for (const pt of possibleTypes(w.schema, parent)) {
        if (!forName(pt.Fields, name)) continue;
        typeSuggestions.push(str(pt.Name));
        for (const iname of strings(pt.Interfaces)) {
          const iface = w.schema.types.get(iname);
          if (iface && forName(iface.Fields, name)) {
            if (!usage.has(iname)) ifaces.push(iname);
            usage.set(iname, (usage.get(iname) ?? 0) + 1);
          }
        }
      }
      ifaces.sort((a, b) => (usage.get(b) as number) - (usage.get(a) as number));
      typeSuggestions.unshift(...ifaces);
    }
    if (typeSuggestions.length) {
      msg += ` Did you mean to use an inline fragment on ${quotedOrList(typeSuggestions)}?`;
    } else if (parent.Kind === 'OBJECT' || parent.Kind === 'INTERFACE') {
      msg += suggest('Did you mean', name, list(parent.Fields).map((x) => str(x.Name)));
    }
    report(msg, at(f));
  },
});

const fragmentsOnCompositeTypes: Rule = (w, report) => ({
  inlineFragment(f) {
    const t = w.schema.types.get(str(f.TypeCondition));
    if (!t || isComposite(t)) return;
    report(`Fragment cannot condition on non composite type "${str(f.TypeCondition)}".`, at(f));
  },
  fragment(f) {
    const t = w.fragmentType.get(f);
    if (!t || str(f.TypeCondition) === '' || isComposite(t)) return;
    report(`Fragment "${str(f.Name)}" cannot condition on non composite type "${str(f.TypeCondition)}".`, at(f));
  },
});

const knownArgumentNames: Rule = (w, report) => ({
  field(f) {
    const def = w.fieldDef.get(f);
    const parent = w.fieldParent.get(f);
    if (!def || !parent) return;
    for (const arg of list(f.Arguments)) {
      if (forName(def.Arguments, str(arg.Name))) continue;
      const names = list(def.Arguments).map((a) => str(a.Name));
      report(
        `Unknown argument "${str(arg.Name)}" on field "${str(parent.Name)}.${str(f.Name)}".` + suggest('Did you mean', str(arg.Name), names),
        at(f),
      );
    }
  },
  directive(d) {
    const def = w.directives.get(d)?.definition;
    if (!def) return;
    for (const arg of list(d.Arguments)) {
      if (forName(def.Arguments, str(arg.Name))) continue;
      const names = list(def.Arguments).map((a) => str(a.Name));
      report(`Unknown argument "${str(arg.Name)}" on directive "@${str(d.Name)}".` + suggest('Did you mean', str(arg.Name), names), at(d));
    }
  },
});

const knownDirectives: Rule = (w, report) => {
  const seen = new Set<string>();
  return {
    directive(d) {
      const info = w.directives.get(d) as DirectiveInfo;
      const pos = at(d);
      if (!info.definition) {
        const key = `${str(d.Name)}:${pos?.line}:${pos?.column}`;
        if (!seen.has(key)) report(`Unknown directive "@${str(d.Name)}".`, pos);
        seen.add(key);
        return;
      }
      if (strings(info.definition.Locations).includes(info.location)) return;
      report(`Directive "@${str(d.Name)}" may not be used on ${info.location}.`, pos);
    },
  };
};

const knownFragmentNames: Rule = (w, report) => ({
  fragmentSpread(s) {
    if (!w.spreadDef.get(s)) report(`Unknown fragment "${str(s.Name)}".`, at(s));
  },
});

const knownRootType: Rule = (w, report) => ({
  operation(op) {
    const t = str(op.Operation);
    const def = t === 'mutation' ? w.schema.mutation : t === 'subscription' ? w.schema.subscription : w.schema.query;
    if (!def) report(`Schema does not support operation type "${t}"`, at(op));
  },
});

const knownTypeNames: Rule = (w, report) => ({
  variable(v) {
    if (!w.schema.types.get(typeName(v.Type as Node))) report(`Unknown type "${typeName(v.Type as Node)}".`, at(v));
  },
  inlineFragment(f) {
    const t = str(f.TypeCondition);
    if (t === '' || w.schema.types.get(t)) return;
    report(`Unknown type "${t}".`, at(f));
  },
  fragment(f) {
    const t = str(f.TypeCondition);
    if (w.schema.types.get(t)) return;
    report(`Unknown type "${t}".`, at(f));
  },
});

const loneAnonymousOperation: Rule = (w, report) => ({
  operation(op) {
    if (str(op.Name) === '' && list(w.doc.Operations).length > 1) {
      report('This anonymous operation must be the only defined operation.', at(op));
    }
  },
});

function fragmentSpreads(set: unknown): Node[] {
  const spreads: Node[] = [];
  const stack: unknown[] = [set];
  while (stack.length) {
    for (const sel of list(stack.pop())) {
      if (isField(sel) || isInlineFragment(sel)) stack.push(sel.SelectionSet);
      else spreads.push(sel);
    }
  }
  return spreads;
}

const noFragmentCycles: Rule = (w, report) => {
  const visited = new Set<string>();
  return {
    fragment(start) {
      const path: Node[] = [];
      const indexByName = new Map<string, number>();
      const visit = (frag: Node) => {
        const name = str(frag.Name);
        if (visited.has(name)) return;
        visited.add(name);
        const spreads = fragmentSpreads(frag.SelectionSet);
        if (!spreads.length) return;
        indexByName.set(name, path.length);
        for (const spread of spreads) {
          const spreadName = str(spread.Name);
          const cycleIndex = indexByName.get(spreadName);
          path.push(spread);
          if (cycleIndex === undefined) {
            const next = forName(w.doc.Fragments, spreadName);
            if (next) visit(next);
          } else {
            const names = path.slice(cycleIndex, -1).map((s) => `"${str(s.Name)}"`);
            report(`Cannot spread fragment "${spreadName}" within itself${names.length ? ` via ${names.join(', ')}` : ''}.`, at(spread));
          }
          path.pop();
        }
        indexByName.delete(name);
      };
      visit(start);
    },
  };
};

const noUndefinedVariables: Rule = (w, report) => ({
  value(v) {
    if (!w.operation || v.Kind !== Kind.Variable || w.value(v).variableDefinition) return;
    const opName = str(w.operation.Name);
    report(
      opName !== '' ? `Variable "${valueString(v)}" is not defined by operation "${opName}".` : `Variable "${valueString(v)}" is not defined.`,
      at(v),
    );
  },
});

const noUnusedFragments: Rule = (_w, report) => {
  let inFragments = false;
  const used = new Set<string>();
  return {
    fragmentSpread(s) {
      if (!inFragments) used.add(str(s.Name));
    },
    fragment(f) {
      inFragments = true;
      if (!used.has(str(f.Name))) report(`Fragment "${str(f.Name)}" is never used.`, at(f));
    },
  };
};

const noUnusedVariables: Rule = (w, report) => ({
  operation(op) {
    for (const vd of list(op.VariableDefinitions)) {
      if (w.used.has(vd)) continue;
      const name = str(op.Name);
      report(
        name !== '' ? `Variable "$${str(vd.Variable)}" is never used in operation "${name}".` : `Variable "$${str(vd.Variable)}" is never used.`,
        at(vd),
      );
    }
  },
});

const possibleFragmentSpreads: Rule = (w, report) => {
  const validate = (parent: Node | undefined, typeName: string, fail: () => void) => {
    if (!parent) return;
    let parents: Node[];
    if (parent.Kind === 'OBJECT') parents = [parent];
    else if (parent.Kind === 'INTERFACE' || parent.Kind === 'UNION') parents = possibleTypes(w.schema, parent);
    else return;
    const frag = w.schema.types.get(typeName);
    if (!frag || !isComposite(frag)) return;
    const fragTypes = possibleTypes(w.schema, frag);
    if (fragTypes.some((f) => parents.some((p) => p.Name === f.Name))) return;
    fail();
  };
  return {
    inlineFragment(f) {
      const parent = w.fieldParent.get(f);
      validate(parent, str(f.TypeCondition), () =>
        report(
          `Fragment cannot be spread here as objects of type "${str(parent?.Name)}" can never be of type "${str(f.TypeCondition)}".`,
          at(f),
        ),
      );
    },
    fragmentSpread(s) {
      const def = w.spreadDef.get(s);
      if (!def) return;
      const parent = w.fieldParent.get(s);
      validate(parent, str(def.TypeCondition), () =>
        report(
          `Fragment "${str(s.Name)}" cannot be spread here as objects of type "${str(parent?.Name)}" can never be of type "${str(def.TypeCondition)}".`,
          at(s),
        ),
      );
    },
  };
};

const providedRequiredArguments: Rule = (w, report) => ({
  field(f) {
    const def = w.fieldDef.get(f);
    if (!def) return;
    for (const argDef of list(def.Arguments)) {
      if (!(argDef.Type as Node).NonNull || argDef.DefaultValue) continue;
      if (forName(f.Arguments, str(argDef.Name))) continue;
      report(
        `Field "${str(f.Name)}" argument "${str(argDef.Name)}" of type "${typeString(argDef.Type as Node)}" is required, but it was not provided.`,
        at(f),
      );
    }
  },
  directive(d) {
    const def = w.directives.get(d)?.definition;
    if (!def) return;
    for (const argDef of list(def.Arguments)) {
      if (!(argDef.Type as Node).NonNull || argDef.DefaultValue) continue;
      if (forName(d.Arguments, str(argDef.Name))) continue;
      report(
        `Directive "@${str(def.Name)}" argument "${str(argDef.Name)}" of type "${typeString(argDef.Type as Node)}" is required, but it was not provided.`,
        at(d),
      );
    }
  },
});

const scalarLeafs: Rule = (w, report) => ({
  field(f) {
    const def = w.fieldDef.get(f);
    if (!def) return;
    const t = w.schema.types.get(typeName(def.Type as Node));
    if (!t) return;
    const hasSelection = list(f.SelectionSet).length > 0;
    if (isLeaf(t) && hasSelection) {
      report(`Field "${str(f.Name)}" must not have a selection since type "${str(t.Name)}" has no subfields.`, at(f));
    } else if (!isLeaf(t) && !hasSelection) {
      report(`Field "${str(f.Name)}" of type "${typeString(def.Type as Node)}" must have a selection of subfields.`, at(f));
    }
  },
});

const singleFieldSubscriptions: Rule = (w, report) => ({
  operation(op) {
    if (op.Operation !== 'subscription') return;
    const fields: Node[] = [];
    const seen = new Set<string>();
    const collect = (set: unknown) => {
      for (const sel of list(set)) {
        if (isField(sel)) fields.push(sel);
        else if (isInlineFragment(sel)) collect(sel.SelectionSet);
        else if (!seen.has(str(sel.Name))) {
          seen.add(str(sel.Name));
          collect(forName(w.doc.Fragments, str(sel.Name))?.SelectionSet);
        }
      }
    };
    collect(op.SelectionSet);
    const name = str(op.Name);
    if (fields.length > 1) {
      report(
        name === '' ? 'Anonymous Subscription must select only one top level field.' : `Subscription "${name}" must select only one top level field.`,
        at(fields[1]),
      );
    }
    for (const f of fields) {
      if (str(f.Name).startsWith('__')) {
        report(
          name === ''
            ? 'Anonymous Subscription must not select an introspection top level field.'
            : `Subscription "${name}" must not select an introspection top level field.`,
          at(f),
        );
      }
    }
  },
});

function uniqueArgs(args: unknown, report: Report): void {
  const seen = new Set<string>();
  for (const arg of list(args)) {
    const name = str(arg.Name);
    if (seen.has(name)) report(`There can be only one argument named "${name}".`, at(arg));
    seen.add(name);
  }
}

const uniqueArgumentNames: Rule = (_w, report) => ({
  field: (f) => uniqueArgs(f.Arguments, report),
  directive: (d) => uniqueArgs(d.Arguments, report),
});

const uniqueDirectivesPerLocation: Rule = (w, report) => ({
  directiveList(dirs) {
    const seen = new Set<string>();
    for (const d of dirs) {
      const name = str(d.Name);
      const repeatable = w.directives.get(d)?.definition?.IsRepeatable === true;
      if (!repeatable && seen.has(name)) report(`The directive "@${name}" can only be used once at this location.`, at(d));
      seen.add(name);
    }
  },
});

const uniqueFragmentNames: Rule = (_w, report) => {
  const seen = new Set<string>();
  return {
    fragment(f) {
      const name = str(f.Name);
      if (seen.has(name)) report(`There can be only one fragment named "${name}".`, at(f));
      seen.add(name);
    },
  };
};

const uniqueInputFieldNames: Rule = (_w, report) => ({
  value(v) {
    if (v.Kind !== Kind.Object) return;
    const seen = new Set<string>();
    for (const c of list(v.Children)) {
      const name = str(c.Name);
      if (seen.has(name)) report(`There can be only one input field named "${name}".`, at(c));
      seen.add(name);
    }
  },
});

const uniqueOperationNames: Rule = (_w, report) => {
  const seen = new Set<string>();
  return {
    operation(op) {
      const name = str(op.Name);
      if (seen.has(name)) report(`There can be only one operation named "${name}".`, at(op));
      seen.add(name);
    },
  };
};

const uniqueVariableNames: Rule = (_w, report) => ({
  operation(op) {
    const seen = new Set<string>();
    for (const vd of list(op.VariableDefinitions)) {
      const name = str(vd.Variable);
      if (seen.has(name)) report(`There can be only one variable named "$${name}".`, at(vd));
      seen.add(name);
    }
  },
});

const builtinScalars = ['Int', 'Float', 'String', 'Boolean', 'ID'];

const valuesOfCorrectType: Rule = (w, report) => ({
  value(v) {
    const info = w.value(v);
    const def = info.definition;
    const expected = info.expectedType;
    if (!def || !expected) return;
    if (def.Kind === 'SCALAR' && !builtinScalars.includes(str(def.Name))) return;
    const pos = at(v);
    const unexpected = () => report(`Expected value of type "${typeString(expected)}", found ${valueString(v)}.`, pos);
    const enums = list(def.EnumValues).map((e) => str(e.Name));
    switch (v.Kind) {
      case Kind.Null:
        if (expected.NonNull) unexpected();
        return;
      case Kind.List:
        if (!expected.Elem) unexpected();
        return;
      case Kind.Int:
        if (!['Int', 'Float', 'ID'].includes(str(def.Name))) unexpected();
        else if (def.Name === 'Int' && !(Number(v.Raw) >= -2147483648 && Number(v.Raw) <= 2147483647)) {
          report(`Int cannot represent non 32-bit signed integer value: ${str(v.Raw)}`, pos);
        }
        return;
      case Kind.Float:
        if (def.Name !== 'Float') unexpected();
        return;
      case Kind.String:
      case Kind.Block:
        if (def.Kind === 'ENUM') {
          report(`Enum "${str(def.Name)}" cannot represent non-enum value: ${valueString(v)}.` + suggest('Did you mean the enum value', str(v.Raw), enums, false), pos);
        } else if (!['String', 'ID'].includes(str(def.Name))) {
          unexpected();
        }
        return;
      case Kind.Enum:
        if (def.Kind !== 'ENUM') unexpected();
        else if (!forName(def.EnumValues, str(v.Raw))) {
          report(`Value "${str(v.Raw)}" does not exist in "${str(def.Name)}" enum.` + suggest('Did you mean the enum value', str(v.Raw), enums, false), pos);
        }
        return;
      case Kind.Boolean:
        if (def.Name !== 'Boolean') unexpected();
        return;
      case Kind.Object: {
        if (def.Kind !== 'INPUT_OBJECT') {
          unexpected();
          return;
        }
        for (const field of list(def.Fields)) {
          if (!(field.Type as Node).NonNull || field.DefaultValue) continue;
          const given = forName(v.Children, str(field.Name));
          if (!given || (given.Value as Node | null)?.Kind === Kind.Null) {
            report(`Field "${str(def.Name)}.${str(field.Name)}" of required type "${typeString(field.Type as Node)}" was not provided.`, pos);
          }
        }
        for (const c of list(v.Children)) {
          if (forName(def.Fields, str(c.Name))) continue;
          const names = list(def.Fields).map((f) => str(f.Name));
          report(`Field "${str(c.Name)}" is not defined by type "${str(def.Name)}".` + suggest('Did you mean', str(c.Name), names, false), at(c));
        }
        return;
      }
    }
  },
});

const variablesAreInputTypes: Rule = (w, report) => ({
  variable(v) {
    const def = w.varType.get(v);
    if (!def || isInput(def)) return;
    report(`Variable "$${str(v.Variable)}" cannot be non-input type "${typeString(v.Type as Node)}".`, at(v));
  },
});

const variablesInAllowedPosition: Rule = (w, report) => ({
  value(v) {
    const info = w.value(v);
    if (v.Kind !== Kind.Variable || !info.expectedType || !info.variableDefinition || !w.operation) return;
    let expected = info.expectedType;
    const vd = info.variableDefinition;
    const hasDefault = !!vd.DefaultValue && (vd.DefaultValue as Node).Kind !== Kind.Null;
    if ((hasDefault || info.hasDefault) && expected.NonNull) expected = { ...expected, NonNull: false };
    if (!typeCompatible(vd.Type as Node, expected)) {
      report(
        `Variable "${valueString(v)}" of type "${typeString(vd.Type as Node)}" used in position expecting type "${typeString(info.expectedType)}".`,
        at(v),
      );
    }
  },
});

const rules: Rule[] = [
  fieldsOnCorrectType,
  fragmentsOnCompositeTypes,
  knownArgumentNames,
  knownDirectives,
  knownFragmentNames,
  knownRootType,
  knownTypeNames,
  loneAnonymousOperation,
  noFragmentCycles,
  noUndefinedVariables,
  noUnusedFragments,
  noUnusedVariables,
  overlappingFieldsCanBeMerged,
  possibleFragmentSpreads,
  providedRequiredArguments,
  scalarLeafs,
  singleFieldSubscriptions,
  uniqueArgumentNames,
  uniqueDirectivesPerLocation,
  uniqueFragmentNames,
  uniqueInputFieldNames,
  uniqueOperationNames,
  uniqueVariableNames,
  valuesOfCorrectType,
  variablesAreInputTypes,
  variablesInAllowedPosition,
];

/** validator.Validate: every error, in walk order. */
export function validateQuery(schema: Schema, doc: Node): GQLError[] {
  const errors: GQLError[] = [];
  const report: Report = (msg, pos) => errors.push(new GQLError(msg, pos));
  const handlers: Handlers[] = [];
  const walk = new Walk(schema, doc, handlers);
  for (const r of rules) handlers.push(r(walk, report));
  walk.run();
  return errors;
}
