import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonBuiltins } from '../../../src/rego/builtins/json.js';
import { equal, makeObject, RSet, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(jsonBuiltins);

function assertValue(actual: Value | undefined, expected: Value): void {
  assert.ok(actual !== undefined && equal(actual, expected), `got ${JSON.stringify(actual, (_, x) => (x instanceof RSet ? x.sorted() : x))}`);
}

test('json.filter', () => {
  const doc = { a: { b: { c: 7, d: 8 } }, e: 9 };
  assertValue(call('json.filter', doc, new RSet(['a/b/c'])), { a: { b: { c: 7 } } });
  assertValue(call('json.filter', doc, ['a/b/c', 'e']), { a: { b: { c: 7 } }, e: 9 });
  assertValue(call('json.filter', doc, new RSet([['a', 'b', 'c'], ['e']])), { a: { b: { c: 7 } }, e: 9 });
  assertValue(call('json.filter', { a: { b: 7 } }, new RSet(['a', 'a/b'])), { a: { b: 7 } });
  assertValue(call('json.filter', { a: 7 }, new RSet()), {});
  assertValue(call('json.filter', { a: [{ b: 7, c: 8 }, { d: 9 }] }, new RSet(['a/0/b', 'a/1'])), { a: [{ b: 7 }, { d: 9 }] });
  assertValue(call('json.filter', { 'a/b': 1, c: 2 }, ['/a~1b']), { 'a/b': 1 });
  assertValue(call('json.filter', { s: new RSet(['x', 'y']) }, ['s/x']), { s: new RSet(['x']) });
  assertBuiltinError(() => call('json.filter', 'x', ['a']), 'operand 1 must be object but got string');
  assertBuiltinError(() => call('json.filter', {}, 'a'), 'operand 2 must be one of {set, array} but got string');
  assertBuiltinError(
    () => call('json.filter', {}, [1]),
    'operand 2 must be one of {set, array} containing string paths or array of path segments but got number',
  );
});

test('json.remove', () => {
  const doc = { a: { b: { c: 7, d: 8 } }, e: 9 };
  assertValue(call('json.remove', doc, new RSet(['a/b/c'])), { a: { b: { d: 8 } }, e: 9 });
  assertValue(call('json.remove', doc, ['a/b/c', 'e']), { a: { b: { d: 8 } } });
  assertValue(call('json.remove', { a: { b: 7 }, c: 1 }, new RSet(['a', 'a/b'])), { c: 1 });
  assertValue(call('json.remove', { a: { b: 7 }, c: 1 }, new RSet(['a/b', 'c'])), { a: {} });
  assertValue(call('json.remove', { a: [{ b: 7, c: 8 }, { d: 9 }] }, new RSet(['a/0/b', 'a/1'])), { a: [{ c: 8 }] });
  assertValue(call('json.remove', { a: [{ 1: ['b', 'c', 'd'] }, { x: 'y' }] }, new RSet(['a/0/1/2'])), {
    a: [{ 1: ['b', 'c'] }, { x: 'y' }],
  });
  assertValue(call('json.remove', { a: 7 }, new RSet()), { a: 7 });
  assertBuiltinError(() => call('json.remove', [], ['a']), 'operand 1 must be object but got array');
  assertBuiltinError(() => call('json.remove', {}, { y: 1 }), 'operand 2 must be one of {set, array} but got object');
  assertBuiltinError(
    () => call('json.remove', {}, new RSet(['a', { x: 1 }])),
    'operand 2 must be one of {set, array} containing string paths or array of path segments but got object',
  );
});

test('json.patch: RFC 6902 operations', () => {
  const patch = (doc: Value, ops: Value[]) => call('json.patch', doc, ops);
  assertValue(patch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), { foo: 'bar', baz: 'qux' });
  assertValue(patch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), { foo: ['bar', 'qux', 'baz'] });
  assertValue(patch([1, 2], [{ op: 'add', path: '/-', value: 3 }]), [1, 2, 3]);
  assertValue(patch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), { foo: 'bar' });
  assertValue(patch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }]), { foo: ['bar', 'baz'] });
  assertValue(patch({ baz: 'qux' }, [{ op: 'replace', path: '/baz', value: 'boo' }]), { baz: 'boo' });
  assertValue(patch({ foo: 'bar' }, [{ op: 'replace', path: '', value: { baz: 'qux' } }]), { baz: 'qux' });
  assertValue(
    patch({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]),
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  );
  assertValue(patch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]), {
    foo: ['all', 'cows', 'eat', 'grass'],
  });
  assertValue(patch({ baz: [{ qux: 'hello' }] }, [{ op: 'copy', from: '/baz/0', path: '/boo' }]), {
    baz: [{ qux: 'hello' }],
    boo: { qux: 'hello' },
  });
  assertValue(patch({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }]), { '/': 9, '~1': 10 });
  assertValue(patch({ '': 1 }, [{ op: 'test', path: '/', value: 1 }]), { '': 1 });
});

