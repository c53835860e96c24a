// The decision endpoints' fast path (src/server/fast-http.ts) against node:http itself: the same
// bytes sent to a server with the fast path and to one without must get the same bytes back
// (Date aside), whatever the bytes are — pipelined, split across writes, malformed, smuggling
// attempts, mutated at random. And what only the fast path does: hand-over, timeouts, shutdown.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { pino } from 'pino';
import { AgentMetrics } from '../../src/server/metrics.js';
import { AgentServer } from '../../src/server/server.js';
import type { AgentState, Decide } from '../../src/server/types.js';

/** Decisions made so far, by every server of this file. */
let decisions = 0;

/** A deterministic stand-in policy: allow when the subject id is "alice". */
const decide: Decide = (input) => {
  decisions++;
  return input.subject.id === 'alice' ? { allowed: true, reason: 'alice may', extra: '' } : { allowed: false, reason: 'not alice', extra: '' };
};

function makeServer(fastHttp: boolean, extra: { clientSecret?: string; keepAliveTimeoutMs?: number; maxBodyBytes?: number } = {}): AgentServer {
  const state: AgentState = { mode: 'local', decide, revision: 'r', lastSync: Date.now(), degraded: false, startedAt: Date.now() };
  return new AgentServer({
    state,
    metrics: new AgentMetrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
    maxBodyBytes: extra.maxBodyBytes ?? 4096,
    maxDepth: 16,
    version: 't',
    fastHttp,
    clientSecret: extra.clientSecret,
    keepAliveTimeoutMs: extra.keepAliveTimeoutMs,
  });
}

/**
 * Sends `parts` on one connection (each its own write, 5 ms apart, so they arrive as separate
 * reads), half-closes, and returns everything the server sent until it closed.
 */
function exchange(port: number, parts: (string | Buffer)[], gapMs = 5): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    const timer = setTimeout(() => s.destroy(), 5000);
    timer.unref();
    s.once('connect', async () => {
      for (const p of parts) {
        if (s.destroyed) break;
        s.write(p);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
      if (!s.destroyed) s.end();
    });
  });
}

/** Response text without what legitimately differs between two servers: Date, and generated request ids. */
function comparable(text: string): string {
  return text.replace(/\r\nDate: [^\r]*/g, '').replace(/x-request-id: [0-9a-f]{8}-[0-9a-z]+\r\n/g, 'x-request-id: <generated>\r\n');
}

/** Complete responses at the start of `text` (by Content-Length), and what is left. */
function splitResponses(text: string): { heads: string[]; rest: string } {
  const heads: string[] = [];
  let p = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', p);
    const m = end === -1 ? null : /content-length: (\d+)/i.exec(text.slice(p, end));
    if (!text.startsWith('HTTP/1.1 ', p) || m === null) break;
    const next = end + 4 + Number(m[1]);
    if (next > text.length) break;
    heads.push(text.slice(p, end));
    p = next;
  }
  return { heads, rest: text.slice(p) };
}

/**
 * The fast path's answers equal node:http's, with one allowed difference. When one read holds
 * complete requests followed by bytes node:http's parser rejects, node:http answers only the
 * rejection: the earlier requests are still waiting for their body events when the parser fails
 * on the later bytes, and their answers are dropped with the connection. The fast path has
 * answered those complete requests before handing the rest over, and node:http, having then
 * already answered on the connection, closes it without the rejection text. So in that case:
 * node:http sent one 4xx with `connection: close`, and the fast path sent only whole responses.
 */
