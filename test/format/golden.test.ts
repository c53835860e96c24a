// Golden files: test/format/golden/NAME.input.rego formats to NAME.expected.rego. The expected
// files are themselves formatted (idempotence), and formatting keeps the syntax tree and comments.
// UPDATE_GOLDEN=1 rewrites the expected files (review the diff).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatModule } from '../../src/rego/format/index.js';
import { parseModule, RegoError } from '../../src/rego/index.js';
import { meaningOf } from './meaning.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'golden');
const inputs = readdirSync(dir)
  .filter((f) => f.endsWith('.input.rego'))
  .sort();

test('there are golden files', () => {
  assert.ok(inputs.length >= 6, `only ${inputs.length} golden inputs`);
});

for (const name of inputs) {
  const base = name.slice(0, -'.input.rego'.length);
  test(`golden: ${base}`, () => {
    const source = readFileSync(join(dir, name), 'utf8');
    const expectedPath = join(dir, `${base}.expected.rego`);
    const actual = formatModule(source, name);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedPath, actual);
    const expected = readFileSync(expectedPath, 'utf8');
    assert.equal(actual, expected);
    assert.equal(formatModule(expected, `${base}.expected.rego`), expected, 'expected output is not a fixed point');
    assert.equal(meaningOf(parseModule(actual, name)), meaningOf(parseModule(source, name)));
  });
}

test('syntax errors are the parser\'s RegoError with a location', () => {
  assert.throws(
    () => formatModule('package p\n\nallow if {\n\tinput.x ==\n}\n', 'bad.rego'),
    (e: unknown) => e instanceof RegoError && e.code === 'rego_parse_error' && e.location?.file === 'bad.rego' && e.location.row === 5,
  );
});

test('output ends with one newline, uses tabs, and an already formatted module is unchanged', () => {
  const src = 'package p\n\nallow if {\n\tinput.user == "admin"\n\tinput.method in {"GET", "HEAD"}\n}\n';
  assert.equal(formatModule(src, 'p.rego'), src);
  assert.equal(formatModule('package p\n\n\n\nx := 1\n\n\n', 'p.rego'), 'package p\n\nx := 1\n');
  assert.equal(formatModule('package p\r\nx := 1\r\n', 'p.rego'), 'package p\n\nx := 1\n');
});
