import { test } from 'node:test';
import assert from 'node:assert/strict';
import { graphqlBuiltins } from '../../../src/rego/builtins/graphql.js';
import { toJSON, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(graphqlBuiltins);
const plain = (v: Value | undefined) => JSON.parse(JSON.stringify(toJSON(v as Value)));
const builtin = 'eval_builtin_error' as const;

const schema = `
  type Query {
    hero(episode: Episode!): Character
    search(text: String): [SearchResult]
  }
  enum Episode { NEWHOPE EMPIRE JEDI }
  interface Character { id: ID! name: String }
  type Human implements Character { id: ID! name: String height: Float }
  type Droid implements Character { id: ID! name: String primaryFunction: String }
  union SearchResult = Human | Droid
`;

test('graphql.parse_query returns the pruned gqlparser AST', () => {
  assert.deepEqual(plain(call('graphql.parse_query', '{hero {name}}')), {
    Operations: [{ Name: '', Operation: 'query', SelectionSet: [{ Alias: 'hero', Name: 'hero', SelectionSet: [{ Alias: 'name', Name: 'name' }] }] }],
  });
  const q = plain(call('graphql.parse_query', 'query Q($e: Episode! = JEDI) { hero(episode: $e) { ... on Droid { id } ...F } } fragment F on Character { name }'));
  assert.deepEqual(q.Operations[0].VariableDefinitions, [
    { DefaultValue: { ExpectedTypeHasDefault: false, Kind: 7, Raw: 'JEDI' }, Type: { NamedType: 'Episode', NonNull: true }, Used: false, Variable: 'e' },
  ]);
  assert.deepEqual(q.Operations[0].SelectionSet[0].SelectionSet, [
    { SelectionSet: [{ Alias: 'id', Name: 'id' }], TypeCondition: 'Droid' },
    { Name: 'F' },
  ]);
  assert.deepEqual(q.Fragments, [{ Name: 'F', SelectionSet: [{ Alias: 'name', Name: 'name' }], TypeCondition: 'Character' }]);
});

test('parse errors carry gqlparser messages and locations', () => {
  assertBuiltinError(() => call('graphql.parse_query', '{'), 'Expected Name, found <EOF> in GraphQL string at location 1:2', builtin);
  assertBuiltinError(() => call('graphql.parse_query', '...'), 'Unexpected ... in GraphQL string at location 1:1', builtin);
  assertBuiltinError(
    () => call('graphql.parse_query', '\n  { ...MissingOn }\n  fragment MissingOn Type\n'),
    'Expected "on", found Name "Type" in GraphQL string at location 3:22',
    builtin,
  );
  assertBuiltinError(() => call('graphql.parse_schema', 'type Hello {}'), 'expected at least one definition, found } in GraphQL string at location 1:13', builtin);
  assertBuiltinError(() => call('graphql.parse_schema', '"""\r'), 'Unexpected <Invalid> in GraphQL string at location 2:1', builtin);
  assertBuiltinError(() => call('graphql.parse_query', 1), 'operand 1 must be string but got number');
});

test('graphql.parse_schema', () => {
  assert.deepEqual(plain(call('graphql.parse_schema', 'union U = | A | B\ndirective @d repeatable on FIELD')), {
    Definitions: [{ BuiltIn: false, Description: '', Kind: 'UNION', Name: 'U', Types: ['A', 'B'] }],
    Directives: [{ Description: '', IsRepeatable: true, Locations: ['FIELD'], Name: 'd' }],
  });
});

test('graphql.schema_is_valid follows gqlparser schema validation', () => {
  assert.equal(call('graphql.schema_is_valid', schema), true);
  assert.equal(call('graphql.schema_is_valid', 'extend type User { id: ID! }'), true);
  assert.equal(call('graphql.schema_is_valid', 'union Hello = World'), false);
  assert.equal(call('graphql.schema_is_valid', 'schema { query: Query }'), false);
  assert.equal(call('graphql.schema_is_valid', 'interface IA { id: ID! } interface IIA implements IA { id: ID! } type A implements IIA { id: ID! }'), false);
  assert.equal(call('graphql.schema_is_valid', 'type T { f: Nope }'), false);
  assert.equal(call('graphql.schema_is_valid', 'input I { o: Query } type Query { x: Int }'), false);
  assert.equal(call('graphql.schema_is_valid', 42), false);
});

test('graphql.is_valid runs the query validation rules', () => {
  const valid = (q: string) => call('graphql.is_valid', q, schema);
  assert.equal(valid('{ hero(episode: JEDI) { id name ... on Human { height } } }'), true);
  assert.equal(valid('query($e: Episode!) { hero(episode: $e) { id } }'), true);
  assert.equal(valid('{ hero { id } }'), false); // missing required argument
  assert.equal(valid('{ hero(episode: JEDI) { nope } }'), false); // unknown field
  assert.equal(valid('{ hero(episode: JEDI) }'), false); // object without selection
  assert.equal(valid('{ hero(episode: 3) { id } }'), false); // wrong value type
  assert.equal(valid('{ hero(episode: SITH) { id } }'), false); // unknown enum value
  assert.equal(valid('query($e: Episode!) { hero(episode: JEDI) { id } }'), false); // unused variable
  assert.equal(valid('{ hero(episode: $e) { id } }'), false); // undefined variable
  assert.equal(valid('{ hero(episode: JEDI) { ...F } }'), false); // unknown fragment
  assert.equal(valid('{ hero(episode: JEDI) { id: name } hero(episode: JEDI) { id } }'), false); // overlapping fields
  assert.equal(valid('{ search { ... on Human { height } } }'), true);
  assert.equal(valid('{ a: search { __typename } } { b: search { __typename } }'), false); // lone anonymous operation
  assert.equal(valid('mutation { x }'), false); // no mutation root
  assert.equal(call('graphql.is_valid', 1, schema), false);
});

test('graphql.parse reports the first validation error; parse_and_verify does not', () => {
  assertBuiltinError(
    () => call('graphql.parse', '{\n  hero { id }\n}', schema),
    'Field "hero" argument "episode" of type "Episode!" is required, but it was not provided in GraphQL string at location 2:3',
    builtin,
  );
  assert.deepEqual(plain(call('graphql.parse_and_verify', '{ hero { id } }', schema)), [false, {}, {}]);
  const [ok, q] = call('graphql.parse_and_verify', '{ hero(episode: JEDI) { id } }', schema) as Value[];
  assert.equal(ok, true);
  assert.equal(plain(q).Operations[0].SelectionSet[0].Name, 'hero');
  assertBuiltinError(() => call('graphql.parse', 1, schema), 'operand 0 must be one of {string, object} but got number');
});

test('AST objects are accepted in place of text', () => {
  const s = call('graphql.parse_schema', 'type Query { employee(id: String): Employee } type Employee { salary: Int! }') as Value;
  const q = call('graphql.parse_query', '{ employee(id: "alice") { salary } }') as Value;
  const [qa, sa] = call('graphql.parse', q, s) as Value[];
  assert.deepEqual(plain(qa), plain(q));
  assert.deepEqual(plain(sa), plain(s));
  assert.equal(call('graphql.is_valid', q, s), true);
  assert.equal(call('graphql.schema_is_valid', s), true);
  assertBuiltinError(
    () => call('graphql.parse', { Operations: [{ Name: 1 }] }, s),
    'json: cannot unmarshal number into Go struct field OperationDefinition.Name of type string',
    builtin,
  );
});
