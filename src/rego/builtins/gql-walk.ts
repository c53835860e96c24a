// gqlparser's validation walker: it resolves field, fragment, directive and value definitions and
// expected types, and calls the rules' handlers in walk order. What it learns lives in side
// tables, so the query AST handed back to policies is left as parsed.

import { goStrconvQuote, Kind, type Node, type Pos } from './gql-parser.js';
import { forName, list, str, typeName, type Schema } from './gql-schema.js';

export interface ValueInfo {
  expectedType?: Node;
  definition?: Node;
  variableDefinition?: Node;
  hasDefault: boolean;
}

export interface DirectiveInfo {
  definition?: Node;
  location: string;
}

/** What the walker learns about the document. */
export class Walk {
  fieldDef = new Map<Node, Node | undefined>();
  fieldParent = new Map<Node, Node | undefined>();
  values = new Map<Node, ValueInfo>();
  varType = new Map<Node, Node | undefined>();
  used = new Set<Node>();
  directives = new Map<Node, DirectiveInfo>();
  spreadDef = new Map<Node, Node | undefined>();
  fragmentType = new Map<Node, Node | undefined>();
  operation: Node | null = null;
  private validatedSpreads = new Set<string>();

  constructor(
    readonly schema: Schema,
    readonly doc: Node,
    private readonly rules: Handlers[],
  ) {}

  private emit<K extends keyof Handlers>(key: K, ...args: Parameters<NonNullable<Handlers[K]>>): void {
    for (const r of this.rules) {
      const h = r[key] as ((...a: unknown[]) => void) | undefined;
      if (h) h(...args);
    }
  }

  value(v: Node): ValueInfo {
    let info = this.values.get(v);
    if (!info) {
      info = { hasDefault: false };
      this.values.set(v, info);
    }
    return info;
  }

  run(): void {
    for (const op of list(this.doc.Operations)) {
      this.validatedSpreads = new Set();
      this.walkOperation(op);
    }
    for (const frag of list(this.doc.Fragments)) {
      this.validatedSpreads = new Set();
      this.walkFragment(frag);
    }
  }

  private walkOperation(op: Node): void {
    this.operation = op;
    for (const vd of list(op.VariableDefinitions)) {
      this.varType.set(vd, this.schema.types.get(typeName(vd.Type as Node)));
      this.emit('variable', vd);
      if (vd.DefaultValue) {
        const info = this.value(vd.DefaultValue as Node);
        info.expectedType = vd.Type as Node;
        info.definition = this.schema.types.get(typeName(vd.Type as Node));
      }
    }
    let def: Node | undefined;
    let loc: string;
    switch (op.Operation) {
      case 'mutation':
        def = this.schema.mutation;
        loc = 'MUTATION';
        break;
      case 'subscription':
        def = this.schema.subscription;
        loc = 'SUBSCRIPTION';
        break;
      default:
        def = this.schema.query;
        loc = 'QUERY';
    }
    for (const vd of list(op.VariableDefinitions)) {
      if (vd.DefaultValue) this.walkValue(vd.DefaultValue as Node);
      this.walkDirectives(this.varType.get(vd), vd.Directives, 'VARIABLE_DEFINITION');
    }
    this.walkDirectives(def, op.Directives, loc);
    this.walkSelectionSet(def, op.SelectionSet);
    this.emit('operation', op);
    this.operation = null;
  }

  private walkFragment(frag: Node): void {
    const def = this.schema.types.get(str(frag.TypeCondition));
    this.fragmentType.set(frag, def);
    this.walkDirectives(def, frag.Directives, 'FRAGMENT_DEFINITION');
    this.walkSelectionSet(def, frag.SelectionSet);
    this.emit('fragment', frag);
  }

  private walkDirectives(_parent: Node | undefined, dirs: unknown, location: string): void {
    for (const dir of list(dirs)) {
      const def = this.schema.directives.get(str(dir.Name));
      this.directives.set(dir, { definition: def, location });
      for (const arg of list(dir.Arguments)) this.walkArgument(def ? forName(def.Arguments, str(arg.Name)) : undefined, arg);
      this.emit('directive', dir);
    }
    this.emit('directiveList', list(dirs));
  }

