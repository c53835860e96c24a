// graphql.*: parsing and validation with gqlparser's behaviour (gql-parser.ts, gql-schema.ts,
// gql-validate.ts). ASTs are returned as OPA returns them: gqlparser's structs marshalled to
// JSON, with positions, nulls and empty collections pruned. AST objects passed back in are
// read as Go's encoding/json would read them into those structs.

import { BuiltinError } from '../errors.js';
import { isObject, toJSON, typeName, type Value } from '../value.js';
import type { BuiltinDef } from './types.js';
import { GQLError, parseQuery, parseSchema, positions, type Node } from './gql-parser.js';
import { buildSchema, type Schema } from './gql-schema.js';
import { validateQuery } from './gql-validate.js';

function fail(msg: string): never {
  throw new BuiltinError(msg, 'eval_builtin_error');
}

/** OPA's reformatting of a gqlparser error text `input:L:C: msg` into `msg <where> at location L:C`. */
function opaMessage(text: string, where: string, trimDot: boolean): string {
  const parts = splitN(text, ':', 4);
  if (parts.length < 4) return text;
  let msg = parts[3].replace(/^ +/, '');
  if (trimDot && msg.endsWith('.\n')) msg = msg.slice(0, -2);
  return `${msg} in ${where} at location ${parts[1]}:${parts[2]}`;
}