function assertSameAnswers(fastText: string, nodeText: string, what: string): void {
  const a = comparable(fastText);
  const b = comparable(nodeText);
  if (a === b) return;
  const detail = `${what}\nfast path: ${JSON.stringify(a)}\nnode:http: ${JSON.stringify(b)}`;
  assert.match(b, /^HTTP\/1\.1 4\d\d [^\r]*\r\n(?:[^\r]*\r\n)*connection: close\r\n\r\n\{"error":"malformed HTTP request[^}]*\}$/, detail);
  const { heads, rest } = splitResponses(a);
  assert.ok(heads.length > 0 && rest === '', `whole responses only: ${detail}`);
}

const BODY_ALICE = '{"subject":{"type":"user","id":"alice"},"resource":{"type":"doc","id":"d1"},"action":{"name":"read"}}';
const BODY_BOB = '{"subject":{"type":"user","id":"bob"},"resource":{"type":"doc","id":"d1"},"action":{"name":"read"}}';

function post(body: string, headers: string[] = [], path = '/access/v1/evaluation'): string {
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers.map((h) => h + '\r\n').join('')}\r\n${body}`;
}

/** Named exchanges: each a list of writes. */
const CASES: Record<string, (string | Buffer)[]> = {
  'one allowed request': [post(BODY_ALICE, ['X-Request-ID: r1'])],
  'one denied request, generated id': [post(BODY_BOB)],
  'three pipelined in one write': [post(BODY_ALICE, ['x-request-id: a']) + post(BODY_BOB, ['x-request-id: b']) + post(BODY_ALICE, ['x-request-id: c'])],
  'a batch': [post('{"subject":{"type":"user","id":"alice"},"action":{"name":"read"},"evaluations":[{"resource":{"type":"doc","id":"1"}},{"subject":{"type":"user","id":"bob"},"resource":{"type":"doc","id":"2"}}]}', [], '/access/v1/evaluations')],
  'head and body in separate writes': [post(BODY_ALICE).slice(0, -BODY_ALICE.length), BODY_ALICE],
  'split inside a header name': (() => {
    const r = post(BODY_ALICE);
    return [r.slice(0, 40), r.slice(40)];
  })(),
  'every byte its own write': [...post(BODY_BOB, ['x-request-id: slow'])].map((c) => c),
  'fast, then a GET, then fast again, in one write': [post(BODY_ALICE, ['x-request-id: 1']) + 'GET /readyz HTTP/1.1\r\nHost: x\r\nX-Request-ID: 2\r\n\r\n' + post(BODY_BOB, ['x-request-id: 3'])],
  'fast, then a GET in a later write, then fast': [post(BODY_ALICE, ['x-request-id: 1']), 'GET /readyz HTTP/1.1\r\nHost: x\r\nX-Request-ID: 2\r\n\r\n', post(BODY_BOB, ['x-request-id: 3'])],
  'chunked body': ['POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Request-ID: ch\r\n\r\n' + Buffer.byteLength(BODY_ALICE).toString(16) + '\r\n' + BODY_ALICE + '\r\n0\r\n\r\n'],
  'Content-Length and Transfer-Encoding (smuggling)': [
    'POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' + post(BODY_ALICE),
  ],
  'two different Content-Lengths': ['POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{} '],
  'two equal Content-Lengths': [`POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY_BOB.length}\r\nContent-Length: ${BODY_BOB.length}\r\n\r\n${BODY_BOB}`],
  'Content-Length with a sign': [`POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: +${BODY_BOB.length}\r\n\r\n${BODY_BOB}`],
  'no Content-Length': ['POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Request-ID: nolen\r\n\r\n'],
  'Content-Length: 0': [post('', ['x-request-id: empty'])],
  'body longer than Content-Length': [post(BODY_ALICE).replace(/Content-Length: \d+/, 'Content-Length: 10')],
  'declared body over max_body_bytes': [`POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nX-Request-ID: big\r\n\r\n` + 'x'.repeat(5000)],
  'obs-fold header line': ['POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nX-Request-ID: a\r\n  folded\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'],
  'space before a header colon': ['POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type : application/json\r\nContent-Length: 2\r\n\r\n{}'],
  'bare LF line ends': [post(BODY_ALICE).replace(/\r\n/g, '\n')],
  'lowercase method': [post(BODY_ALICE).replace('POST', 'post')],
  'HTTP/1.0': [post(BODY_ALICE, ['x-request-id: old']).replace('HTTP/1.1', 'HTTP/1.0')],
  'query string': [post(BODY_ALICE, ['x-request-id: q'], '/access/v1/evaluation?x=1')],
  'absolute-form target': [post(BODY_ALICE, ['x-request-id: abs'], 'http://x/access/v1/evaluation')],
  'Connection: close': [post(BODY_ALICE, ['Connection: close', 'x-request-id: c']) + post(BODY_BOB)],
  'Connection: Keep-Alive': [post(BODY_ALICE, ['Connection: Keep-Alive', 'x-request-id: ka'])],
  'Expect: 100-continue': [post(BODY_ALICE, ['Expect: 100-continue', 'x-request-id: e'])],
  'Upgrade header': [post(BODY_ALICE, ['Upgrade: websocket', 'Connection: Upgrade', 'x-request-id: up'])],
  'repeated X-Request-ID': [post(BODY_ALICE, ['X-Request-ID: one', 'x-request-id: two'])],
  'empty X-Request-ID': [post(BODY_ALICE, ['X-Request-ID: '])],
  'non-ASCII byte in a header': [Buffer.from(post(BODY_ALICE, ['X-Request-ID: caf\xe9']), 'latin1')],
  'control byte in a header': [post(BODY_ALICE, ['X-Request-ID: a\x01b'])],
  'tab around a header value': [post(BODY_ALICE, ['X-Request-ID:\t tabbed \t'])],
  'wrong content type': [post(BODY_ALICE).replace('application/json', 'text/plain')],
  'content type with charset': [post(BODY_ALICE, ['x-request-id: cs']).replace('application/json', 'application/json; charset=utf-8')],
  'malformed JSON': [post('{"subject":', ['x-request-id: bad'])],
  'JSON array body': [post('[1,2]', ['x-request-id: arr'])],
  'too deeply nested': [post('{"a":' + '['.repeat(40) + ']'.repeat(40) + '}', ['x-request-id: deep'])],
  'invalid UTF-8 in the body': [Buffer.concat([Buffer.from(post('{"subject":"\xff\xfe"}', ['x-request-id: utf']).replace(/Content-Length: \d+/, 'Content-Length: 18'), 'latin1')])],
  'GET on the decision route': ['GET /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nX-Request-ID: g\r\n\r\n'],
  'unknown route': [post(BODY_ALICE, ['x-request-id: nf'], '/access/v1/evaluationz')],
  'garbage': ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n'],
  'head over 8 KiB (still under node:http\'s limit)': [post(BODY_ALICE, ['X-Filler: ' + 'f'.repeat(9000), 'x-request-id: long'])],
  'head over node:http\'s limit': [post(BODY_ALICE, ['X-Filler: ' + 'f'.repeat(20000)])],
  'more than 100 header lines': [post(BODY_ALICE, [...Array.from({ length: 150 }, (_, i) => `X-H${i}: ${i}`), 'x-request-id: many'])],
  'more than 2,000 header lines, the content type last': [
    `POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\n${'a:\r\n'.repeat(2000)}Content-Type: application/json\r\nContent-Length: ${BODY_ALICE.length}\r\n\r\n${BODY_ALICE}`,
  ],
};

describe('the fast path answers exactly as node:http does', () => {
  const fast = makeServer(true);
  const slow = makeServer(false);
  let fastPort = 0;
  let slowPort = 0;
  before(async () => {
    fastPort = (await fast.listen('127.0.0.1', 0)).port;
    slowPort = (await slow.listen('127.0.0.1', 0)).port;
  });
  after(async () => {
    await fast.close(500);
    await slow.close(500);
  });

  for (const [name, parts] of Object.entries(CASES)) {
    it(name, async () => {
      const [a, b] = await Promise.all([exchange(fastPort, parts), exchange(slowPort, parts)]);
      assert.ok(b.length > 0 || name === 'garbage', 'node:http answered something');
      assertSameAnswers(a, b, name);
    });
  }

  it('the well-formed cases were answered by the fast path itself', () => {
    assert.ok(fast.fast !== undefined, 'the fast path is in front');
    assert.equal(slow.fast, undefined);
    // one + one + three + batch + split head/body (handed over) ...: at least the plain ones.
    assert.ok(fast.fast.stats.answered >= 10, `answered ${fast.fast.stats.answered}`);
    assert.ok(fast.fast.stats.handedOff >= 20, `handed off ${fast.fast.stats.handedOff}`);
  });

  // More or other mutations: FAST_HTTP_MUTATIONS=20000 FAST_HTTP_SEED=7 node --import tsx --test test/server/fast-http.test.ts
  const mutations = Number(process.env.FAST_HTTP_MUTATIONS ?? 600);
  it(`randomly mutated requests get the same answers (${mutations} mutations, seeded)`, async () => {
    let seed = Number(process.env.FAST_HTTP_SEED ?? 0x5eed);
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const base = [post(BODY_ALICE, ['x-request-id: m']), post(BODY_BOB, ['x-request-id: m', 'Connection: keep-alive']), post(BODY_ALICE, ['x-request-id: m']) + post(BODY_BOB, ['x-request-id: n'])];
    const bytes = ['\r', '\n', ' ', '\t', ':', '0', '9', 'a', 'Z', '\x00', '\x7f', '\xff', '-', ';', ',', '"', '{', '}'];
    const inserts = ['Transfer-Encoding: chunked\r\n', 'Content-Length: 3\r\n', 'Connection: close\r\n', 'Expect: 100-continue\r\n', ' \r\n', 'X-Request-ID: again\r\n', 'Content-Type: text/plain\r\n'];
    for (let i = 0; i < mutations; i++) {
      let r = base[rand(base.length)];
      const edits = 1 + rand(3);
      for (let e = 0; e < edits; e++) {
        const at = rand(r.length);
        switch (rand(4)) {
          case 0: // replace a byte
            r = r.slice(0, at) + bytes[rand(bytes.length)] + r.slice(at + 1);
            break;
          case 1: // delete a byte
            r = r.slice(0, at) + r.slice(at + 1);
            break;
          case 2: // insert a header line after a line end
            {
              const nl = r.indexOf('\r\n', at);
              if (nl !== -1) r = r.slice(0, nl + 2) + inserts[rand(inserts.length)] + r.slice(nl + 2);
            }
            break;
          default: // duplicate a span
            r = r.slice(0, at) + r.slice(at, at + rand(40)) + r.slice(at);
        }
      }
      const parts = rand(3) === 0 ? [r.slice(0, r.length >> 1), r.slice(r.length >> 1)] : [r];
      const buf = parts.map((p) => Buffer.from(p, 'latin1'));
      const [a, b] = await Promise.all([exchange(fastPort, buf, 2), exchange(slowPort, buf, 2)]);
      assertSameAnswers(a, b, `mutation ${i}: ${JSON.stringify(r)}`);
    }
  });
});

describe('connections on the fast path', () => {
  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const s = makeServer(true, { keepAliveTimeoutMs: 300 });
    const port = (await s.listen('127.0.0.1', 0)).port;
    try {
      const sock = connect(port, '127.0.0.1');
      let got = '';
      sock.on('data', (d) => (got += d));
      sock.write(post(BODY_ALICE));
      const t0 = performance.now();
      await new Promise((r) => sock.on('close', r));
      const ms = performance.now() - t0;
      assert.match(got, /^HTTP\/1\.1 200 OK/);
      assert.match(got, /Keep-Alive: timeout=0\r\n/); // 300 ms rounds down, as node:http's header does
      assert.ok(ms >= 250 && ms < 3000, `closed after ${ms.toFixed(0)} ms`);
      assert.equal(s.fast!.stats.handedOff, 0);
    } finally {
      await s.close(500);
    }
  });

  it('shutdown: an idle connection is closed, a request on it is answered with Connection: close', async () => {
    const s = makeServer(true);
    const port = (await s.listen('127.0.0.1', 0)).port;
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => (got += d));
    sock.write(post(BODY_ALICE, ['x-request-id: before']));
    await new Promise((r) => setTimeout(r, 100));
    const closed = s.close(5000);
    sock.write(post(BODY_BOB, ['x-request-id: during']) + post(BODY_ALICE, ['x-request-id: dropped']));
    await new Promise((r) => sock.on('close', r));
    const t0 = performance.now();
    await closed;
    assert.ok(performance.now() - t0 < 2000);
    assert.match(got, /x-request-id: before\r\nDate: [^\r]*\r\nConnection: keep-alive/);
    assert.match(got, /x-request-id: during\r\nDate: [^\r]*\r\nConnection: close\r\n\r\n\{"decision":false/);
    assert.doesNotMatch(got, /dropped/);
  });

  it('a client that pipelines without reading its answers is not read from until it does', async () => {
    const s = makeServer(true);
    const port = (await s.listen('127.0.0.1', 0)).port;
    try {
      const total = 60_000; // about 12 MB of requests, 10 MB of answers: more than the socket buffers hold
      const before = decisions;
      const one = Buffer.from(post(BODY_ALICE, ['x-request-id: p']));
      const sock = connect(port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.pause(); // not reading
      const batch = Buffer.concat(Array.from({ length: 1000 }, () => one));
      for (let i = 0; i < total / 1000; i++) sock.write(batch);
      await new Promise((r) => setTimeout(r, 1500));
      const whileNotReading = decisions - before;
      assert.ok(whileNotReading < total / 2, `answered ${whileNotReading} of ${total} while the client read nothing`);
      let answers = 0;
      let tail = '';
      sock.on('data', (d: Buffer) => {
        const text = tail + d.toString('latin1');
        const parts = text.split('HTTP/1.1 200 OK');
        answers += parts.length - 1;
        tail = parts[parts.length - 1].slice(-20);
      });
      sock.resume();
      const t0 = performance.now();
      while (answers < total && performance.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
      assert.equal(answers, total);
      // (Reads end mid-request in a stream like this one, so node:http takes the connection over
      // at the first such read: both stop reading while their answers are not read.)
      sock.destroy();
    } finally {
      await s.close(500);
    }
  });

  it('the client secret is checked on the fast path', async () => {
    const s = makeServer(true, { clientSecret: 's3cret' });
    const port = (await s.listen('127.0.0.1', 0)).port;
    try {
      const got = await exchange(port, [post(BODY_ALICE, ['x-request-id: 1']) + post(BODY_ALICE, ['x-request-id: 2', 'Authorization: Bearer wrong']) + post(BODY_ALICE, ['x-request-id: 3', 'Authorization: Bearer s3cret'])]);
      const statuses = [...got.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
      assert.deepEqual(statuses, ['401', '401', '200']);
      assert.match(got, /www-authenticate: Bearer[^\r]*error="invalid_token"/);
      assert.equal(s.fast!.stats.answered, 3);
    } finally {
      await s.close(500);
    }
  });
});
