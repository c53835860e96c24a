// Graceful shutdown: on SIGTERM the agent stops accepting connections, finishes the requests in
// flight, closes idle keep-alive connections and exits 0.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent as HttpAgent, request } from 'node:http';
import { join } from 'node:path';
import { http, startAgent } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'authz');

it('SIGTERM: in-flight requests finish, new connections are refused, exit code 0', async () => {
  const a = await startAgent(['--policy', FIXTURE], { env: { VENGTOO_SHUTDOWN_TIMEOUT: '20s' } });
  // An idle keep-alive connection must not hold the shutdown up.
  const keepAlive = new HttpAgent({ keepAlive: true });
  await new Promise<void>((resolve, reject) => {
    request(a.url + '/healthz', { agent: keepAlive }, (res) => {
      res.resume();
      res.on('end', resolve);
    })
      .on('error', reject)
      .end();
  });

  // A request whose body is still arriving when the signal comes.
  const body = JSON.stringify({ subject: { type: 'user', id: 'alice' }, resource: { type: 'doc', id: 'inflight' }, action: { name: 'read' } });
  const inflight = request(a.url + '/access/v1/evaluation', {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
  });
  const response = new Promise<{ status: number; text: string; connection: string | undefined }>((resolve, reject) => {
    inflight.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection }));
    });
    inflight.on('error', reject);
  });
  inflight.write(body.slice(0, 20));
  await new Promise((r) => setTimeout(r, 300));

  const t0 = Date.now();
  a.proc.kill('SIGTERM');
  await a.waitForLine((l) => typeof l.msg === 'string' && l.msg.startsWith('shutting down'));
  await assert.rejects(http(a.url + '/healthz'), /ECONNREFUSED|ECONNRESET/);

  inflight.end(body.slice(20));
  const r = await response;
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.text).decision, true);
  assert.equal(r.connection, 'close');

  assert.equal(await a.exited, 0);
  assert.ok(Date.now() - t0 < 10_000, 'did not wait for the shutdown timeout');
  await a.waitForLine((l) => l.msg === 'stopped');
  keepAlive.destroy();
});
