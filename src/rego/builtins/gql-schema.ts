// gqlparser's schema side: the built-in prelude, SchemaDocument merging and
// ValidateSchemaDocument (type/extension resolution and its checks, with gqlparser's messages).

import { at, goStrconvQuote, GQLError, parseSchema, positions, type Node, type Pos } from './gql-parser.js';

const PRELUDE = `
scalar Int
scalar Float
scalar String
scalar Boolean
scalar ID
directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
directive @specifiedBy(url: String!) on SCALAR
type __Schema {
  description: String
  types: [__Type!]!
  queryType: __Type!
  mutationType: __Type
  subscriptionType: __Type
  directives: [__Directive!]!
}
type __Type {
  kind: __TypeKind!
  name: String
  description: String
  fields(includeDeprecated: Boolean = false): [__Field!]
  interfaces: [__Type!]
  possibleTypes: [__Type!]
  enumValues(includeDeprecated: Boolean = false): [__EnumValue!]
  inputFields: [__InputValue!]
  ofType: __Type
  specifiedBy: String
}
type __Field {
  name: String!
  description: String
  args: [__InputValue!]!
  type: __Type!
  isDeprecated: Boolean!
  deprecationReason: String
}
type __InputValue {
  name: String!
  description: String
  type: __Type!
  defaultValue: String
}
type __EnumValue {
  name: String!
  description: String
  isDeprecated: Boolean!
  deprecationReason: String
}
enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }
type __Directive {
  name: String!
  description: String
  locations: [__DirectiveLocation!]!
  args: [__InputValue!]!
  isRepeatable: Boolean!
}
enum __DirectiveLocation {
  QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION
  SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT
  INPUT_FIELD_DEFINITION
}
`;

let prelude: Node | undefined;
function preludeDocument(): Node {
  prelude ??= parseSchema(PRELUDE, 'prelude.graphql', true);
  return prelude;
}

// ---- Types ----

export const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
export const strings = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Type.Name(): the innermost named type. */
export function typeName(t: Node | null | undefined): string {
  let cur = t;
  while (cur && cur.Elem) cur = cur.Elem as Node;
  return cur ? str(cur.NamedType) : '';
}

/** Type.String(): `[Foo!]!`. */
export function typeString(t: Node | null | undefined): string {
  if (!t) return '';
  const inner = t.Elem ? `[${typeString(t.Elem as Node)}]` : str(t.NamedType);
  return inner + (t.NonNull ? '!' : '');
}

/** Type.IsCompatible. */
export function typeCompatible(t: Node, other: Node): boolean {
  if (str(t.NamedType) !== str(other.NamedType)) return false;
  if (t.Elem && !other.Elem) return false;
  if (t.Elem && !typeCompatible(t.Elem as Node, other.Elem as Node)) return false;
  if (other.NonNull) return t.NonNull === true;
  return true;
}

export const forName = (items: unknown, name: string): Node | undefined => list(items).find((x) => x.Name === name);

export const isLeaf = (d: Node) => d.Kind === 'ENUM' || d.Kind === 'SCALAR';
export const isComposite = (d: Node) => d.Kind === 'OBJECT' || d.Kind === 'INTERFACE' || d.Kind === 'UNION';
export const isInput = (d: Node) => d.Kind === 'SCALAR' || d.Kind === 'ENUM' || d.Kind === 'INPUT_OBJECT';

export interface Schema {
  query?: Node;
  mutation?: Node;
  subscription?: Node;
  types: Map<string, Node>;
  directives: Map<string, Node>;
  possibleTypes: Map<string, Node[]>;
}

/** Schema.GetPossibleTypes. */
export function possibleTypes(schema: Schema, def: Node): Node[] {
  if (def.Kind === 'UNION') return strings(def.Types).map((t) => schema.types.get(t)).filter((d): d is Node => !!d);
  return schema.possibleTypes.get(str(def.Name)) ?? [];
}

// ---- ValidateSchemaDocument ----

