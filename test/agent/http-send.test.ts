// http.send in the agent: off by default (the call fails, so the decision is a deny), on with
// `--http-send` style config, limited by the allow-list.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { post, startAgent } from './helpers.js';

let upstream: Server;
let url = '';
const dir = mkdtempSync(join(tmpdir(), 'vengtoo-http-send-'));

before(async () => {
  // A tiny "entitlements service" the policy asks.
  upstream = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ allowed: req.url === '/check/alice' }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as { port: number }).port;
  url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'policy.rego'),
    `package vengtoo.authz\n\nallow if http.send({"method": "get", "url": concat("", ["${url}/check/", input.subject.id])}).body.allowed\n`,
  );
});
after(() => {
  upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = (id: string) => ({ subject: { type: 'user', id }, resource: { type: 'doc', id: 'd' }, action: { name: 'read' } });

it('denies (the builtin is unavailable) when http_send is off, the default', async () => {
  const agent = await startAgent(['--policy', join(dir, 'policy.rego'), '--no-watch']);
  try {
    const r = (await post(agent.url + '/access/v1/evaluation', request('alice'))).json();
    assert.equal(r.decision, false);
  } finally {
    assert.equal(await agent.stop(), 0);
  }
});

it('asks the remote service when http_send is on', async () => {
  const agent = await startAgent(['--policy', join(dir, 'policy.rego'), '--no-watch'], { env: { VENGTOO_HTTP_SEND: 'true' } });
  try {
    assert.equal((await post(agent.url + '/access/v1/evaluation', request('alice'))).json().decision, true);
    assert.equal((await post(agent.url + '/access/v1/evaluation', request('bob'))).json().decision, false);
  } finally {
    assert.equal(await agent.stop(), 0);
  }
});

it('refuses hosts outside the allow-list', async () => {
  const agent = await startAgent(['--policy', join(dir, 'policy.rego'), '--no-watch'], {
    env: { VENGTOO_HTTP_SEND: 'true', VENGTOO_HTTP_SEND_ALLOW_NET: 'entitlements.internal' },
  });
  try {
    assert.equal((await post(agent.url + '/access/v1/evaluation', request('alice'))).json().decision, false);
  } finally {
    assert.equal(await agent.stop(), 0);
  }
});
