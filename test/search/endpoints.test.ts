// The three search endpoints against the users/groups/documents fixture (fixtures/docs), on the
// real agent over HTTP: results, transitive grants, stored and request properties, unknown types
// and ids, validation per endpoint, the shared request pipeline (auth, content type, request id),
// and the AuthZEN metadata.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { http, post, startAgent, type AgentProcess, type RawResponse } from '../agent/helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'docs');
const SECRET = 's3cret';
const AUTH = { authorization: `Bearer ${SECRET}` };
let agent: AgentProcess;

before(async () => {
  agent = await startAgent(['--policy', FIXTURE], { env: { VENGTOO_CLIENT_SECRET: SECRET } });
});

after(async () => {
  assert.equal(await agent.stop(), 0);
});

const search = (kind: string, body: unknown, headers: Record<string, string> = AUTH): Promise<RawResponse> =>
  post(`${agent.url}/access/v1/search/${kind}`, body, headers);

/** 200 and the results; fails on anything else. */
async function results(kind: string, body: unknown): Promise<unknown[]> {
  const r = await search(kind, body);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers['content-type'], 'application/json');
  return r.json().results as unknown[];
}

const user = (id: string, properties?: Record<string, unknown>) => (properties ? { type: 'user', id, properties } : { type: 'user', id });
const doc = (id: string) => ({ type: 'document', id });
const ids = (rs: unknown[]) => rs.map((r) => (r as { id: string }).id);

describe('subject search', () => {
  it('finds the users who may view a document, through group membership too, sorted by id', async () => {
    // d2: owned by bob, shared with group eng (alice, bob) for view; erin is an admin.
    const rs = await results('subject', { subject: { type: 'user' }, action: { name: 'view' }, resource: doc('d2') });
    assert.deepEqual(rs, [
      { type: 'user', id: 'alice' },
      { type: 'user', id: 'bob' },
      { type: 'user', id: 'erin' },
    ]);
  });

  it('the three searches agree with each other and with /access/v1/evaluation given the stored properties', async () => {
    const entities = JSON.parse(readFileSync(join(FIXTURE, 'data.json'), 'utf8')).vengtoo.entities;
    const users: Record<string, Record<string, unknown>> = entities.subjects.user;
    const docs: Record<string, Record<string, unknown>> = entities.resources.document;
    let allowed = 0;
    for (const [u, uprops] of Object.entries(users)) {
      const actions = new Map<string, string[]>();
      for (const d of Object.keys(docs)) {
        actions.set(d, (await results('action', { subject: user(u), resource: doc(d) })).map((r) => (r as { name: string }).name));
      }
      for (const action of ['view', 'edit', 'delete']) {
        const resources = ids(await results('resource', { subject: user(u), action: { name: action }, resource: { type: 'document' } }));
        for (const [d, dprops] of Object.entries(docs)) {
          const subjects = ids(await results('subject', { subject: { type: 'user' }, action: { name: action }, resource: doc(d) }));
          const r = await post(agent.url + '/access/v1/evaluation', { subject: user(u, uprops), action: { name: action }, resource: { ...doc(d), properties: dprops } }, AUTH);
          const decision = r.json().decision as boolean;
          const where = `${u} ${action} ${d}`;
          assert.equal(subjects.includes(u), decision, 'subject search: ' + where);
          assert.equal(resources.includes(d), decision, 'resource search: ' + where);
          assert.equal(actions.get(d)!.includes(action), decision, 'action search: ' + where);
          if (decision) allowed++;
        }
      }
    }
    assert.ok(allowed > 20 && allowed < 90, `a fixture with both outcomes (${allowed} of 90 allowed)`);
  });

  it('finds groups: a share names the group itself', async () => {
    const rs = await results('subject', { subject: { type: 'group' }, action: { name: 'view' }, resource: doc('d5') });
    assert.deepEqual(rs, [
      { type: 'group', id: 'eng' },
      { type: 'group', id: 'ops' },
    ]);
  });

  it('ignores an id on the searched subject', async () => {
    const body = { subject: { type: 'user', id: 'carol' }, action: { name: 'edit' }, resource: doc('d4') };
    assert.deepEqual(ids(await results('subject', body)), ['carol', 'dave', 'erin']);
    assert.deepEqual(ids(await results('subject', { ...body, subject: { type: 'user', id: 42 } })), ['carol', 'dave', 'erin']);
  });

  it('request properties on the searched subject win over stored ones', async () => {
    // erin is an admin by her stored properties; the request says nobody is.
    const rs = await results('subject', { subject: { type: 'user', properties: { role: 'none' } }, action: { name: 'delete' }, resource: doc('d1') });
    assert.deepEqual(ids(rs), ['alice']);
    // ... and may make everyone an admin.
    const all = await results('subject', { subject: { type: 'user', properties: { role: 'admin' } }, action: { name: 'delete' }, resource: doc('d1') });
    assert.deepEqual(ids(all), ['alice', 'bob', 'carol', 'dave', 'erin']);
  });
});

