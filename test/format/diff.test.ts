// The unified diff of `fmt --diff`: applying its hunks to the old text gives the new text, and
// the output has diff -u's shape.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { unifiedDiff } from '../../src/rego/format/diff.js';

/** Applies a unified diff to the old lines (checking the context and removed lines). */
function apply(before: string, diff: string): string {
  const old = before.split('\n');
  if (old[old.length - 1] === '') old.pop();
  const out: string[] = [];
  let at = 0;
  const lines = diff.split('\n').slice(2);
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const h = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(line);
    if (h) {
      const start = h[2] === '0' ? Number(h[1]) : Number(h[1]) - 1;
      while (at < start) out.push(old[at++]);
      continue;
    }
    const kind = line[0];
    const text = line.slice(1);
    if (kind === '+') out.push(text);
    else {
      assert.equal(old[at], text, `diff line ${JSON.stringify(line)} does not match the old text`);
      if (kind === ' ') out.push(text);
      at++;
    }
  }
  while (at < old.length) out.push(old[at++]);
  return out.length === 0 ? '' : out.join('\n') + '\n';
}

test('unified diff: same shape as diff -u', () => {
  const a = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n';
  const b = 'a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n';
  assert.equal(
    unifiedDiff(a, b, 'old', 'new'),
    '--- old\n+++ new\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -11,3 +11,4 @@\n k\n l\n m\n+n\n',
  );
  assert.equal(unifiedDiff(a, a, 'old', 'new'), '');
  assert.equal(unifiedDiff('', 'x\n', 'old', 'new'), '--- old\n+++ new\n@@ -0,0 +1 @@\n+x\n');
});

test('unified diff: applying it to the old text gives the new text', () => {
  const text = fc.array(fc.constantFrom('a', 'b', 'c', '\tx', ''), { maxLength: 30 }).map((ls) => (ls.length ? ls.join('\n') + '\n' : ''));
  fc.assert(
    fc.property(text, text, (a, b) => {
      const d = unifiedDiff(a, b, 'old', 'new');
      assert.equal(a === b ? '' : apply(a, d), a === b ? '' : b);
    }),
    { numRuns: 500 },
  );
});
