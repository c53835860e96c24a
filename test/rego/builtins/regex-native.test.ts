// The native RegExp translation of RE2 patterns must match exactly the strings re2js matches.
// Fixed cases for each syntax difference, then a differential run over generated patterns.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RE2JS } from 're2js';
import { translateRE2 } from '../../../src/rego/builtins/regex-native.js';

function re2Finds(pattern: string, s: string): boolean {
  return RE2JS.compile(pattern).matcher(s).find();
}

function assertSame(pattern: string, inputs: string[]): void {
  const re = translateRE2(pattern);
  assert.ok(re !== null, `expected ${pattern} to translate`);
  for (const s of inputs) {
    assert.equal(re.test(s), re2Finds(pattern, s), `${pattern} on ${JSON.stringify(s)}`);
  }
}

test('the example policy guard: (?i), \\b and \\s as RE2 means them', () => {
  assertSame('(?i)\\bDROP\\s+(TABLE|DATABASE|SCHEMA|VIEW|INDEX)\\b', [
    'DROP TABLE users',
    'drop table users',
    'select 1; DrOp\tDATABASE x',
    'xDROP TABLE',
    'DROP TABLES',
    'DROP\u00a0TABLE t', // no-break space: not \s in RE2
    'DROP\vTABLE t', // vertical tab: not \s in RE2
    'DROP INDEX',
    'dropped table',
  ]);
});

test('case folding follows Unicode simple folding, \\b stays ASCII', () => {
  assertSame('(?i)kelvin', ['KELVIN', '\u212Aelvin', 'kelvin']);
  assertSame('(?i)\\bs', ['\u017Fa', 'a\u017F', 'S']);
  assertSame('(?i)[ks]x', ['\u212Ax', '\u017Fx', 'Kx', 'qx']);
  assertSame('\\bx\\b', ['\u017Fx\u017F', 'axa', ' x ']);
});

test('dot does not match newline but matches \\r and line separators, as in RE2', () => {
  assertSame('a.b', ['a\nb', 'a\rb', 'a\u2028b', 'a\u2029b', 'axb']);
  assertSame('^a.*b$', ['a\r\r\rb', 'a\nb', 'ab\n']);
});

test('patterns that could backtrack much are left to re2js', () => {
  for (const p of ['(a+)+$', '(a|aa)*b', 'a*a*b', '(ab)+', 'x+y?', '.*.*=.*', '(?:a*)*']) {
    assert.equal(translateRE2(p), null, p);
  }
  assert.notEqual(translateRE2('a+b'), null);
});

test('patterns outside the handled subset are left to re2js', () => {
  for (const p of ['(?P<name>x)', '\\pL', '\\Aabc\\z', '(?s).', '(?i)\\w', '(?i)[a-z]', 'é', '[[:alpha:]]', 'a(?i)b', '\\x41', '\\Qa.b\\E']) {
    assert.equal(translateRE2(p), null, p);
  }
});

test('generated patterns: native and re2js agree on every string', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const atoms = ['a', 'b', 'k', 's', 'K', 'S', '.', '\\b', '\\s', '\\d', '\\w', '\\W', '\\S', '\\.', '\\-', '[a-c]', '[^ab]', '[ks]', '[\\d_]', '-', '_', ' ', '\\*', '}', ']'];
  const quants = ['', '*', '+', '?', '{2}', '{1,}', '{0,2}'];
  const alphabet = ['a', 'b', 'c', 'k', 's', 'K', 'S', '\u212A', '\u017F', ' ', '\n', '\r', '\t', '\v', '1', '_', '.', '-', '*', '}', ']', 'x'];
  let translated = 0;
  for (let n = 0; n < 2000; n++) {
    let p = rand(3) === 0 ? '(?i)' : '';
    if (rand(4) === 0) p += '^';
    const len = 1 + rand(5);
    const repeated = rand(len + 1); // at most one repetition, as the translation requires
    for (let i = 0; i < len; i++) {
      let atom = atoms[rand(atoms.length)];
      if (rand(6) === 0 && i !== repeated) atom = `(${atom}|${atoms[rand(atoms.length)]})`;
      p += atom + (i === repeated ? quants[rand(quants.length)] : '');
    }
    if (rand(4) === 0) p += '$';
    let compiled: RE2JS;
    try {
      compiled = RE2JS.compile(p);
    } catch {
      continue; // RE2 rejects it: the builtin reports the error before any translation
    }
    const re = translateRE2(p);
    if (re === null) continue;
    translated++;
    for (let m = 0; m < 25; m++) {
      let s = '';
      const sl = rand(8);
      for (let i = 0; i < sl; i++) s += alphabet[rand(alphabet.length)];
      assert.equal(re.test(s), compiled.matcher(s).find(), `${p} on ${JSON.stringify(s)} (native ${re.source})`);
    }
  }
  assert.ok(translated > 1000, `only ${translated} patterns were translated`);
});

test('regex.match: long strings and backtracking-prone patterns stay linear (re2js)', async () => {
  const { regexBuiltins } = await import('../../../src/rego/builtins/regex.js');
  const { finder } = await import('./helpers.js');
  const call = finder(regexBuiltins);
  const long = 'x'.repeat(10_000) + ' DROP TABLE t';
  assert.equal(call('regex.match', '(?i)\\bDROP\\s+TABLE\\b', long), true);
  assert.equal(call('regex.match', '(?i)\\bDROP\\s+TABLE\\b', 'drop   table'), true);
  const t0 = performance.now();
  // Exponential for a backtracking engine; RE2 answers at once.
  assert.equal(call('regex.match', '^(a+)+$', 'a'.repeat(40) + 'b'), false);
  assert.equal(call('regex.match', 'a.*b.*c', 'a'.repeat(200_000)), false);
  assert.ok(performance.now() - t0 < 2000, `took ${performance.now() - t0} ms`);
});
