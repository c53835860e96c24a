// json.verify_schema and json.match_schema on ajv, with results shaped as OPA's (which uses
// gojsonschema): errors are objects {error, type, field, desc} using gojsonschema's error types,
// dotted field paths (`(root)` for the document itself) and English descriptions.
// Patterns are matched with RE2 (as in Go), not JavaScript regular expressions.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BuiltinError } from '../errors.js';
import { isObject, objectEntries, RSet, type Value } from '../value.js';
import { isValidJSON, marshalJSON, parseJSON } from './gojson.js';
import { BoundedCache, compileRegex } from './regex.js';
import type { BuiltinDef } from './types.js';

const re2Engine = Object.assign(
  (pattern: string) => {
    const c = compileRegex(pattern);
    return { test: (s: string) => c.re.matcher(s).find() };
  },
  { code: 'RE2' },
);

const ajv = new Ajv({
  allErrors: true,
  strict: false,
  logger: false,
  validateSchema: true,
  code: { regExp: re2Engine as never },
});

const formats: Record<string, RegExp | ((s: string) => boolean)> = {
  email: /^[^\s@]+@[^\s@]+$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  ipv6: (s) => /^[0-9a-fA-F:.]+$/.test(s) && s.includes(':'),
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  time: /^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  uri: /^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*$/,
  'uri-reference': /^[^\s]*$/,
  hostname: /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  regex: (s) => {
    try {
      compileRegex(s);
      return true;
    } catch {
      return false;
    }
  },
};
for (const [name, check] of Object.entries(formats)) {
  ajv.addFormat(name, typeof check === 'function' ? { validate: check } : check);
}

/** Plain JSON data for ajv: sets as arrays, non-string keys as JSON text, big integers as doubles. */
function toData(v: Value): unknown {
  switch (typeof v) {
    case 'bigint':
      return Number(v);
    case 'string':
    case 'number':
    case 'boolean':
      return v;
  }
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(toData);
  if (v instanceof RSet) return v.sorted().map(toData);
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, x] of objectEntries(v)) out[typeof k === 'string' ? k : marshalJSON(k)] = toData(x);
  return out;
}

/** A document or schema operand: a JSON string, an object or an array. */
function load(v: Value): unknown {
  if (typeof v === 'string') {
    if (!isValidJSON(v)) throw new BuiltinError('invalid JSON string');
    return toData(parseJSON(v));
  }
  if (isObject(v) || Array.isArray(v)) return toData(v);
  throw new BuiltinError('wrong type, expected string or object');
}

// gojsonschema lists the types in this order.
const simpleTypes = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

