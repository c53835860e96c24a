// Search pagination on the real agent: pages of every size add up to the unpaged answer with no
// duplicates or gaps; page tokens are refused when reused with another request, on another
// endpoint, when forged, or after the policy changed (hot reload).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, post, startAgent, waitFor, type AgentProcess, type RawResponse } from '../agent/helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'docs');
const DOCS = 60;
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];

let dir: string;
let agent: AgentProcess;

const pad = (i: number) => 'doc-' + String(i).padStart(3, '0');

/** 60 documents: owners rotate through the users, every 4th is public, every 3rd is shared with eng. */
function data(extraDocs = 0): unknown {
  const documents: Record<string, unknown> = {};
  const resources: Record<string, unknown> = {};
  const shares: Record<string, unknown> = {};
  for (let i = 0; i < DOCS + extraDocs; i++) {
    documents[pad(i)] = { owner: USERS[i % 5] };
    resources[pad(i)] = { classification: i % 4 === 0 ? 'public' : 'internal' };
    if (i % 3 === 0) shares[pad(i)] = [{ group: 'eng', actions: ['view'] }];
  }
  return {
    members: { eng: ['alice', 'bob'] },
    documents,
    shares,
    vengtoo: { entities: { subjects: { user: Object.fromEntries(USERS.map((u) => [u, {}])) }, resources: { document: resources } } },
  };
}

/** What alice may view: her own (every 5th from 0), public (every 4th) and shared with eng (every 3rd). */
const ALICE_VIEWS = Array.from({ length: DOCS }, (_, i) => i)
  .filter((i) => i % 5 === 0 || i % 4 === 0 || i % 3 === 0)
  .map(pad);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vengtoo-search-pages-'));
  copyFileSync(join(FIXTURE, 'policy.rego'), join(dir, 'policy.rego'));
  writeFileSync(join(dir, 'data.json'), JSON.stringify(data()));
  agent = await startAgent(['--policy', dir], { env: { VENGTOO_WATCH_INTERVAL: '100ms' } });
});

after(async () => {
  assert.equal(await agent.stop(), 0);
  rmSync(dir, { recursive: true, force: true });
});

const search = (kind: string, body: unknown): Promise<RawResponse> => post(`${agent.url}/access/v1/search/${kind}`, body);
const aliceViews = { subject: { type: 'user', id: 'alice' }, action: { name: 'view' }, resource: { type: 'document' } };
const ids = (rs: { id: string }[]) => rs.map((r) => r.id);

interface Page {
  page: { next_token: string; count: number };
  results: { id: string }[];
}

async function page(kind: string, body: unknown): Promise<Page> {
  const r = await search(kind, body);
  assert.equal(r.status, 200, r.body);
  assert.ok(r.body.startsWith('{"page":{"next_token":'), 'page comes first: ' + r.body.slice(0, 60));
  return r.json() as Page;
}

/** Follows next_token to the end; returns every page. */
async function allPages(kind: string, body: Record<string, unknown>, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  for (;;) {
    const p = await page(kind, { ...body, page: token === undefined ? { limit } : { limit, token } });
    pages.push(p);
    assert.ok(pages.length <= DOCS + 1, 'pagination ends');
    if (p.page.next_token === '') return pages;
    assert.notEqual(p.page.next_token, token, 'the token moves on');
    token = p.page.next_token;
  }
}

describe('pages', () => {
  it('without page: every result at once, and no page in the response', async () => {
    const r = await search('resource', aliceViews);
    assert.equal(r.status, 200);
    assert.equal(r.json().page, undefined);
    assert.deepEqual(ids(r.json().results), ALICE_VIEWS);
  });

  it('page without a limit (or limit 0): everything, next_token ""', async () => {
    for (const p of [{}, { limit: 0 }, { token: '' }]) {
      const got = await page('resource', { ...aliceViews, page: p });
      assert.equal(got.page.next_token, '');
      assert.equal(got.page.count, ALICE_VIEWS.length);
      assert.deepEqual(ids(got.results), ALICE_VIEWS);
    }
  });

  for (const limit of [1, 2, 3, 7, 10, 36, 37, 100]) {
    it(`limit ${limit}: pages add up to the whole answer, in order, no duplicates or gaps`, async () => {
      const pages = await allPages('resource', aliceViews, limit);
      const all = pages.flatMap((p) => ids(p.results));
      assert.deepEqual(all, ALICE_VIEWS);
      for (const [i, p] of pages.entries()) {
        assert.equal(p.page.count, p.results.length);
        if (i < pages.length - 1) assert.equal(p.results.length, limit, `page ${i} is full`);
        else assert.ok(p.results.length > 0 && p.results.length <= limit, 'the last page is not empty');
      }
      // Stops at the limit, and a token only when more results follow.
      assert.equal(pages.length, Math.ceil(ALICE_VIEWS.length / limit));
    });
  }

  it('a full page has a token only when another allowed result follows', async () => {
    // alice's last result is doc-057; doc-058 and doc-059 are candidates she may not view.
    const exact = await allPages('resource', aliceViews, ALICE_VIEWS.length);
    assert.equal(exact.length, 1);
    assert.equal(exact[0].page.next_token, '');
    const short = await allPages('resource', aliceViews, ALICE_VIEWS.length - 1);
    assert.deepEqual(short.map((p) => ids(p.results)), [ALICE_VIEWS.slice(0, -1), ['doc-057']]);
  });

  it('subject and action searches page too', async () => {
    const subjects = await allPages('subject', { subject: { type: 'user' }, action: { name: 'view' }, resource: { type: 'document', id: 'doc-000' } }, 2);
    assert.deepEqual(subjects.flatMap((p) => ids(p.results)), USERS); // public: everyone
    assert.deepEqual(subjects.map((p) => p.results.length), [2, 2, 1]);
    const actions = await allPages('action', { subject: { type: 'user', id: 'alice' }, resource: { type: 'document', id: 'doc-000' } }, 1);
    // no entities.actions: the constants the policy compares input.action.name with
    assert.deepEqual(actions.flatMap((p) => p.results), [{ name: 'view' }]);
  });
});

