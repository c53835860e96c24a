import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globBuiltins } from '../../../src/rego/builtins/glob.js';
import { assertBuiltinError, finder } from './helpers.js';

const call = finder(globBuiltins);

test('glob.match: delimiters', () => {
  assert.equal(call('glob.match', '*.github.com', ['.'], 'api.github.com'), true);
  assert.equal(call('glob.match', '*.github.com', ['.'], 'api.not-github.com'), false);
  assert.equal(call('glob.match', 'api.**.com', ['.'], 'api.cdn.github.com'), true);
  assert.equal(call('glob.match', '*:github:com', [':'], 'api:github:com'), true);
  assert.equal(call('glob.match', '*', [], 'foo.bar'), false); // [] means the default ["."]
  assert.equal(call('glob.match', '*', null, 'foo.bar'), true); // null means no delimiters
  assert.equal(call('glob.match', '?at', ['f'], 'fat'), false);
  assert.equal(call('glob.match', '*/*', ['/'], 'a/b'), true);
  assert.equal(call('glob.match', '*', null, 'a\nb'), true);
  assertBuiltinError(() => call('glob.match', '*', 'x', 'a'), 'operand 2 must be one of {array, null} but got string');
  assertBuiltinError(() => call('glob.match', '*', ['ab'], 'a'), 'operand 2 must be array of runes but got array containing string');
  assertBuiltinError(() => call('glob.match', '*', [1], 'a'), 'operand 2 must be array of strings but got array containing number');
});

test('glob.match: character classes, alternatives, escapes', () => {
  assert.equal(call('glob.match', '[abc]at', [], 'cat'), true);
  assert.equal(call('glob.match', '[!abc]at', [], 'cat'), false);
  assert.equal(call('glob.match', '[a-c]at', [], 'bat'), true);
  assert.equal(call('glob.match', '[!a-c]at', [], 'fat'), true);
  assert.equal(call('glob.match', '{cat,bat,[fr]at}', [], 'rat'), true);
  assert.equal(call('glob.match', '{cat,bat,[fr]at}', [], 'at'), false);
  assert.equal(call('glob.match', '{a,{b,c}d}', [], 'cd'), true);
  assert.equal(call('glob.match', 'a,b', [], 'a,b'), true);
  assert.equal(call('glob.match', '\\*x', [], '*x'), true);
  assert.equal(call('glob.match', '\\*x', [], 'ax'), false);
  assert.equal(call('glob.match', 'a]b', [], 'a]b'), true);
  assert.equal(call('glob.match', '[.]', ['.'], '.'), true);
  assert.equal(call('glob.match', '(x)+$', [], '(x)+$'), true);
  assertBuiltinError(() => call('glob.match', '[a', [], 'a'), 'unexpected end of input', 'eval_builtin_error');
  assertBuiltinError(() => call('glob.match', '[]', [], 'a'), 'could not parse range', 'eval_builtin_error');
  assertBuiltinError(() => call('glob.match', '[a-cx]', [], 'a'), 'expected close range character', 'eval_builtin_error');
});

test('glob.quote_meta', () => {
  assert.equal(call('glob.quote_meta', '*.github.com'), '\\*.github.com');
  assert.equal(call('glob.quote_meta', '[a]{b,c}?\\'), '\\[a\\]\\{b,c\\}\\?\\\\');
  const quoted = call('glob.quote_meta', 'a*b[c]') as string;
  assert.equal(call('glob.match', quoted, [], 'a*b[c]'), true);
});
