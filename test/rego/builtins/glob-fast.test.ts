// The NFA fast path for simple globs must agree with the RE2 translation on every input.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { regexMatcher, simpleMatcher } from '../../../src/rego/builtins/glob.js';

it('simple glob matcher agrees with the RE2 translation', () => {
  const pattern = fc.array(fc.constantFrom('a', 'b', '.', ':', '*', '**', '?', '\\*'), { maxLength: 8 }).map((p) => p.join(''));
  const text = fc.array(fc.constantFrom('a', 'b', '.', ':', '*'), { maxLength: 10 }).map((t) => t.join(''));
  const delims = fc.constantFrom('', '.', '.:');
  fc.assert(
    fc.property(pattern, text, delims, (p, t, d) => {
      const fast = simpleMatcher(p, d);
      assert.ok(fast, `pattern ${p} should take the fast path`);
      assert.equal(fast(t), regexMatcher(p, d)(t), `glob ${JSON.stringify(p)} delims ${JSON.stringify(d)} on ${JSON.stringify(t)}`);
    }),
    { numRuns: 5000 },
  );
});