function fail(pos: Pos | undefined, msg: string): never {
  throw new GQLError(msg, pos);
}

const copyDef = (d: Node): Node => ({
  ...d,
  Directives: list(d.Directives).slice(),
  Interfaces: strings(d.Interfaces).slice(),
  Fields: list(d.Fields).slice(),
  Types: strings(d.Types).slice(),
  EnumValues: list(d.EnumValues).slice(),
});

function validateName(pos: Pos | undefined, name: string): void {
  if (name.startsWith('__')) fail(pos, `Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`);
}

function validateTypeRef(schema: Schema, t: Node): void {
  if (!schema.types.get(typeName(t))) fail(at(t), `Undefined type ${typeName(t)}.`);
}

function validateDirectives(schema: Schema, dirs: unknown, location: string, current?: Node): void {
  for (const dir of list(dirs)) {
    const name = str(dir.Name);
    validateName(at(dir), name);
    if (current && name === current.Name) fail(at(dir), `Directive ${str(current.Name)} cannot refer to itself.`);
    const def = schema.directives.get(name);
    if (!def) fail(at(dir), `Undefined directive ${name}.`);
    if (!strings(def.Locations).includes(location)) fail(at(dir), `Directive ${name} is not applicable on ${location}.`);
  }
}

function validateArgs(schema: Schema, args: unknown, current?: Node): void {
  for (const arg of list(args)) {
    validateName(at(arg), str(arg.Name));
    validateTypeRef(schema, arg.Type as Node);
    const def = schema.types.get(typeName(arg.Type as Node)) as Node;
    if (!isInput(def)) {
      fail(at(arg), `cannot use ${typeString(arg.Type as Node)} as argument ${str(arg.Name)} because ${str(def.Kind)} is not a valid input type`);
    }
    validateDirectives(schema, arg.Directives, 'ARGUMENT_DEFINITION', current);
  }
}

function isCovariant(schema: Schema, required: Node, actual: Node): boolean {
  if (required.NonNull && !actual.NonNull) return false;
  if (str(required.NamedType) !== '') {
    if (required.NamedType === actual.NamedType) return true;
    return (schema.possibleTypes.get(str(required.NamedType)) ?? []).some((pt) => pt.Name === actual.NamedType);
  }
  if (required.Elem && !actual.Elem) return false;
  return isCovariant(schema, required.Elem as Node, actual.Elem as Node);
}

function validateImplements(schema: Schema, def: Node, intfName: string): void {
  const name = str(def.Name);
  const intf = schema.types.get(intfName);
  if (!intf) fail(at(def), `Undefined type ${goStrconvQuote(intfName)}.`);
  if (intf.Kind !== 'INTERFACE') fail(at(def), `${goStrconvQuote(intfName)} is a non interface type ${str(intf.Kind)}.`);
  for (const required of list(intf.Fields)) {
    const found = forName(def.Fields, str(required.Name));
    if (!found) fail(at(def), `For ${name} to implement ${intfName} it must have a field called ${str(required.Name)}.`);
    if (!isCovariant(schema, required.Type as Node, found.Type as Node)) {
      fail(at(found), `For ${name} to implement ${intfName} the field ${str(required.Name)} must have type ${typeString(required.Type as Node)}.`);
    }
    for (const reqArg of list(required.Arguments)) {
      const foundArg = forName(found.Arguments, str(reqArg.Name));
      if (!foundArg) {
        fail(at(found), `For ${name} to implement ${intfName} the field ${str(required.Name)} must have the same arguments but it is missing ${str(reqArg.Name)}.`);
      }
      if (!typeCompatible(reqArg.Type as Node, foundArg.Type as Node)) {
        fail(at(foundArg), `For ${name} to implement ${intfName} the field ${str(required.Name)} must have the same arguments but ${str(reqArg.Name)} has the wrong type.`);
      }
    }
    for (const arg of list(found.Arguments)) {
      if (!forName(required.Arguments, str(arg.Name)) && (arg.Type as Node).NonNull && !arg.DefaultValue) {
        fail(at(arg), `For ${name} to implement ${intfName} any additional arguments on ${str(found.Name)} must be optional or have a default value but ${str(arg.Name)} is required.`);
      }
    }
  }
  for (const transitive of strings(intf.Interfaces)) {
    if (!strings(def.Interfaces).includes(transitive)) {
      if (transitive === name) fail(at(def), `Type ${name} cannot implement ${intfName} because it would create a circular reference.`);
      fail(at(def), `Type ${name} must implement ${transitive} because it is implemented by ${intfName}.`);
    }
  }
}