test('json.patch: failures are undefined', () => {
  const patch = (doc: Value, ops: Value[]) => call('json.patch', doc, ops);
  assert.equal(patch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]), undefined);
  assert.equal(patch({ q: { bar: 2 } }, [{ op: 'add', path: '/a/b', value: 1 }]), undefined);
  assert.equal(patch(['foo', 'sil'], [{ op: 'add', path: '/3', value: 'bar' }]), undefined);
  assert.equal(patch(['foo', 'bar'], [{ op: 'test', path: '/00', value: 'foo' }]), undefined);
  assert.equal(patch(['foo', 'bar'], [{ op: 'test', path: '/1e0', value: 'bar' }]), undefined);
  assert.equal(patch({ foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), undefined);
  assert.equal(patch({ foo: 1 }, [{ op: 'spam', path: '/foo', value: 1 }]), undefined);
  assert.equal(patch([1], [{ op: 'add', path: '/-' }]), undefined);
  assert.equal(patch({ foo: 1 }, [{ op: 'copy', from: '/bar', path: '/foo' }]), undefined);
  assert.equal(patch([1, 2, 3], [{ op: 'add', path: '1.2', value: 'foo' }]), undefined);
  assert.equal(patch({}, ['not an object']), undefined);
  assertBuiltinError(() => call('json.patch', {}, {}), 'operand 2 must be array but got object');
});

test('json.patch: sets are addressed by element', () => {
  const patch = (doc: Value, ops: Value[]) => call('json.patch', doc, ops);
  assertValue(patch({ foo: new RSet(['a', 'b', 'c']) }, [{ op: 'remove', path: 'foo/b' }]), { foo: new RSet(['a', 'c']) });
  assertValue(patch({ foo: new RSet(['a', 'b']) }, [{ op: 'add', path: 'foo/d', value: 'd' }]), { foo: new RSet(['a', 'b', 'd']) });
  assert.equal(patch({ foo: new RSet(['a']) }, [{ op: 'add', path: 'foo/d', value: 'e' }]), undefined);
  assertValue(patch(new RSet([[1]]), [{ op: 'add', path: [[1], 1], value: 2 }]), new RSet([[1, 2]]));
  assertValue(patch(makeObject([[1, 'x']]), [{ op: 'add', path: [2], value: 'y' }]), makeObject([[1, 'x'], [2, 'y']]));
});

test('json.verify_schema and json.match_schema', () => {
  const schema = { properties: { id: { type: 'integer' } }, required: ['id'] };
  assertValue(call('json.match_schema', { id: 5 }, schema), [true, []]);
  assertValue(call('json.match_schema', '{"id": 5}', JSON.stringify(schema)), [true, []]);
  assertValue(call('json.match_schema', { id: 'foo' }, schema), [
    false,
    [{ desc: 'Invalid type. Expected: integer, given: string', error: 'id: Invalid type. Expected: integer, given: string', field: 'id', type: 'invalid_type' }],
  ]);
  assertValue(call('json.match_schema', {}, schema), [
    false,
    [{ desc: 'id is required', error: '(root): id is required', field: '(root)', type: 'required' }],
  ]);
  assertValue(call('json.match_schema', { a: 'xyz' }, { properties: { a: { pattern: '^x\\d' } } }), [
    false,
    [{ desc: "Does not match pattern '^x\\d'", error: "a: Does not match pattern '^x\\d'", field: 'a', type: 'pattern' }],
  ]);
  assertValue(call('json.match_schema', { a: [1, 'b'] }, { properties: { a: { items: { type: 'number' }, maxItems: 1 } } }), [
    false,
    [
      { desc: 'Array must have at most 1 items', error: 'a: Array must have at most 1 items', field: 'a', type: 'array_max_items' },
      { desc: 'Invalid type. Expected: number, given: string', error: 'a.1: Invalid type. Expected: number, given: string', field: 'a.1', type: 'invalid_type' },
    ],
  ]);
  assertBuiltinError(
    () => call('json.match_schema', { id: 1 }, { properties: { id: { type: 'unknown' } } }),
    'has a primitive type that is NOT VALID -- given: /unknown/ Expected valid values are:[array boolean integer number null object string]',
    'eval_builtin_error',
  );
  assertBuiltinError(() => call('json.match_schema', '{', schema), 'invalid JSON string', 'eval_builtin_error');
  assertBuiltinError(() => call('json.match_schema', 5, schema), 'wrong type, expected string or object', 'eval_builtin_error');
  assertValue(call('json.verify_schema', '{"type": "boolean"}'), [true, null]);
  assertValue(call('json.verify_schema', { type: 'boolean' }), [true, null]);
  assertValue(call('json.verify_schema', { type: 'unknown_type' }), [
    false,
    'jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected valid values are:[array boolean integer number null object string]',
  ]);
  assertValue(call('json.verify_schema', '{'), [false, 'jsonschema: invalid JSON string']);
});
