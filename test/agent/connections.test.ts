// max_connections: the real agent with a limit of 2. Two keep-alive connections are served; a
// third, opened while they are, is closed as soon as it is accepted (no answer), counted and
// logged; once the two close, new connections are served again.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { metricValue, startAgent, waitFor, type AgentProcess } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'authz');
const BODY = JSON.stringify({ subject: { type: 'user', id: 'alice' }, resource: { type: 'doc', id: 'd1' }, action: { name: 'read' } });

let agent: AgentProcess;
let port: number;

before(async () => {
  agent = await startAgent(['--policy', FIXTURE, '--no-watch', '--max-connections', '2']);
  port = Number(new URL(agent.url).port);
});

after(async () => {
  await agent?.stop();
});

/** A raw TCP connection speaking HTTP/1.1 keep-alive, one request at a time. */
class Conn {
  readonly socket: Socket;
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  /** Bytes received in total (a refused connection receives none). */
  received = 0;
  readonly closed: Promise<string>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.received += d.length;
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    this.closed = new Promise((resolve) => {
      let how = 'end';
      socket.on('error', (e: NodeJS.ErrnoException) => (how = e.code ?? String(e)));
      socket.on('close', () => {
        resolve(how);
        this.waiting?.();
      });
    });
  }

  static open(): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  /** Sends one request and resolves with its status and body; rejects when the connection closes first. */
  async request(method: 'GET' | 'POST', path: string, body = ''): Promise<{ status: number; body: string }> {
    const head = `${method} ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    this.socket.write(head + body);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        const headers = this.buf.subarray(0, end).toString('latin1');
        const len = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
        if (this.buf.length >= end + 4 + len) {
          const text = this.buf.subarray(end + 4, end + 4 + len).toString('utf8');
          this.buf = this.buf.subarray(end + 4 + len);
          return { status: Number(headers.split(' ')[1]), body: text };
        }
      }
      if (this.socket.destroyed || this.socket.readableEnded) throw new Error('connection closed before an answer');
      await new Promise<void>((r) => (this.waiting = r));
      this.waiting = null;
    }
  }

  close(): Promise<string> {
    this.socket.end();
    return this.closed;
  }
}

const decide = async (c: Conn) => {
  const r = await c.request('POST', '/access/v1/evaluation', BODY);
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).decision, true);
};

it('max_connections 2: a third concurrent connection is closed at once, the two are served, then new ones are', async (t) => {
  const a = await Conn.open();
  const b = await Conn.open();
  await decide(a);
  await decide(b);

  // The third: accepted by the kernel, closed by the agent before any byte is read or written.
  const c = await Conn.open();
  const t0 = performance.now();
  const how = await Promise.race([c.closed, new Promise<string>((r) => setTimeout(() => r('still open'), 5000))]);
  t.diagnostic(`third connection closed by the agent after ${(performance.now() - t0).toFixed(1)} ms (${how}), ${c.received} bytes received`);
  assert.notEqual(how, 'still open');
  assert.equal(c.received, 0);
  await assert.rejects(c.request('POST', '/access/v1/evaluation', BODY), /connection closed|EPIPE|ECONNRESET/);

  // The two open connections are still served, and the refusal is counted and logged.
  await decide(a);
  await decide(b);
  const metrics = await a.request('GET', '/metrics');
  assert.equal(metricValue(metrics.body, 'vengtoo_agent_connections_rejected_total'), 1);
  const warn = await agent.waitForLine((l) => l.msg === 'max_connections reached: new connections are closed at once', 5000);
  assert.equal(warn.max_connections, 2);
  assert.equal(warn.refused, 1);

  // More refusals while both stay open: each is counted (the warning is not repeated within a minute).
  for (let i = 0; i < 5; i++) {
    const d = await Conn.open();
    await d.closed;
    assert.equal(d.received, 0);
  }
  assert.equal(metricValue((await b.request('GET', '/metrics')).body, 'vengtoo_agent_connections_rejected_total'), 6);

  // Both close: new connections are served again, two at a time.
  await a.close();
  await b.close();
  const t1 = performance.now();
  const fresh = await waitFor(async () => {
    const x = await Conn.open();
    try {
      await decide(x);
      return x;
    } catch {
      x.socket.destroy();
      return undefined;
    }
  }, 5000, 20);
  t.diagnostic(`a new connection was served ${(performance.now() - t1).toFixed(1)} ms after the two closed`);
  const second = await Conn.open();
  await decide(second);
  await decide(fresh);
  await fresh.close();
  await second.close();
  assert.equal(agent.lines.filter((l) => l.msg === 'max_connections reached: new connections are closed at once').length, 1);
});