describe('resource search', () => {
  it('finds the documents a user may view, sorted by id', async () => {
    // d1 own, d2 and d5 via group eng, d3 public; d4 not shared with eng; d6 archived.
    const rs = await results('resource', { subject: user('alice'), action: { name: 'view' }, resource: { type: 'document' } });
    assert.deepEqual(rs, ['d1', 'd2', 'd3', 'd5'].map((id) => ({ type: 'document', id })));
  });

  it('passes each candidate its stored properties; request properties win', async () => {
    // dave owns d4 and d5; d3 is public by its stored classification.
    const base = { subject: user('dave'), action: { name: 'view' } };
    assert.deepEqual(ids(await results('resource', { ...base, resource: { type: 'document' } })), ['d3', 'd4', 'd5']);
    const allPublic = { ...base, resource: { type: 'document', properties: { classification: 'public' } } };
    // d6 stays out: its stored `archived` is not overridden.
    assert.deepEqual(ids(await results('resource', allPublic)), ['d1', 'd2', 'd3', 'd4', 'd5']);
  });

  it('gives the given (non-searched) subject its stored properties too; request properties win', async () => {
    const body = { action: { name: 'edit' }, resource: { type: 'document' } };
    // erin is an admin by her stored properties, and owns nothing.
    assert.deepEqual(ids(await results('resource', { ...body, subject: user('erin') })), ['d1', 'd2', 'd3', 'd4', 'd5']);
    assert.deepEqual(ids(await results('resource', { ...body, subject: user('erin', { role: 'none' }) })), []);
  });

  it('accepts the legacy aliases on the given subject (name for id, attributes for properties)', async () => {
    const body = { action: { name: 'delete' }, resource: { type: 'document' } };
    assert.deepEqual(ids(await results('resource', { ...body, subject: { type: 'user', name: 'dave' } })), ['d4', 'd5']);
    const rs = await results('resource', { ...body, subject: { type: 'user', name: 'dave', attributes: { role: 'admin' } } });
    assert.deepEqual(ids(rs), ['d1', 'd2', 'd3', 'd4', 'd5']);
  });

  it('ignores an id on the searched resource', async () => {
    const rs = await results('resource', { subject: user('alice'), action: { name: 'view' }, resource: { type: 'document', id: 'd4' } });
    assert.deepEqual(ids(rs), ['d1', 'd2', 'd3', 'd5']);
  });

  it('passes the context to the policy', async () => {
    const body = { subject: user('bob'), action: { name: 'edit' }, resource: { type: 'document' } };
    assert.deepEqual(ids(await results('resource', { ...body, context: { frozen: false } })), ['d2', 'd5']);
    assert.deepEqual(ids(await results('resource', { ...body, context: { frozen: true } })), []);
    assert.deepEqual(await results('action', { subject: user('bob'), resource: doc('d2'), context: { frozen: true } }), []);
    assert.deepEqual(await results('subject', { subject: { type: 'user' }, action: { name: 'view' }, resource: doc('d3'), context: { frozen: true } }), []);
  });
});