function validateDefinition(schema: Schema, def: Node): void {
  const kind = str(def.Kind);
  const name = str(def.Name);
  for (const field of list(def.Fields)) {
    validateName(at(field), str(field.Name));
    validateTypeRef(schema, field.Type as Node);
    validateArgs(schema, field.Arguments);
    validateDirectives(schema, field.Directives, kind === 'INPUT_OBJECT' ? 'INPUT_FIELD_DEFINITION' : 'FIELD_DEFINITION');
  }
  for (const t of strings(def.Types)) {
    const td = schema.types.get(t);
    if (!td) fail(at(def), `Undefined type ${goStrconvQuote(t)}.`);
    if (td.Kind !== 'OBJECT') fail(at(def), `${kind} type ${goStrconvQuote(t)} must be OBJECT.`);
  }
  for (const intf of strings(def.Interfaces)) validateImplements(schema, def, intf);
  switch (kind) {
    case 'OBJECT':
    case 'INTERFACE':
      if (list(def.Fields).length === 0) fail(at(def), `${kind} ${name}: must define one or more fields.`);
      for (const field of list(def.Fields)) {
        const t = schema.types.get(typeName(field.Type as Node));
        if (t && !['SCALAR', 'OBJECT', 'INTERFACE', 'UNION', 'ENUM'].includes(str(t.Kind))) {
          fail(at(field), `${kind} ${name}: field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM.`);
        }
      }
      break;
    case 'ENUM':
      if (list(def.EnumValues).length === 0) fail(at(def), `${kind} ${name}: must define one or more unique enum values.`);
      for (const v of list(def.EnumValues)) {
        if (['true', 'false', 'null'].includes(str(v.Name))) fail(at(def), `${kind} ${name}: non-enum value ${str(v.Name)}.`);
      }
      break;
    case 'INPUT_OBJECT':
      if (list(def.Fields).length === 0) fail(at(def), `${kind} ${name}: must define one or more input fields.`);
      for (const field of list(def.Fields)) {
        const t = schema.types.get(typeName(field.Type as Node));
        if (t && !['SCALAR', 'ENUM', 'INPUT_OBJECT'].includes(str(t.Kind))) {
          fail(at(field), `${str(t.Kind)} ${str(field.Name)}: field must be one of SCALAR, ENUM, INPUT_OBJECT.`);
        }
      }
      break;
  }
  const fields = list(def.Fields);
  for (let i = 0; i < fields.length; i++) {
    for (let j = i + 1; j < fields.length; j++) {
      if (fields[i].Name === fields[j].Name) fail(at(fields[j]), `Field ${name}.${str(fields[j].Name)} can only be defined once.`);
    }
  }
  if (!def.BuiltIn) validateName(at(def), name);
  validateDirectives(schema, def.Directives, kind);
}

function addPossible(schema: Schema, name: string, def: Node | undefined): void {
  if (!def) return;
  const l = schema.possibleTypes.get(name) ?? [];
  l.push(def);
  schema.possibleTypes.set(name, l);
}