describe('page tokens', () => {
  let token = '';

  before(async () => {
    token = (await page('resource', { ...aliceViews, page: { limit: 5 } })).page.next_token;
    assert.notEqual(token, '');
  });

  it('the token resumes the same request', async () => {
    const p = await page('resource', { ...aliceViews, page: { limit: 5, token } });
    assert.deepEqual(ids(p.results), ALICE_VIEWS.slice(5, 10));
  });

  it('an id on the searched entity is not part of the request', async () => {
    const p = await page('resource', { ...aliceViews, resource: { type: 'document', id: 'doc-042' }, page: { limit: 5, token } });
    assert.deepEqual(ids(p.results), ALICE_VIEWS.slice(5, 10));
  });

  const changed: [string, Record<string, unknown>][] = [
    ['another limit', { ...aliceViews, page: { limit: 6, token } }],
    ['no limit', { ...aliceViews, page: { token } }],
    ['another action', { ...aliceViews, action: { name: 'edit' }, page: { limit: 5 } }],
    ['another subject', { ...aliceViews, subject: { type: 'user', id: 'bob' }, page: { limit: 5 } }],
    ['subject properties', { ...aliceViews, subject: { type: 'user', id: 'alice', properties: { role: 'x' } }, page: { limit: 5 } }],
    ['searched-entity properties', { ...aliceViews, resource: { type: 'document', properties: { a: 1 } }, page: { limit: 5 } }],
    ['a context', { ...aliceViews, context: { frozen: false }, page: { limit: 5 } }],
    ['page properties', { ...aliceViews, page: { limit: 5, properties: { sort: 'id' } } }],
  ];
  for (const [what, body] of changed) {
    it(`is refused (400) with ${what}`, async () => {
      const b = structuredClone(body);
      (b.page as Record<string, unknown>).token = token;
      const r = await search('resource', b);
      assert.equal(r.status, 400, r.body);
      assert.match(r.json().error, /^page\.token was issued for a different request/);
    });
  }

  it('is refused on another search endpoint', async () => {
    const r = await search('subject', { subject: { type: 'user' }, action: { name: 'view' }, resource: { type: 'document', id: 'doc-000' }, page: { limit: 5, token } });
    assert.equal(r.status, 400);
    assert.match(r.json().error, /different request/);
  });

  it('a forged or damaged token is refused', async () => {
    const forged = (s: string) => Buffer.from(s).toString('base64url');
    const [, , rev, hash] = Buffer.from(token, 'base64url').toString().split('.');
    for (const t of ['abc', '!!', forged('v2.5.' + rev + '.' + hash), forged('v1.-1.' + rev + '.' + hash), forged(`v1.${DOCS + 1}.${rev}.${hash}`)]) {
      const r = await search('resource', { ...aliceViews, page: { limit: 5, token: t } });
      assert.equal(r.status, 400, t);
      assert.match(r.json().error, /^page\.token is not a page token issued by this search API/, t);
    }
  });

  it('is refused after the policy changed (hot reload), and a fresh search works', async () => {
    const before = (await http(agent.url + '/healthz')).json().bundle_revision as string;
    writeFileSync(join(dir, 'data.json'), JSON.stringify(data(3)));
    await waitFor(async () => ((await http(agent.url + '/healthz')).json().bundle_revision !== before ? true : undefined));
    const r = await search('resource', { ...aliceViews, page: { limit: 5, token } });
    assert.equal(r.status, 400);
    assert.match(r.json().error, /^page\.token was issued for an earlier version of the policy/);
    const fresh = await search('resource', aliceViews);
    assert.deepEqual(ids(fresh.json().results), [...ALICE_VIEWS, pad(60)]); // doc-060 is alice's and public
  });
});
