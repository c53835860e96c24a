import { test } from 'node:test';
import assert from 'node:assert/strict';
import { regexBuiltins } from '../../../src/rego/builtins/regex.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(regexBuiltins);

test('regex.match and regex.is_valid', () => {
  assert.equal(call('regex.match', '^[a-z]+\\[[0-9]+\\]$', 'foo[1]'), true);
  assert.equal(call('regex.match', '^$', ''), true);
  assert.equal(call('regex.match', '', 'x'), true);
  assert.equal(call('regex.match', '^$', 'something'), false);
  assert.equal(call('regex.match', '(?i)ABC', 'xabcx'), true);
  assert.equal(call('regex.match', '\\p{Greek}+', 'αβ'), true);
  assert.equal(call('re_match', 'a+', 'baab'), true);
  assertBuiltinError(() => call('regex.match', '$^[[[', 'x'), 'error parsing regexp: missing closing ]: `[[[`', 'eval_builtin_error');
  // RE2 rejects backreferences and lookaround, as Go does.
  assertBuiltinError(() => call('regex.match', '(a)\\1', 'aa'), 'error parsing regexp: invalid escape sequence: `\\1`', 'eval_builtin_error');
  assertBuiltinError(() => call('regex.match', 1, 'x'), 'operand 1 must be string but got number');
  assert.equal(call('regex.is_valid', '.+'), true);
  assert.equal(call('regex.is_valid', '++'), false);
  assert.equal(call('regex.is_valid', '(?=a)'), false);
  assert.equal(call('regex.is_valid', 10), false);
});

test('regex.match: repeated calls hit the cache and keep results', () => {
  for (let i = 0; i < 3; i++) assert.equal(call('regex.match', '^a.c$', 'abc'), true);
  for (let i = 0; i < 3; i++) assertBuiltinError(() => call('regex.match', '(', ''), 'error parsing regexp: missing closing ): `(`', 'eval_builtin_error');
});

test('regex.split', () => {
  assert.deepEqual(call('regex.split', 'a', 'banana'), ['b', 'n', 'n', '']);
  assert.deepEqual(call('regex.split', 'z+', 'pizza'), ['pi', 'a']);
  assert.deepEqual(call('regex.split', '^[a-z]+', 'foobar baz'), ['', ' baz']);
  assert.deepEqual(call('regex.split', '[a-z]+$', 'foobar baz'), ['foobar ', '']);
  assert.deepEqual(call('regex.split', '^[a-z ]+$', 'foobar baz'), ['', '']);
  assert.deepEqual(call('regex.split', 'x', ''), ['']);
  assert.deepEqual(call('regex.split', '', ''), []);
  assert.deepEqual(call('regex.split', '', 'abc'), ['a', 'b', 'c']);
  assert.deepEqual(call('regex.split', ',', 'a😀,b'), ['a😀', 'b']);
});

test('regex.find_n and regex.find_all_string_submatch_n', () => {
  assert.deepEqual(call('regex.find_n', 'a.', 'paranormal', -1), ['ar', 'an', 'al']);
  assert.deepEqual(call('regex.find_n', 'a.', 'paranormal', 2), ['ar', 'an']);
  assert.deepEqual(call('regex.find_n', 'a.', 'paranormal', 0), []);
  assert.deepEqual(call('regex.find_n', 'bork', 'paranormal', -1), []);
  assert.deepEqual(call('regex.find_n', 'a*', 'baaab', -1), ['', 'aaa', '']);
  assert.deepEqual(call('regex.find_all_string_submatch_n', 'a(x*)b', '-ab-axb-', -1), [
    ['ab', ''],
    ['axb', 'x'],
  ]);
  assert.deepEqual(call('regex.find_all_string_submatch_n', '[^aouiye]([aouiye])([^aouiye])?', 'somestri', -1), [
    ['som', 'o', 'm'],
    ['ri', 'i', ''],
  ]);
  assertBuiltinError(() => call('regex.find_n', 'a', 'a', 1.5), 'operand 3 must be integer number but got floating-point number');
  assertBuiltinError(() => call('regex.find_n', 'a', 'a', 'x'), 'operand 3 must be number but got string');
});

test('regex.replace expands groups as Go does', () => {
  assert.equal(call('regex.replace', '-wy-wxxy-', 'w(x*)y', '0'), '-0-0-');
  assert.equal(call('regex.replace', 'foo', '(foo)', '$1$1'), 'foofoo');
  assert.equal(call('regex.replace', 'foo', '^[a-z]', 'F'), 'Foo');
  assert.equal(call('regex.replace', 'foo bar', '[a-z]', '_'), '___ ___');
  assert.equal(call('regex.replace', 'foo barx', '[a-z]{2}', '_'), '_o __');
  assert.equal(call('regex.replace', 'ab', '(?P<x>a)', '${x}!$$'), 'a!$b');
  assert.equal(call('regex.replace', 'ab', '(a)', '$1x'), 'b'); // `$1x` names group "1x", which is empty
  assert.equal(call('regex.replace', 'ab', '(a)', '${1}x'), 'axb');
  assert.equal(call('regex.replace', 'abc', 'x*', '-'), '-a-b-c-');
  assertBuiltinError(() => call('regex.replace', 'foo', '[', '$1'), 'error parsing regexp: missing closing ]: `[`', 'eval_builtin_error');
});

test('regex.template_match', () => {
  assert.equal(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}'), true);
  assert.equal(call('regex.template_match', 'urn:foo:<.*>', 'urn:foo:bar:baz', '<', '>'), true);
  assert.equal(call('regex.template_match', 'urn:foo.bar:<[0-9]{2}>', 'urn:foo.bar:12', '<', '>'), true);
  assert.equal(call('regex.template_match', 'urn:foo.bar:<[0-9]{2}>', 'urn:fooxbar:12', '<', '>'), false);
  assertBuiltinError(
    () => call('regex.template_match', 'urn:{.*', 'x', '{', '}'),
    'unbalanced braces in "urn:{.*"',
    'eval_builtin_error',
  );
  assertBuiltinError(
    () => call('regex.template_match', 'a', 'a', '{{', '}'),
    'start delimiter has to be exactly one character long but is 2 long',
    'eval_builtin_error',
  );
});

test('regex.globs_match', () => {
  assert.equal(call('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z'), true);
  assert.equal(call('regex.globs_match', '[a-z]+', '[0-9]*'), false);
  assert.equal(call('regex.globs_match', 'b.*', 'bar'), true);
  assert.equal(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo\\[1\\]'), true);
  assert.equal(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo["bar"]'), false);
  assert.equal(call('regex.globs_match', 'a*', 'b*'), false); // only the empty string is shared
  assertBuiltinError(
    () => call('regex.globs_match', 'pqrs]', '[a-b]+'),
    "input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is invalid",
    'eval_builtin_error',
  );
  assertBuiltinError(
    () => call('regex.globs_match', '*a', 'a'),
    "input:*a, pos:1, flag '*' must be preceded by a non-flag: the input provided is invalid",
    'eval_builtin_error',
  );
});
