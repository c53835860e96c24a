import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodingBuiltins } from '../../../src/rego/builtins/encoding.js';
import { makeObject, RSet } from '../../../src/rego/value.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(encodingBuiltins);

/** Values with plain prototypes, for deepEqual against literals. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object' && !(v instanceof RSet)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

test('base64', () => {
  assert.equal(call('base64.encode', 'hello'), 'aGVsbG8=');
  assert.equal(call('base64.encode', 'subjects?_d'), 'c3ViamVjdHM/X2Q=');
  assert.equal(call('base64.encode', 'é😀'), 'w6nwn5iA');
  assert.equal(call('base64.decode', 'aGVsbG8='), 'hello');
  assert.equal(call('base64.decode', 'aGVs\nbG8='), 'hello');
  assert.equal(call('base64.decode', '/w=='), '\ufffd'); // invalid UTF-8 reads as U+FFFD
  assertBuiltinError(() => call('base64.decode', 'aGVsbG8'), 'illegal base64 data at input byte 4', 'eval_builtin_error');
  assertBuiltinError(() => call('base64.decode', 'aGV*bG8='), 'illegal base64 data at input byte 3', 'eval_builtin_error');
  assertBuiltinError(() => call('base64.decode', 'aGVsbG8=x'), 'illegal base64 data at input byte 8', 'eval_builtin_error');
  assert.equal(call('base64.is_valid', 'aGVsbG8='), true);
  assert.equal(call('base64.is_valid', "{'not':'base64'}"), false);
  assert.equal(call('base64.is_valid', 5), false);
  assertBuiltinError(() => call('base64.encode', 5), 'operand 1 must be string but got number');
});

test('base64url', () => {
  assert.equal(call('base64url.encode', 'hello'), 'aGVsbG8=');
  assert.equal(call('base64url.encode', '\u00ff\u00fe'), 'w7_Dvg==');
  assert.equal(call('base64url.encode_no_pad', 'hello'), 'aGVsbG8');
  assert.equal(call('base64url.decode', 'aGVsbG8='), 'hello');
  assert.equal(call('base64url.decode', 'aGVsbG8'), 'hello');
  assert.equal(call('base64url.decode', 'w7_Dvg'), '\u00ff\u00fe');
  assertBuiltinError(() => call('base64url.decode', 'a'), 'illegal base64url string: a', 'eval_builtin_error');
});

test('hex', () => {
  assert.equal(call('hex.encode', 'lorem ipsum'), '6c6f72656d20697073756d');
  assert.equal(call('hex.decode', '6c6F72656d20697073756d'), 'lorem ipsum');
  assertBuiltinError(() => call('hex.decode', 'fghijkl'), "encoding/hex: invalid byte: U+0067 'g'", 'eval_builtin_error');
  assertBuiltinError(() => call('hex.decode', 'abc'), 'encoding/hex: odd length hex string', 'eval_builtin_error');
  assertBuiltinError(() => call('hex.decode', 'abz'), "encoding/hex: invalid byte: U+007A 'z'", 'eval_builtin_error');
});

test('urlquery', () => {
  assert.equal(call('urlquery.encode', 'a=b+1'), 'a%3Db%2B1');
  assert.equal(call('urlquery.encode', 'a b/é~'), 'a+b%2F%C3%A9~');
  assert.equal(call('urlquery.decode', 'a%3Db%2B1'), 'a=b+1');
  assert.equal(call('urlquery.decode', 'a+b%C3%A9'), 'a bé');
  assertBuiltinError(() => call('urlquery.decode', 'a%zzb'), 'invalid URL escape "%zz"', 'eval_builtin_error');
  assertBuiltinError(() => call('urlquery.decode', 'a%2'), 'invalid URL escape "%2"', 'eval_builtin_error');
  assert.equal(call('urlquery.encode_object', {}), '');
  assert.equal(call('urlquery.encode_object', { c: 'd', a: 'c=b+1' }), 'a=c%3Db%2B1&c=d');
  assert.equal(call('urlquery.encode_object', { a: ['b+1', 'c+2'], e: [] }), 'a=b%2B1&a=c%2B2');
  assert.equal(call('urlquery.encode_object', { a: new RSet(['y', 'x']) }), 'a=x&a=y');
  assertBuiltinError(() => call('urlquery.encode_object', { a: 1 }), 'operand 1 values must be string, array[string], or set[string]');
  assertBuiltinError(() => call('urlquery.encode_object', { a: [1] }), 'operand 1 values must be string, array[string], or set[string]');
  assertBuiltinError(() => call('urlquery.encode_object', 'x'), 'operand 1 must be object but got string');
  assert.deepEqual(
    { ...(call('urlquery.decode_object', 'a=value_a1&b=value_b&a=value_a2') as object) },
    { a: ['value_a1', 'value_a2'], b: ['value_b'] },
  );
  assert.deepEqual({ ...(call('urlquery.decode_object', 'a=value_a1&b') as object) }, { a: ['value_a1'], b: [''] });
  assert.deepEqual({ ...(call('urlquery.decode_object', '') as object) }, {});
  assertBuiltinError(() => call('urlquery.decode_object', 'a=1;b=2'), 'invalid semicolon separator in query', 'eval_builtin_error');
});

test('json.marshal: sorted keys, sets as arrays, HTML-safe escapes, exact big integers', () => {
  assert.equal(call('json.marshal', [{ foo: new RSet([3, 1, 2]) }]), '[{"foo":[1,2,3]}]');
  assert.equal(call('json.marshal', { b: '<a&b>', a: [1, 2.5, null, true] }), '{"a":[1,2.5,null,true],"b":"\\u003ca\\u0026b\\u003e"}');
  assert.equal(call('json.marshal', '\u2028\u0001\b\f\n"\\'), '"\\u2028\\u0001\\b\\f\\n\\"\\\\"');
  assert.equal(call('json.marshal', [123456789012345678901234567890n, 1e21, 1.5e-7]), '[123456789012345678901234567890,1000000000000000000000,1.5e-7]');
  assert.equal(call('json.marshal', makeObject([[1, 'x'], [[1], 2]])), '{"1":"x","[1]":2}');
  assert.equal(call('json.marshal', 'é😀'), '"é😀"');
  // Go orders keys by UTF-8 bytes: U+E000 sorts before U+1F600.
  assert.equal(call('json.marshal', { '😀': 1, '\ue000': 2 }), '{"\ue000":2,"😀":1}');
});

test('json.marshal_with_options', () => {
  const v = [1234567890, 2000000, 1000000000];
  assert.equal(call('json.marshal_with_options', v, { indent: '  ' }), '[\n  1234567890,\n  2000000,\n  1000000000\n]');
  assert.equal(call('json.marshal_with_options', v, {}), '[1234567890,2000000,1000000000]');
  assert.equal(call('json.marshal_with_options', v, { pretty: true }), '[\n\t1234567890,\n\t2000000,\n\t1000000000\n]');
  assert.equal(call('json.marshal_with_options', v, { pretty: false, prefix: 'NO!', indent: 'BAD!' }), '[1234567890,2000000,1000000000]');
  assert.equal(
    call('json.marshal_with_options', { foo: 'bar', bar: 'baz' }, { prefix: 'JSON => ' }),
    'JSON => {\nJSON => \t"bar": "baz",\nJSON => \t"foo": "bar"\nJSON => }',
  );
  assert.equal(call('json.marshal_with_options', [], { indent: '    ', prefix: '---' }), '---[]');
  assert.equal(call('json.marshal_with_options', { z: {}, y: [[]] }, { indent: ' ' }), '{\n "y": [\n  []\n ],\n "z": {}\n}');
  assertBuiltinError(
    () => call('json.marshal_with_options', [], { indent: '    ', include_winning_lottery_numbers: true }),
    'operand 2 object contained unknown key "include_winning_lottery_numbers"',
  );
  assertBuiltinError(() => call('json.marshal_with_options', [], { pretty: 1 }), 'operand 2 key "pretty" failed cast to bool');
  assertBuiltinError(
    () => call('json.marshal_with_options', [], { indent: 1 }),
    'operand 2 key "indent" failed cast to string: operand 0 must be string but got number',
  );
  assertBuiltinError(() => call('json.marshal_with_options', [], 'x'), 'operand 2 must be object but got string');
});

test('json.unmarshal keeps big integers and reports Go errors', () => {
  assert.deepEqual(plain(call('json.unmarshal', '[{"foo":[1,2,3]}]')), [{ foo: [1, 2, 3] }]);
  const v = call('json.unmarshal', '{"a":[2.5,1e2,123456789012345678901234567890,"\\u00e9\\ud83d\\ude00"],"__proto__":{"x":1}}') as Record<
    string,
    unknown
  >;
  assert.deepEqual(v.a, [2.5, 100, 123456789012345678901234567890n, 'é😀']);
  assert.ok(Object.prototype.hasOwnProperty.call(v, '__proto__'));
  assert.deepEqual({ ...(v.__proto__ as object) }, { x: 1 });
  assertBuiltinError(() => call('json.unmarshal', '{"a":'), 'unexpected EOF', 'eval_builtin_error');
  assertBuiltinError(() => call('json.unmarshal', '{"a" 1}'), "invalid character '1' after object key", 'eval_builtin_error');
  assertBuiltinError(() => call('json.unmarshal', '[1,]'), "invalid character ']' looking for beginning of value", 'eval_builtin_error');
  assertBuiltinError(() => call('json.unmarshal', '"\t"'), "invalid character '\\t' in string literal", 'eval_builtin_error');
  assertBuiltinError(() => call('json.unmarshal', '1 2'), "error: invalid character '2' after top-level value", 'eval_builtin_error');
  assertBuiltinError(() => call('json.unmarshal', '['.repeat(20000)), 'exceeded max depth', 'eval_builtin_error');
  assertBuiltinError(() => call('json.unmarshal', 1), 'operand 1 must be string but got number');
});

test('json.is_valid', () => {
  assert.equal(call('json.is_valid', '{"json": "ok"}'), true);
  assert.equal(call('json.is_valid', ' [1, 2] '), true);
  assert.equal(call('json.is_valid', 'plainstring'), false);
  assert.equal(call('json.is_valid', '{'), false);
  assert.equal(call('json.is_valid', '01'), false);
  assert.equal(call('json.is_valid', 1), false);
});

test('yaml.marshal writes what go-yaml writes', () => {
  assert.equal(call('yaml.marshal', [{ foo: new RSet([1, 2, 3]) }]), '- foo:\n  - 1\n  - 2\n  - 3\n');
  assert.equal(
    call('yaml.marshal', { t: 'true', e: '', n: '1.5', d: '2020-01-01', c: 'x: y', m: 'a\nb', o: {}, l: [], z: null }),
    'c: \'x: y\'\nd: "2020-01-01"\ne: ""\nl: []\nm: |-\n  a\n  b\n"n": "1.5"\no: {}\nt: "true"\nz: null\n',
  );
  assert.equal(call('yaml.marshal', 'just text'), 'just text\n');
});

test('yaml.unmarshal reads YAML 1.1 scalars as go-yaml v2 does', () => {
  const v = call('yaml.unmarshal', 'a: yes\nb: 2001-12-14\nc: 0x1F\nd: 012\n1: x\ntrue: y\ne: ~\nf: 1.0') as Record<string, unknown>;
  assert.deepEqual(plain(v), { a: true, b: '2001-12-14', c: 31, d: 10, 1: 'x', true: true, e: null, f: 1 }); // `y` is a YAML 1.1 boolean
  assert.equal(call('yaml.unmarshal', ''), null);
  assert.deepEqual(call('yaml.unmarshal', '[1, 2, 3]'), [1, 2, 3]);
  const merged = call('yaml.unmarshal', 'base: &b {a: 1}\nd:\n  <<: *b\n  c: 2') as Record<string, Record<string, unknown>>;
  assert.deepEqual({ ...merged.d }, { a: 1, c: 2 });
  const rt = call('yaml.unmarshal', call('yaml.marshal', [{ foo: new RSet([1, 2, 3]) }]) as string) as unknown[];
  assert.deepEqual(rt.map((x) => ({ ...(x as object) })), [{ foo: [1, 2, 3] }]);
  assertBuiltinError(
    () => call('yaml.unmarshal', '[1,2,3'),
    "error converting YAML to JSON: yaml: line 1: did not find expected ',' or ']'",
    'eval_builtin_error',
  );
  assertBuiltinError(() => call('yaml.unmarshal', 'x: .inf'), 'error converting YAML to JSON: json: unsupported value: +Inf', 'eval_builtin_error');
});

test('yaml.is_valid', () => {
  assert.equal(call('yaml.is_valid', 'foo:\n   - qux: bar\n   - baz: 2'), true);
  assert.equal(call('yaml.is_valid', 'foo:\n   - qux: bar\n   - baz: {'), false);
  assert.equal(call('yaml.is_valid', '{"json": "ok"}'), true);
  assert.equal(call('yaml.is_valid', 1), false);
});