  walkValue(v: Node): void {
    const info = this.value(v);
    if (v.Kind === Kind.Variable && this.operation) {
      info.variableDefinition = list(this.operation.VariableDefinitions).find((d) => d.Variable === v.Raw);
      if (info.variableDefinition) this.used.add(info.variableDefinition);
    }
    if (v.Kind === Kind.Object) {
      for (const child of list(v.Children)) {
        const cv = child.Value as Node;
        if (!cv) continue;
        if (info.definition) {
          const fd = forName(info.definition.Fields, str(child.Name));
          if (fd) {
            const ci = this.value(cv);
            ci.expectedType = fd.Type as Node;
            ci.hasDefault = !!fd.DefaultValue && (fd.DefaultValue as Node).Kind !== Kind.Null;
            ci.definition = this.schema.types.get(typeName(fd.Type as Node));
          }
        }
        this.walkValue(cv);
      }
    }
    if (v.Kind === Kind.List) {
      for (const child of list(v.Children)) {
        const cv = child.Value as Node;
        if (!cv) continue;
        if (info.expectedType && info.expectedType.Elem) {
          const ci = this.value(cv);
          ci.expectedType = info.expectedType.Elem as Node;
          ci.definition = info.definition;
        }
        this.walkValue(cv);
      }
    }
    this.emit('value', v);
  }

  private walkArgument(argDef: Node | undefined, arg: Node): void {
    const v = arg.Value as Node;
    if (!v) return;
    if (argDef) {
      const info = this.value(v);
      info.expectedType = argDef.Type as Node;
      info.hasDefault = !!argDef.DefaultValue && (argDef.DefaultValue as Node).Kind !== Kind.Null;
      info.definition = this.schema.types.get(typeName(argDef.Type as Node));
    }
    this.walkValue(v);
  }

  walkSelectionSet(parent: Node | undefined, set: unknown): void {
    for (const sel of list(set)) this.walkSelection(parent, sel);
  }

  private walkSelection(parent: Node | undefined, sel: Node): void {
    if (isField(sel)) {
      let def: Node | undefined;
      if (sel.Name === '__typename') def = { Name: '__typename', Type: { NamedType: 'String', NonNull: false, Elem: null } };
      else if (parent) def = forName(parent.Fields, str(sel.Name));
      this.fieldDef.set(sel, def);
      this.fieldParent.set(sel, parent);
      const next = def ? this.schema.types.get(typeName(def.Type as Node)) : undefined;
      for (const arg of list(sel.Arguments)) this.walkArgument(def ? forName(def.Arguments, str(arg.Name)) : undefined, arg);
      this.walkDirectives(next, sel.Directives, 'FIELD');
      this.walkSelectionSet(next, sel.SelectionSet);
      this.emit('field', sel);
    } else if (isInlineFragment(sel)) {
      this.fieldParent.set(sel, parent);
      const next = str(sel.TypeCondition) !== '' ? this.schema.types.get(str(sel.TypeCondition)) : parent;
      this.walkDirectives(next, sel.Directives, 'INLINE_FRAGMENT');
      this.walkSelectionSet(next, sel.SelectionSet);
      this.emit('inlineFragment', sel);
    } else {
      const def = forName(this.doc.Fragments, str(sel.Name));
      this.spreadDef.set(sel, def);
      this.fieldParent.set(sel, parent);
      const next = def ? this.schema.types.get(str(def.TypeCondition)) : undefined;
      this.walkDirectives(next, sel.Directives, 'FRAGMENT_SPREAD');
      if (def && !this.validatedSpreads.has(str(def.Name))) {
        this.validatedSpreads.add(str(def.Name));
        this.walkSelectionSet(next, def.SelectionSet);
      }
      this.emit('fragmentSpread', sel);
    }
  }
}

export const isField = (n: Node) => 'Alias' in n;
export const isInlineFragment = (n: Node) => !('Alias' in n) && 'TypeCondition' in n;

export interface Handlers {
  operation?: (op: Node) => void;
  field?: (f: Node) => void;
  fragment?: (f: Node) => void;
  inlineFragment?: (f: Node) => void;
  fragmentSpread?: (f: Node) => void;
  directive?: (d: Node) => void;
  directiveList?: (ds: Node[]) => void;
  value?: (v: Node) => void;
  variable?: (v: Node) => void;
}

export type Report = (msg: string, pos: Pos | undefined) => void;
export type Rule = (w: Walk, report: Report) => Handlers;

/** Value.String() as gqlparser prints values in messages. */
export function valueString(v: Node | null | undefined): string {
  if (!v) return '<nil>';
  switch (v.Kind) {
    case Kind.Variable: return '$' + str(v.Raw);
    case Kind.String:
    case Kind.Block: return goStrconvQuote(str(v.Raw));
    case Kind.List: return '[' + list(v.Children).map((c) => valueString(c.Value as Node)).join(',') + ']';
    case Kind.Object: return '{' + list(v.Children).map((c) => `${str(c.Name)}:${valueString(c.Value as Node)}`).join(',') + '}';
    default: return str(v.Raw);
  }
}