describe('action search', () => {
  it('finds the actions a user may take on a document, sorted by name', async () => {
    const on = async (subject: unknown, d: string) =>
      (await results('action', { subject, resource: doc(d) })).map((r) => (r as { name: string }).name);
    assert.deepEqual(await on(user('alice'), 'd1'), ['delete', 'edit', 'view']); // owner
    assert.deepEqual(await on(user('alice'), 'd5'), ['edit', 'view']); // via eng
    assert.deepEqual(await on(user('alice'), 'd3'), ['view']); // public
    assert.deepEqual(await on(user('alice'), 'd6'), []); // archived
    assert.deepEqual(await on({ type: 'group', id: 'sales' }, 'd4'), ['edit', 'view']);
  });

  it('results carry only the name', async () => {
    const r = await search('action', { subject: user('alice'), resource: doc('d1') });
    assert.equal(r.body, '{"results":[{"name":"delete"},{"name":"edit"},{"name":"view"}]}');
  });

  it('takes actions["*"] for a resource type without its own list', async () => {
    const rs = await results('action', { subject: user('dave'), resource: { type: 'folder', id: 'f1' } });
    assert.deepEqual(rs, [{ name: 'view' }]);
  });

  it('ignores an action in the request', async () => {
    const rs = await results('action', { subject: user('alice'), resource: doc('d5'), action: { name: 'view' } });
    assert.deepEqual(rs, [{ name: 'edit' }, { name: 'view' }]);
  });
});

describe('unknown types and ids', () => {
  const empty = async (kind: string, body: unknown) => {
    const r = await search(kind, body);
    assert.equal(r.status, 200, r.body);
    assert.equal(r.body, '{"results":[]}');
  };

  it('an unknown searched type finds nothing', async () => {
    await empty('subject', { subject: { type: 'robot' }, action: { name: 'view' }, resource: doc('d3') });
    await empty('resource', { subject: user('erin', { role: 'admin' }), action: { name: 'view' }, resource: { type: 'spreadsheet' } });
    await empty('resource', { subject: user('erin'), action: { name: 'view' }, resource: { type: 'binder', properties: {} } }); // listed, empty
  });

  it('an unknown id or type on a given entity finds nothing, even where a rule would allow', async () => {
    // d3 is public: any subject may view it, but mallory is not a known user.
    await empty('resource', { subject: user('mallory', { role: 'admin' }), action: { name: 'view' }, resource: { type: 'document' } });
    await empty('resource', { subject: { type: 'robot', id: 'r2', properties: { role: 'admin' } }, action: { name: 'view' }, resource: { type: 'document' } });
    await empty('subject', { subject: { type: 'user' }, action: { name: 'view' }, resource: doc('d99') });
    await empty('action', { subject: user('mallory'), resource: doc('d3') });
    await empty('action', { subject: user('alice'), resource: { type: 'spreadsheet', id: 's1' } });
  });

  it('an action name not listed in actions is still the policy\'s call', async () => {
    // The owner rule and the admin rule grant any action.
    assert.deepEqual(ids(await results('subject', { subject: { type: 'user' }, action: { name: 'print' }, resource: doc('d1') })), ['alice', 'erin']);
  });
});

