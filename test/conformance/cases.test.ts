import { test } from 'node:test';
import assert from 'node:assert/strict';
import { casesFromText, fromYaml, parseYaml } from './cases.js';
import { durationMs } from './harness.js';
import { skipReason } from './skip.js';

test('YAML 1.1 scalars: y/n/yes/no/on/off are booleans, quoted ones are strings', () => {
  const v = parseYaml('a: [y, n, yes, no, on, off, "y", "n", true]\n"y": 1\n') as Record<string, unknown>;
  assert.deepEqual(v.a, [true, false, true, false, true, false, 'y', 'n', true]);
  assert.equal((fromYaml(v) as Record<string, unknown>).y, 1);
});

test('big integers stay exact; safe integers become numbers', () => {
  const v = fromYaml(parseYaml('a: [18446744073709551614, 9223372036854775807, 1, -3, 1.5, 1.0, 1e20]')) as {
    a: unknown[];
  };
  assert.deepEqual(v.a, [18446744073709551614n, 9223372036854775807n, 1, -3, 1.5, 1, 100000000000000000000n]);
});

test('objects get no prototype, so keys such as constructor are plain data', () => {
  const v = fromYaml(parseYaml('constructor: 1\ntoString: {a: null}')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(v), null);
  assert.equal(v.constructor, 1);
  assert.deepEqual({ ...(v.toString as object) }, { a: null });
});

test('cases get ids by file and index, and know whether input is present', () => {
  const text = `cases:
- note: f/one
  query: data.x.p = x
  modules: ["package x\\np := 1"]
  want_result: [{x: 1}]
- note: f/one
  query: data.x.p = x
  input: null
  want_error_code: eval_type_error
`;
  const cs = casesFromText(text, 'f/test-f.yaml');
  assert.equal(cs.length, 2);
  assert.deepEqual(
    cs.map((c) => [c.id, c.folder, c.hasInput]),
    [
      ['f/test-f.yaml#0', 'f', false],
      ['f/test-f.yaml#1', 'f', true],
    ],
  );
  assert.throws(() => casesFromText('foo: 1', 'x.yaml'), /no `cases` list/);
});

test('Go durations for test.sleep', () => {
  assert.equal(durationMs('10ms'), 10);
  assert.equal(durationMs('1.5s'), 1500);
  assert.equal(durationMs('1m2s'), 62000);
  assert.throws(() => durationMs('10'), /invalid duration/);
});

test('skip list matches by note or id only', () => {
  assert.equal(skipReason({ id: 'x/y.yaml#0', note: 'constructor' }), undefined);
});