function splitN(s: string, sep: string, n: number): string[] {
  const out: string[] = [];
  let rest = s;
  while (out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

// ---- Reading AST objects (encoding/json into gqlparser's structs) ----

type FieldSpec = 'str' | 'bool' | 'int' | 'strs' | Spec | [Spec];
interface Spec {
  name: string;
  fields: Record<string, FieldSpec>;
}

const spec = (name: string, fields: Record<string, FieldSpec>): Spec => ({ name, fields });
const TypeSpec: Spec = spec('Type', { NamedType: 'str', NonNull: 'bool' });
TypeSpec.fields.Elem = TypeSpec;
const DefSpec: Spec = spec('Definition', {});
const FieldDefSpec: Spec = spec('FieldDefinition', {});
const ArgDefSpec: Spec = spec('ArgumentDefinition', {});
const DirDefSpec: Spec = spec('DirectiveDefinition', {});
const VarDefSpec: Spec = spec('VariableDefinition', {});
const ValueSpec: Spec = spec('Value', {});
const ChildSpec = spec('ChildValue', { Name: 'str', Value: ValueSpec });
const ArgSpec = spec('Argument', { Name: 'str', Value: ValueSpec });
const DirectiveSpec = spec('Directive', {
  Name: 'str', Arguments: [ArgSpec], ParentDefinition: DefSpec, Definition: DirDefSpec, Location: 'str',
});
Object.assign(ValueSpec.fields, {
  Raw: 'str', Children: [ChildSpec], Kind: 'int', Definition: DefSpec, VariableDefinition: VarDefSpec,
  ExpectedType: TypeSpec, ExpectedTypeHasDefault: 'bool',
});
Object.assign(VarDefSpec.fields, {
  Variable: 'str', Type: TypeSpec, DefaultValue: ValueSpec, Directives: [DirectiveSpec], Definition: DefSpec, Used: 'bool',
});
Object.assign(ArgDefSpec.fields, { Description: 'str', Name: 'str', DefaultValue: ValueSpec, Type: TypeSpec, Directives: [DirectiveSpec] });
Object.assign(FieldDefSpec.fields, {
  Description: 'str', Name: 'str', Arguments: [ArgDefSpec], DefaultValue: ValueSpec, Type: TypeSpec, Directives: [DirectiveSpec],
});
const EnumValueSpec = spec('EnumValueDefinition', { Description: 'str', Name: 'str', Directives: [DirectiveSpec] });
Object.assign(DefSpec.fields, {
  Kind: 'str', Description: 'str', Name: 'str', Directives: [DirectiveSpec], Interfaces: 'strs', Fields: [FieldDefSpec],
  Types: 'strs', EnumValues: [EnumValueSpec], BuiltIn: 'bool',
});
Object.assign(DirDefSpec.fields, { Description: 'str', Name: 'str', Arguments: [ArgDefSpec], Locations: 'strs', IsRepeatable: 'bool' });
// Every selection reads as a Field: gqlparser tries Field first, and any object decodes into it.
const FieldSpecT: Spec = spec('Field', {});
Object.assign(FieldSpecT.fields, {
  Alias: 'str', Name: 'str', Arguments: [ArgSpec], Directives: [DirectiveSpec], SelectionSet: [FieldSpecT],
  Definition: FieldDefSpec, ObjectDefinition: DefSpec,
});
const OperationSpec = spec('OperationDefinition', {
  Operation: 'str', Name: 'str', VariableDefinitions: [VarDefSpec], Directives: [DirectiveSpec], SelectionSet: [FieldSpecT],
});
const FragmentSpec = spec('FragmentDefinition', {
  Name: 'str', VariableDefinition: [VarDefSpec], TypeCondition: 'str', Directives: [DirectiveSpec], SelectionSet: [FieldSpecT],
  Definition: DefSpec,
});
const QueryDocSpec = spec('QueryDocument', { Operations: [OperationSpec], Fragments: [FragmentSpec] });
const SchemaDefSpec = spec('SchemaDefinition', {
  Description: 'str', Directives: [DirectiveSpec], OperationTypes: [spec('OperationTypeDefinition', { Operation: 'str', Type: 'str' })],
});
const SchemaDocSpec = spec('SchemaDocument', {
  Schema: [SchemaDefSpec], SchemaExtension: [SchemaDefSpec], Directives: [DirDefSpec], Definitions: [DefSpec], Extensions: [DefSpec],
});

const jsonKind = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v;

function mismatch(v: unknown, field: string, goType: string): never {
  throw new Error(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${field} of type ${goType}`);
}

/** A key as encoding/json finds it: exact first, then case-insensitively. */
function lookup(o: Record<string, unknown>, key: string): unknown {
  if (Object.prototype.hasOwnProperty.call(o, key)) return o[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(o).sort()) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function decode(v: unknown, s: Spec, path: string): Node | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || Array.isArray(v)) mismatch(v, path, `ast.${s.name}`);
  const o = v as Record<string, unknown>;
  const out: Node = {};
  for (const [key, fs] of Object.entries(s.fields)) {
    const x = lookup(o, key);
    const where = `${s.name}.${key}`;
    if (fs === 'str') {
      if (x !== undefined && x !== null && typeof x !== 'string') mismatch(x, where, 'string');
      out[key] = x ?? '';
    } else if (fs === 'bool') {
      if (x !== undefined && x !== null && typeof x !== 'boolean') mismatch(x, where, 'bool');
      out[key] = x ?? false;
    } else if (fs === 'int') {
      if (x !== undefined && x !== null && (typeof x !== 'number' || !Number.isInteger(x))) mismatch(x, where, 'int');
      out[key] = x ?? 0;
    } else if (fs === 'strs') {
      if (x === undefined || x === null) out[key] = null;
      else if (!Array.isArray(x)) mismatch(x, where, '[]string');
      else out[key] = x.map((e) => (typeof e === 'string' ? e : e === null ? '' : mismatch(e, where, 'string')));
    } else if (Array.isArray(fs)) {
      if (x === undefined || x === null) out[key] = null;
      else if (!Array.isArray(x)) mismatch(x, where, `[]*ast.${fs[0].name}`);
      else out[key] = x.map((e) => decode(e, fs[0], where));
    } else {
      out[key] = decode(x, fs, where);
    }
  }
  const pos = lookup(o, 'Position');
  if (pos && typeof pos === 'object') {
    const p = pos as Record<string, unknown>;
    if (typeof p.Line === 'number' && typeof p.Column === 'number') positions.set(out, { line: p.Line, column: p.Column, src: '' });
  }
  return out;
}

function fromObject(v: Value, s: Spec): Node {
  try {
    return decode(toJSON(v), s, s.name) ?? {};
  } catch (e) {
    return fail((e as Error).message);
  }
}

// ---- Parsing with OPA's error texts ----

function queryDoc(x: Value | undefined, operand: number): Node {
  if (typeof x === 'string') {
    try {
      return parseQuery(x);
    } catch (e) {
      if (e instanceof GQLError) fail(opaMessage(e.text(), 'GraphQL string', false));
      throw e;
    }
  }
  if (isObject(x)) return fromObject(x, QueryDocSpec);
  throw new BuiltinError(`operand ${operand} must be one of {string, object} but got ${typeName(x)}`, 'eval_type_error');
}

function schemaDoc(x: Value | undefined, operand: number): Node {
  if (typeof x === 'string') {
    try {
      return parseSchema(x);
    } catch (e) {
      if (e instanceof GQLError) fail(opaMessage(e.text(), 'GraphQL string', false));
      throw e;
    }
  }
  if (isObject(x)) return fromObject(x, SchemaDocSpec);
  throw new BuiltinError(`operand ${operand} must be one of {string, object} but got ${typeName(x)}`, 'eval_type_error');
}

function schemaOf(doc: Node): Schema {
  try {
    return buildSchema(doc);
  } catch (e) {
    if (e instanceof GQLError) fail(`Error in gqlparser SchemaDocument to Schema conversion: ${e.text()}`);
    throw e;
  }
}

function validate(schema: Schema, doc: Node): void {
  const errors = validateQuery(schema, doc);
  if (errors.length) fail(opaMessage(errors.map((e) => e.text() + '\n').join(''), 'GraphQL string', true));
}

/** Errors of any kind mean "not valid" for the predicate forms. */
function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof BuiltinError) return undefined;
    throw e;
  }
}

// ---- Output ----

/** OPA's pruneIrrelevantGraphQLASTNodes over the marshalled AST. */
function prune(v: unknown): Value | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    for (const e of v) {
      const p = prune(e);
      if (p === undefined) continue;
      if (Array.isArray(p) && p.length === 0) continue;
      if (isObject(p) && Object.keys(p).length === 0) continue;
      out.push(p);
    }
    return out;
  }
  if (typeof v === 'object') {
    const out: Record<string, Value> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'Position') continue;
      const p = prune(x);
      if (p === undefined) continue;
      if (Array.isArray(p) && p.length === 0) continue;
      if (isObject(p) && Object.keys(p).length === 0) continue;
      out[k] = p;
    }
    return out;
  }
  return v as Value;
}

const ast = (doc: Node): Value => prune(doc) ?? {};

function parseBoth(args: Value[]): { q: Node; s: Node; schema: Schema } {
  const q = queryDoc(args[0], 0);
  const s = schemaDoc(args[1], 1);
  const schema = schemaOf(s);
  validate(schema, q);
  return { q, s, schema };
}

export const graphqlBuiltins: BuiltinDef[] = [
  {
    name: 'graphql.parse',
    args: ['string|object', 'string|object'],
    result: 'array',
    fn: (args) => {
      const { q, s } = parseBoth(args);
      return [ast(q), ast(s)];
    },
  },
  {
    name: 'graphql.parse_and_verify',
    args: ['string|object', 'string|object'],
    result: 'array',
    fn: (args) => {
      if ((typeof args[0] !== 'string' && !isObject(args[0])) || (typeof args[1] !== 'string' && !isObject(args[1]))) {
        return [false, {}, {}];
      }
      const r = attempt(() => parseBoth(args));
      return r ? [true, ast(r.q), ast(r.s)] : [false, {}, {}];
    },
  },
  {
    name: 'graphql.parse_query',
    args: ['string'],
    result: 'object',
    fn: ([x]) => {
      if (typeof x !== 'string') throw new BuiltinError(`operand 1 must be string but got ${typeName(x)}`, 'eval_type_error');
      return ast(queryDoc(x, 1));
    },
  },
  {
    name: 'graphql.parse_schema',
    args: ['string'],
    result: 'object',
    fn: ([x]) => {
      if (typeof x !== 'string') throw new BuiltinError(`operand 1 must be string but got ${typeName(x)}`, 'eval_type_error');
      return ast(schemaDoc(x, 1));
    },
  },
  {
    name: 'graphql.is_valid',
    args: ['string|object', 'string|object'],
    result: 'boolean',
    fn: (args) => {
      if ((typeof args[0] !== 'string' && !isObject(args[0])) || (typeof args[1] !== 'string' && !isObject(args[1]))) return false;
      return attempt(() => parseBoth(args)) !== undefined;
    },
  },
  {
    name: 'graphql.schema_is_valid',
    args: ['string|object'],
    result: 'boolean',
    fn: ([x]) => {
      if (typeof x !== 'string' && !isObject(x)) return false;
      return attempt(() => schemaOf(schemaDoc(x, 0))) !== undefined;
    },
  },
];
