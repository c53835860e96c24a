import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isJsonContentType, mergeItem, normalise, readBatch, tooDeep, validate } from '../../src/server/request.js';

const enc = (s: string) => Buffer.from(s);

describe('content type', () => {
  it('accepts application/json with parameters, any case', () => {
    for (const ct of ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON;charset=UTF-8', ' application/json ']) {
      assert.equal(isJsonContentType(ct), true, ct);
    }
  });
  it('rejects others', () => {
    for (const ct of [undefined, '', 'text/plain', 'application/jsonx', 'application/x-www-form-urlencoded', 'application/json-patch+json']) {
      assert.equal(isJsonContentType(ct), false, String(ct));
    }
  });
});

describe('nesting depth', () => {
  it('counts objects and arrays, not brackets in strings', () => {
    assert.equal(tooDeep(enc('{"a":{"b":[1]}}'), 3), false);
    assert.equal(tooDeep(enc('{"a":{"b":[[1]]}}'), 3), true);
    assert.equal(tooDeep(enc(`{"s":"${'['.repeat(100)}"}`), 3), false);
    assert.equal(tooDeep(enc(`{"s":"\\"[[[[[[[[[[[["}`), 3), false);
    assert.equal(tooDeep(enc(`{"s":"\\\\","t":[[[[1]]]]}`), 3), true, 'an escaped backslash ends the string correctly');
  });
  it('handles very deep input without recursion', () => {
    const n = 1_000_000;
    assert.equal(tooDeep(enc('['.repeat(n) + ']'.repeat(n)), 64), true);
  });
});

describe('normalisation', () => {
  it('name → id when id is absent; id wins otherwise', () => {
    const r: Record<string, any> = { subject: { type: 'agent', name: 'a1' }, resource: { type: 't', id: 'x', name: 'y' } };
    normalise(r);
    assert.equal(r.subject.id, 'a1');
    assert.equal(r.resource.id, 'x');
  });
  it('attributes merged into properties, properties win, attributes removed', () => {
    const r: Record<string, any> = {
      resource: { type: 't', id: 'x', attributes: { a: 1, b: 1 }, properties: { b: 2 } },
      subject: { type: 's', id: 'y', attributes: { c: 3 } },
      action: { name: 'n', attributes: { d: 4 } },
    };
    normalise(r);
    assert.deepEqual(r.resource, { type: 't', id: 'x', properties: { a: 1, b: 2 } });
    assert.deepEqual(r.subject, { type: 's', id: 'y', properties: { c: 3 } });
    assert.deepEqual(r.action, { name: 'n', properties: { d: 4 } });
  });
  it('does not touch action.name', () => {
    const r: Record<string, any> = { action: { name: 'read' } };
    normalise(r);
    assert.deepEqual(r.action, { name: 'read' });
  });
});

describe('validation names the field', () => {
  const ok = { subject: { type: 's', id: '1' }, resource: { type: 'r', id: '2' }, action: { name: 'a' } };
  it('accepts a valid request', () => assert.equal(validate({ ...ok, context: {} }), undefined));
  const cases: [Record<string, unknown>, string][] = [
    [{ ...ok, subject: undefined }, 'subject is required'],
    [{ ...ok, subject: [] }, 'subject must be an object'],
    [{ ...ok, subject: { id: '1' } }, 'subject.type is required'],
    [{ ...ok, subject: { type: 1, id: '1' } }, 'subject.type must be a string'],
    [{ ...ok, resource: { type: 'r' } }, 'resource.id is required'],
    [{ ...ok, resource: { type: 'r', id: null } }, 'resource.id must be a string'],
    [{ ...ok, resource: { type: 'r', id: '1', properties: [] } }, 'resource.properties must be an object'],
    [{ ...ok, resource: { type: 'r', id: '1', attributes: 'x' } }, 'resource.attributes must be an object'],
    [{ ...ok, action: undefined }, 'action is required'],
    [{ ...ok, action: 'read' }, 'action must be an object'],
    [{ ...ok, action: {} }, 'action.name is required'],
    [{ ...ok, action: { name: 1 } }, 'action.name must be a string'],
    [{ ...ok, context: 'x' }, 'context must be an object'],
  ];
  for (const [req, msg] of cases) it(msg, () => assert.equal(validate(req), msg));
});

describe('batch', () => {
  it('reads semantics and detects the single-evaluation form', () => {
    assert.equal(readBatch({}), undefined);
    assert.equal(readBatch({ evaluations: [] }), undefined);
    assert.deepEqual(readBatch({ evaluations: [{}] }), { items: [{}], semantic: 'execute_all' });
    assert.equal((readBatch({ evaluations: [{}], options: { evaluations_semantic: 'permit_on_first_permit' } }) as any).semantic, 'permit_on_first_permit');
    assert.match(readBatch({ evaluations: 1 }) as string, /evaluations must be an array/);
    assert.match(readBatch({ options: 'x' }) as string, /options must be an object/);
    assert.match(readBatch({ evaluations: [{}], options: { evaluations_semantic: 'x' } }) as string, /evaluations_semantic/);
    assert.deepEqual(readBatch({ evaluations: [{}], options: { another_option: 'v' } }), { items: [{}], semantic: 'execute_all' });
  });
  it('replaces whole entities and context from the item', () => {
    const defaults = { subject: { type: 's', id: '1', properties: { p: 1 } }, resource: { type: 'r', id: '2' }, action: { name: 'a' }, context: { c: 1 } };
    const m = mergeItem(defaults, { subject: { type: 's', id: '9' }, context: { d: 2 } });
    assert.ok('input' in m);
    assert.deepEqual(m.input.subject, { type: 's', id: '9' }, 'no properties inherited from the default subject');
    assert.deepEqual(m.input.context, { d: 2 });
    assert.equal(m.input.resource, defaults.resource);
    const noCtx = mergeItem({ ...defaults, context: undefined }, {});
    assert.ok('input' in noCtx && !('context' in noCtx.input));
  });
  it('reports an invalid item as a problem', () => {
    assert.deepEqual(mergeItem({}, {}), { problem: 'subject is required' });
    assert.deepEqual(mergeItem({}, 5), { problem: 'evaluation item must be an object' });
  });
});
