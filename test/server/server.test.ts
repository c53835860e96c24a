// The HTTP server in process, with a stand-in decide function: the paths the real policy cannot
// reach (a bug inside decide → 500, never an allow), and the onDecision hook.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AgentMetrics } from '../../src/server/metrics.js';
import { AgentServer } from '../../src/server/server.js';
import type { AgentState, Decide } from '../../src/server/types.js';
import { post } from '../agent/helpers.js';

async function withServer(decide: Decide, fn: (url: string, s: AgentServer, logs: string[]) => Promise<void>): Promise<void> {
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void logs.push(l) });
  const state: AgentState = { mode: 'local', decide, revision: 'r', lastSync: Date.now(), degraded: false, startedAt: Date.now() };
  const s = new AgentServer({ state, metrics: new AgentMetrics({ defaultMetrics: false }), logger, maxBodyBytes: 1 << 20, maxDepth: 64, version: 't' });
  const addr = await s.listen('127.0.0.1', 0);
  try {
    await fn(`http://127.0.0.1:${addr.port}`, s, logs);
  } finally {
    await s.close(1000);
  }
}

const req = { subject: { type: 'u', id: 'a' }, resource: { type: 'r', id: 'x' }, action: { name: 'n' } };

it('a bug in decide answers 500 with a JSON error and logs it', async () => {
  await withServer(
    () => {
      throw new Error('kaboom');
    },
    async (url, _s, logs) => {
      const r = await post(url + '/access/v1/evaluation', req);
      assert.equal(r.status, 500);
      assert.deepEqual(r.json(), { error: 'internal error' });
      assert.ok(logs.some((l) => l.includes('kaboom')));
    },
  );
});

it('onDecision sees every decision with its request id', async () => {
  const seen: string[] = [];
  await withServer(
    () => ({ allowed: true, extra: '' }),
    async (url, s) => {
      s.setOnDecision((input, d, ms, id) => seen.push(`${input.subject.id}:${d.allowed}:${id}:${ms >= 0}`));
      await post(url + '/access/v1/evaluation', req, { 'x-request-id': 'r1' });
      await post(url + '/access/v1/evaluations', { ...req, evaluations: [{}, {}] }, { 'x-request-id': 'r2' });
      assert.deepEqual(seen, ['a:true:r1:true', 'a:true:r2:true', 'a:true:r2:true']);
    },
  );
});