/** Merges the prelude with doc and validates the result, as OPA's convertSchema does. */
export function buildSchema(doc: Node): Schema {
  const pre = preludeDocument();
  const merged = (key: string) => [...list(pre[key]), ...list(doc[key])];
  const schema: Schema = { types: new Map(), directives: new Map(), possibleTypes: new Map() };

  const defs: Node[] = [];
  for (const d of merged('Definitions')) {
    const name = str(d.Name);
    if (schema.types.has(name)) fail(at(d), `Cannot redeclare type ${name}.`);
    const copy = copyDef(d);
    schema.types.set(name, copy);
    defs.push(copy);
    positionsCopy(d, copy);
  }
  for (const ext of merged('Extensions')) {
    const name = str(ext.Name);
    let def = schema.types.get(name);
    if (!def) {
      def = copyDef({ Kind: ext.Kind, Name: name, Description: '', BuiltIn: false });
      positionsCopy(ext, def);
      schema.types.set(name, def);
      defs.push(def);
    }
    if (def.Kind !== ext.Kind) {
      fail(at(ext), `Cannot extend type ${name} because the base type is a ${str(def.Kind)}, not ${str(ext.Kind)}.`);
    }
    (def.Directives as Node[]).push(...list(ext.Directives));
    (def.Interfaces as string[]).push(...strings(ext.Interfaces));
    (def.Fields as Node[]).push(...list(ext.Fields));
    (def.Types as string[]).push(...strings(ext.Types));
    (def.EnumValues as Node[]).push(...list(ext.EnumValues));
  }
  for (const def of defs) {
    const name = str(def.Name);
    if (def.Kind === 'UNION') {
      for (const t of strings(def.Types)) addPossible(schema, name, schema.types.get(t));
    } else if (def.Kind === 'OBJECT' || def.Kind === 'INPUT_OBJECT' || def.Kind === 'INTERFACE') {
      for (const intf of strings(def.Interfaces)) addPossible(schema, intf, def);
      if (def.Kind !== 'INTERFACE') addPossible(schema, name, def);
    }
  }
  for (const dir of merged('Directives')) {
    const name = str(dir.Name);
    if (schema.directives.has(name)) {
      if (!['include', 'skip', 'deprecated', 'specifiedBy'].includes(name)) fail(at(dir), `Cannot redeclare directive ${name}.`);
      continue;
    }
    schema.directives.set(name, dir);
  }
  const schemaDefs = merged('Schema');
  if (schemaDefs.length > 1) fail(at(schemaDefs[1]), 'Cannot have multiple schema entry points, consider schema extensions instead.');
  const applyRoots = (def: Node) => {
    for (const entry of list(def.OperationTypes)) {
      const t = schema.types.get(str(entry.Type));
      if (!t) fail(at(entry), `Schema root ${str(entry.Operation)} refers to a type ${str(entry.Type)} that does not exist.`);
      if (entry.Operation === 'query') schema.query = t;
      else if (entry.Operation === 'mutation') schema.mutation = t;
      else if (entry.Operation === 'subscription') schema.subscription = t;
    }
  };
  if (schemaDefs.length === 1) applyRoots(schemaDefs[0]);
  for (const ext of merged('SchemaExtension')) applyRoots(ext);

  for (const name of [...schema.types.keys()].sort()) validateDefinition(schema, schema.types.get(name) as Node);
  for (const name of [...schema.directives.keys()].sort()) {
    const dir = schema.directives.get(name) as Node;
    validateName(at(dir), name);
    validateArgs(schema, dir.Arguments, dir);
  }

  if (schemaDefs.length === 0) {
    schema.query ??= schema.types.get('Query');
    schema.mutation ??= schema.types.get('Mutation');
    schema.subscription ??= schema.types.get('Subscription');
  }
  if (schema.query) {
    (schema.query.Fields as Node[]).push(
      { Name: '__schema', Type: { NamedType: '__Schema', NonNull: true, Elem: null }, Arguments: null },
      {
        Name: '__type',
        Type: { NamedType: '__Type', NonNull: false, Elem: null },
        Arguments: [{ Name: 'name', Type: { NamedType: 'String', NonNull: true, Elem: null } }],
      },
    );
  }
  return schema;
}

function positionsCopy(from: Node, to: Node): void {
  const p = at(from);
  if (p) positions.set(to, p);
}