function schemaError(errors: ErrorObject[] | null | undefined, schema: unknown): string {
  for (const e of errors ?? []) {
    if (e.keyword === 'enum' && e.instancePath.endsWith('/type')) {
      const given = pointerGet(schema, e.instancePath);
      const shown = Array.isArray(given) ? given.join(',') : String(given);
      return `has a primitive type that is NOT VALID -- given: /${shown}/ Expected valid values are:[${simpleTypes.join(' ')}]`;
    }
  }
  const e = (errors ?? [])[0];
  if (!e) return 'invalid schema';
  const where = e.instancePath ? e.instancePath.slice(1).split('/').map(unescapePointer).join('.') : '(root)';
  return `${where}: ${e.message ?? 'is invalid'}`;
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function pointerGet(doc: unknown, pointer: string): unknown {
  let v = doc;
  for (const part of pointer.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[unescapePointer(part)];
  }
  return v;
}

const compiled = new BoundedCache<ValidateFunction | BuiltinError>(100);

function compileSchema(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let c = compiled.get(key);
  if (c === undefined) {
    try {
      let s = schema;
      if (s !== null && typeof s === 'object' && !Array.isArray(s) && '$schema' in s) {
        s = { ...(s as Record<string, unknown>) };
        delete (s as Record<string, unknown>).$schema;
      }
      if (typeof s !== 'boolean' && (s === null || typeof s !== 'object' || Array.isArray(s))) {
        throw new BuiltinError(`Invalid type. Expected: object, given: ${jsonType(s)}`);
      }
      if (!ajv.validateSchema(s as object)) throw new BuiltinError(schemaError(ajv.errors, s));
      c = ajv.compile(s as object);
      // The compiled function stays usable; dropping ajv's own entry keeps its cache from growing.
      ajv.removeSchema(s as object);
    } catch (e) {
      c = e instanceof BuiltinError ? e : new BuiltinError(e instanceof Error ? e.message : String(e));
    }
    compiled.set(key, c as ValidateFunction | BuiltinError);
  }
  if (c instanceof BuiltinError) throw new BuiltinError(c.message);
  return c as ValidateFunction;
}

// ---- errors in gojsonschema's shape ----

function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function fieldOf(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer.slice(1).split('/').map(unescapePointer).join('.');
}

function num(v: unknown): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

function describe(e: ErrorObject, doc: unknown, schema: unknown): { type: string; field: string; desc: string } | null {
  const field = fieldOf(e.instancePath);
  const p = e.params as Record<string, unknown>;
  const schemaAt = pointerGet(schema, e.schemaPath.replace(/^#/, ''));
  switch (e.keyword) {
    case 'type': {
      const t = p.type as string | string[];
      const expected = Array.isArray(t) ? '[' + t.join(',') + ']' : t;
      return { type: 'invalid_type', field, desc: `Invalid type. Expected: ${expected}, given: ${jsonType(pointerGet(doc, e.instancePath))}` };
    }
    case 'required': {
      const prop = String(p.missingProperty);
      return { type: 'required', field, desc: `${prop} is required` };
    }
    case 'additionalProperties':
      return { type: 'additional_property_not_allowed', field, desc: `Additional property ${String(p.additionalProperty)} is not allowed` };
    case 'enum': {
      const allowed = (Array.isArray(schemaAt) ? schemaAt : (p.allowedValues as unknown[]) ?? []).map((x) => JSON.stringify(x));
      return { type: 'enum', field, desc: `${field} must be one of the following: ${allowed.join(', ')}` };
    }
    case 'const':
      return { type: 'const', field, desc: `${field} does not match: ${JSON.stringify(p.allowedValue)}` };
    case 'minLength':
      return { type: 'string_gte', field, desc: `String length must be greater than or equal to ${num(p.limit)}` };
    case 'maxLength':
      return { type: 'string_lte', field, desc: `String length must be less than or equal to ${num(p.limit)}` };
    case 'pattern':
      return { type: 'pattern', field, desc: `Does not match pattern '${String(p.pattern)}'` };
    case 'format':
      return { type: 'format', field, desc: `Does not match format '${String(p.format)}'` };
    case 'minimum':
      return { type: 'number_gte', field, desc: `Must be greater than or equal to ${num(p.limit)}` };
    case 'exclusiveMinimum':
      return { type: 'number_gt', field, desc: `Must be greater than ${num(p.limit)}` };
    case 'maximum':
      return { type: 'number_lte', field, desc: `Must be less than or equal to ${num(p.limit)}` };
    case 'exclusiveMaximum':
      return { type: 'number_lt', field, desc: `Must be less than ${num(p.limit)}` };
    case 'multipleOf':
      return { type: 'multiple_of', field, desc: `Must be a multiple of ${num(p.multipleOf)}` };
    case 'minItems':
      return { type: 'array_min_items', field, desc: `Array must have at least ${num(p.limit)} items` };
    case 'maxItems':
      return { type: 'array_max_items', field, desc: `Array must have at most ${num(p.limit)} items` };
    case 'uniqueItems': {
      const i = Math.min(Number(p.i), Number(p.j));
      const j = Math.max(Number(p.i), Number(p.j));
      return { type: 'unique', field, desc: `array items[${i},${j}] must be unique` };
    }
    case 'minProperties':
      return { type: 'array_min_properties', field, desc: `Must have at least ${num(p.limit)} properties` };
    case 'maxProperties':
      return { type: 'array_max_properties', field, desc: `Must have at most ${num(p.limit)} properties` };
    case 'anyOf':
      return { type: 'number_any_of', field, desc: 'Must validate at least one schema (anyOf)' };
    case 'oneOf':
      return { type: 'number_one_of', field, desc: 'Must validate one and only one schema (oneOf)' };
    case 'allOf':
      return { type: 'number_all_of', field, desc: 'Must validate all the schemas (allOf)' };
    case 'not':
      return { type: 'number_not', field, desc: 'Must not validate the schema (not)' };
    case 'if':
      return p.failingKeyword === 'else'
        ? { type: 'condition_else', field, desc: 'Must validate "else" as "if" was not valid' }
        : { type: 'condition_then', field, desc: 'Must validate "then" as "if" was valid' };
    case 'dependencies':
    case 'dependentRequired':
      return { type: 'missing_dependency', field, desc: `Has a dependency on ${String(p.missingProperty)}` };
    case 'contains':
      return { type: 'contains', field, desc: 'At least one of the items must match' };
    case 'additionalItems':
      return { type: 'array_no_additional_items', field, desc: 'No additional items allowed on array' };
    case 'propertyNames':
      return { type: 'invalid_property_name', field, desc: `Property name of "${String(p.propertyName)}" does not match` };
    case 'false schema':
      return { type: 'false', field, desc: 'False always fails validation' };
  }
  return { type: e.keyword, field, desc: e.message ?? 'is invalid' };
}

function matchSchema(args: Value[]): Value {
  const doc = load(args[0]);
  const schema = load(args[1]);
  const validate = compileSchema(schema);
  const ok = validate(doc) as boolean;
  const errors: Value[] = [];
  if (!ok) {
    for (const e of validate.errors ?? []) {
      const d = describe(e, doc, schema);
      if (!d) continue;
      const o = Object.create(null) as Record<string, Value>;
      o.error = `${d.field}: ${d.desc}`;
      o.type = d.type;
      o.field = d.field;
      o.desc = d.desc;
      errors.push(o);
    }
  }
  return [ok, errors];
}

function verifySchema(args: Value[]): Value {
  try {
    compileSchema(load(args[0]));
    return [true, null];
  } catch (e) {
    if (e instanceof BuiltinError) return [false, 'jsonschema: ' + e.message];
    throw e;
  }
}

export const jsonSchemaBuiltins: BuiltinDef[] = [
  { name: 'json.verify_schema', args: ['string|object'], result: 'array', fn: verifySchema },
  { name: 'json.match_schema', args: ['string|object', 'string|object'], result: 'array', fn: matchSchema },
];