describe('validation (400 with a JSON error naming the field)', () => {
  const cases: [string, unknown, RegExp][] = [
    ['subject', { action: { name: 'view' }, resource: doc('d1') }, /^subject is required/],
    ['subject', { subject: { id: 'alice' }, action: { name: 'view' }, resource: doc('d1') }, /^subject\.type is required$/],
    ['subject', { subject: { type: 7 }, action: { name: 'view' }, resource: doc('d1') }, /^subject\.type must be a string$/],
    ['subject', { subject: { type: 'user' }, resource: doc('d1') }, /^action is required$/],
    ['subject', { subject: { type: 'user' }, action: { name: 1 }, resource: doc('d1') }, /^action\.name must be a string$/],
    ['subject', { subject: { type: 'user' }, action: { name: 'view' }, resource: { type: 'document' } }, /^resource\.id is required$/],
    ['subject', { subject: { type: 'user', properties: [] }, action: { name: 'view' }, resource: doc('d1') }, /^subject\.properties must be an object$/],
    ['resource', { subject: { type: 'user' }, action: { name: 'view' }, resource: { type: 'document' } }, /^subject\.id is required$/],
    ['resource', { subject: user('alice'), action: { name: 'view' }, resource: { id: 'd1' } }, /^resource\.type is required$/],
    ['resource', { subject: user('alice'), action: { name: 'view' } }, /^resource is required/],
    ['resource', { subject: user('alice'), resource: { type: 'document' } }, /^action is required$/],
    ['resource', { subject: 'alice', action: { name: 'view' }, resource: { type: 'document' } }, /^subject must be an object$/],
    ['resource', { subject: user('alice'), action: { name: 'view' }, resource: { type: 'document' }, context: 'x' }, /^context must be an object$/],
    ['action', { subject: user('alice'), resource: { type: 'document' } }, /^resource\.id is required$/],
    ['action', { subject: { type: 'user' }, resource: doc('d1') }, /^subject\.id is required$/],
    ['action', { resource: doc('d1') }, /^subject is required$/],
    ['resource', { subject: user('alice'), action: { name: 'view' }, resource: { type: 'document' }, page: [] }, /^page must be an object$/],
    ['resource', { subject: user('alice'), action: { name: 'view' }, resource: { type: 'document' }, page: { limit: -1 } }, /^page\.limit must be a non-negative integer$/],
    ['resource', { subject: user('alice'), action: { name: 'view' }, resource: { type: 'document' }, page: { limit: 1.5 } }, /^page\.limit must be a non-negative integer$/],
    ['resource', { subject: user('alice'), action: { name: 'view' }, resource: { type: 'document' }, page: { limit: '2' } }, /^page\.limit must be a non-negative integer$/],
    ['resource', { subject: user('alice'), action: { name: 'view' }, resource: { type: 'document' }, page: { token: 5 } }, /^page\.token must be a string$/],
  ];
  for (const [kind, body, message] of cases) {
    it(`${kind}: ${JSON.stringify(body)} → ${message.source}`, async () => {
      const r = await search(kind, body);
      assert.equal(r.status, 400, r.body);
      assert.match(r.json().error, message);
    });
  }

  it('the request pipeline is the evaluation one: body, JSON, content type, depth', async () => {
    const url = `${agent.url}/access/v1/search/resource`;
    const send = (body: string, type = 'application/json') => http(url, { method: 'POST', headers: { 'content-type': type, ...AUTH }, body });
    assert.match((await send('')).json().error, /request body is empty/);
    assert.match((await send('{"subject":')).json().error, /malformed JSON/);
    assert.match((await send('[]')).json().error, /must be a JSON object/);
    assert.match((await send('{}', 'text/plain')).json().error, /content type must be application\/json/);
    assert.match((await send('{"context":' + '['.repeat(100) + ']'.repeat(100) + '}')).json().error, /nests deeper than 64/);
    const get = await http(url, { headers: AUTH });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
  });
});

describe('transport', () => {
  const body = { subject: user('alice'), action: { name: 'view' }, resource: { type: 'document' } };

  it('requires the bearer token like the evaluation endpoints', async () => {
    for (const kind of ['subject', 'resource', 'action']) {
      const r = await search(kind, body, {});
      assert.equal(r.status, 401);
      assert.equal(r.headers['www-authenticate'], 'Bearer realm="vengtoo-agent"');
      assert.equal((await search(kind, body, { authorization: 'Bearer wrong' })).status, 401);
    }
  });

  it('echoes X-Request-ID', async () => {
    const r = await search('resource', body, { ...AUTH, 'x-request-id': 'search-42' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-request-id'], 'search-42');
  });

  it('counts search requests per route in /metrics', async () => {
    const text = (await http(agent.url + '/metrics')).body;
    assert.match(text, /vengtoo_agent_http_requests_total\{route="\/access\/v1\/search\/resource",status="200"\} [1-9]/);
    assert.match(text, /vengtoo_agent_http_requests_total\{route="\/access\/v1\/search\/subject",status="400"\} [1-9]/);
  });

  it('advertises the three endpoints in /.well-known/authzen-configuration', async () => {
    const r = await http(agent.url + '/.well-known/authzen-configuration', { headers: { host: 'pdp.example.com:8181' } });
    assert.equal(r.status, 200);
    const m = r.json();
    assert.equal(m.search_subject_endpoint, 'http://pdp.example.com:8181/access/v1/search/subject');
    assert.equal(m.search_resource_endpoint, 'http://pdp.example.com:8181/access/v1/search/resource');
    assert.equal(m.search_action_endpoint, 'http://pdp.example.com:8181/access/v1/search/action');
    assert.equal(m.access_evaluation_endpoint, 'http://pdp.example.com:8181/access/v1/evaluation');
  });
});
