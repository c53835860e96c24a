// SIGTERM during load (cloud mode, audit forwarding on): every request the agent decided is
// answered, every decision's audit event reaches the endpoint before the process exits (the buffer
// is flushed on shutdown), and the process exits 0 within 5 s. Requests already on their way over
// kept-alive connections are answered too (the server's keep-alive grace), not dropped unread.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBundle } from '../../src/bundle/index.js';
import { startAgent } from './lib/agent.js';
import { FaultCloud } from './lib/cloud.js';
import { runLoad } from './lib/load.js';

it('SIGTERM under load: in-flight requests answered, audit buffer flushed, exit 0 within 5 s', { timeout: 60_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'vengtoo-shutdown-'));
  const control = await new FaultCloud().start();
  const sink = await new FaultCloud().start();
  control.setBundle(
    await writeBundle({
      modules: [{ file: 'vengtoo/authz.rego', source: 'package vengtoo.authz\n\ndecision := {"allowed": input.subject.id == "alice", "reason": "r"}\n' }],
      manifest: { revision: 'shutdown-1', roots: ['vengtoo'] },
    }),
  );
  const a = await startAgent([], {
    env: {
      HOME: home,
      VENGTOO_API_KEY: 'k',
      VENGTOO_CLOUD_URL: control.url,
      VENGTOO_CACHE_DIR: join(home, 'cache'),
      VENGTOO_AUDIT_ENDPOINT: sink.url + '/v1/agent/decisions',
      // nothing is sent before the shutdown: the whole run's events wait in the buffer
      VENGTOO_AUDIT_BATCH_SIZE: '100000',
      VENGTOO_AUDIT_BUFFER_SIZE: '100000',
      VENGTOO_AUDIT_BATCH_INTERVAL: '10m',
    },
  });
  try {
    for (let i = 0; i < 200 && (await fetch(a.url + '/readyz')).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
    const sent = new Set<number>();
    const answered = new Set<number>();
    const load = runLoad({
      url: a.url,
      path: '/access/v1/evaluation',
      body: (seq) => {
        sent.add(seq);
        return `{"subject":{"type":"user","id":"alice"},"resource":{"type":"doc","id":"req-${seq}"},"action":{"name":"read"}}`;
      },
      check: (status, body) => status === 200 && body.includes('"allowed":true'),
      onAnswer: (status, _b, seq) => {
        if (status === 200) answered.add(seq);
      },
      rate: 800,
      connections: 16,
      durationMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 2000));

    // A request whose body is still arriving when the signal comes.
    const body = '{"subject":{"type":"user","id":"alice"},"resource":{"type":"doc","id":"slow-body"},"action":{"name":"read"}}';
    const slow = request(a.url + '/access/v1/evaluation', { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
    const slowAnswer = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      slow.on('error', reject);
    });
    slow.write(body.slice(0, 30));
    await new Promise((r) => setTimeout(r, 100));

    const beforeSignal = answered.size;
    const t0 = Date.now();
    a.proc.kill('SIGTERM');
    setTimeout(() => slow.end(body.slice(30)), 300);
    const code = await a.exited;
    const exitMs = Date.now() - t0;
    load.stop();
    const lr = await load.done;
    const slowStatus = await slowAnswer;

    const reported = new Set<string>();
    for (const ev of sink.events.values()) reported.add(String((ev.resource as { id: string }).id));
    const answeredIds = new Set([...answered].map((s) => `req-${s}`));
    const missingEvents = [...answeredIds].filter((id) => !reported.has(id));
    const unanswered = [...reported].filter((id) => id.startsWith('req-') && !answeredIds.has(id));
    const neverReached = [...sent].filter((s) => !answered.has(s) && !reported.has(`req-${s}`)).length;
    t.diagnostic(
      `exit ${code} ${exitMs} ms after SIGTERM; ${answered.size} answered (${answered.size - beforeSignal} after the signal), ` +
        `${sink.events.size} events flushed (${sink.duplicates} duplicates), ${neverReached} requests written on connections the agent closed unread, ` +
        `${lr.connectErrors} new connections refused during shutdown`,
    );
    assert.equal(code, 0);
    assert.ok(exitMs < 5000, `exited ${exitMs} ms after SIGTERM`);
    assert.equal(slowStatus, 200, 'the request in flight at the signal was answered');
    assert.ok(reported.has('slow-body'), "…and its decision's event flushed");
    assert.equal(lr.mismatches, 0, lr.samples.join('\n'));
    assert.ok(answered.size > 500, `${answered.size} answered`);
    // Keep-alive connections get a grace period to deliver requests already on their way.
    assert.equal(neverReached, 0, 'no request written onto a kept-alive connection was dropped unread');
    assert.deepEqual(missingEvents, [], 'every answered decision reached the audit endpoint');
    assert.deepEqual(unanswered, [], 'every decision the agent made was answered');
    await a.waitForLine((l) => l.msg === 'stopped');
  } finally {
    await a.stop('SIGKILL');
    await control.stop();
    await sink.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
