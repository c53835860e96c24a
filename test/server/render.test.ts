import { it } from 'node:test';
import assert from 'node:assert/strict';
import { renderError, renderItem, renderItemError, renderSingle } from '../../src/server/render.js';

it('single: decision, mirrors and context', () => {
  const s = renderSingle({ allowed: true, reason: 'r "q"', accessPath: 'role', extra: '"n":1' });
  assert.deepEqual(JSON.parse(s), { decision: true, allowed: true, reason: 'r "q"', access_path: 'role', context: { reason: 'r "q"', access_path: 'role', n: 1 } });
  assert.equal(renderSingle({ allowed: false, extra: '' }), '{"decision":false,"allowed":false,"context":{}}');
});

it('batch items stay minimal unless there is a reason', () => {
  assert.equal(renderItem({ allowed: true, extra: '"x":1' }), '{"decision":true}');
  assert.equal(renderItem({ allowed: false, extra: '' }), '{"decision":false}');
  assert.deepEqual(JSON.parse(renderItem({ allowed: false, reason: 'no', extra: '' })), { decision: false, context: { reason: 'no' } });
  assert.deepEqual(JSON.parse(renderItemError(400, 'subject is required')), {
    decision: false,
    context: { error: { status: 400, message: 'subject is required' } },
  });
});

it('errors', () => assert.equal(renderError('bad "x"'), '{"error":"bad \\"x\\""}'));

it('quote() is JSON.stringify for every string', async () => {
  const { quote } = await import('../../src/server/json.js');
  const fc = (await import('fast-check')).default;
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => quote(s) === JSON.stringify(s)), { numRuns: 5000 });
  for (const s of ['', 'a"b', 'a\\b', '\n', '\ud800', 'é✓😀', 'x'.repeat(200)]) assert.equal(quote(s), JSON.stringify(s));
});
