// Connection-level abuse shared by the fuzz test and `npm run fuzz`: pipelined requests, malformed
// HTTP framing, slowloris connections, and an RSS sampler for the agent process.

import { connect, type Socket } from 'node:net';
import { rawExchange, rawRequest, sampleRequests, splitResponses } from './fuzz.js';
import { canonical, maskItemErrors, type Oracle } from './oracle.js';
import { rssBytes } from './agent.js';

export interface PipelineResult {
  pipelines: number;
  requests: number;
  answered: number;
  mismatches: number;
  failures: string[];
}

/** `pipelines` connections, each writing `perPipeline` generated requests in one write. */
export async function pipelined(url: string, oracle: Oracle, pipelines: number, perPipeline: number, seed: number): Promise<PipelineResult> {
  const r: PipelineResult = { pipelines, requests: 0, answered: 0, mismatches: 0, failures: [] };
  for (let p = 0; p < pipelines; p++) {
    const reqs = sampleRequests(perPipeline, seed + p);
    r.requests += reqs.length;
    const out = await rawExchange(url, [Buffer.concat(reqs.map((s) => rawRequest(s)))], { waitMs: 3000, until: reqs.length });
    const answers = splitResponses(out);
    r.answered += answers.length;
    if (answers.length !== reqs.length) {
      r.mismatches++;
      if (r.failures.length < 10) r.failures.push(`pipeline ${p}: ${answers.length} answers to ${reqs.length} requests`);
      continue;
    }
    answers.forEach((a, i) => {
      const exp = oracle.expect(reqs[i]);
      let ok = a.status === exp.status;
      if (ok && exp.status === 200) {
        try {
          ok = canonical(maskItemErrors(JSON.parse(a.body))) === exp.body;
        } catch {
          ok = false;
        }
      }
      if (ok && exp.status !== 200) {
        try {
          ok = typeof JSON.parse(a.body).error === 'string';
        } catch {
          ok = false;
        }
      }
      if (!ok) {
        r.mismatches++;
        if (r.failures.length < 10) r.failures.push(`pipeline ${p} #${i}: got ${a.status} ${a.body.slice(0, 150)}, expected ${exp.status} ${exp.body?.slice(0, 150) ?? ''}`);
      }
    });
  }
  return r;
}

/** Malformed HTTP framing: each must get a 4xx with a JSON error body (and the connection closed). */
export const MALFORMED_HTTP: [string, string | Buffer][] = [
  ['bad request line', 'GARBAGE\r\n\r\n'],
  ['bad header name', 'POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'],
  ['header too large', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(20_000) + '\r\n\r\n'],
  ['content-length and chunked', 'POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['bad chunk size', 'POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n'],
  ['two content lengths', 'POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
  ['negative content length', 'POST /access/v1/evaluation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}'],
  ['bare LF line ends', 'GET /healthz HTTP/1.1\nHost: x\n\n'],
  ['NUL in the URL', Buffer.from('GET /heal\u0000thz HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1')],
  ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  // The garbage arrives before the first answer is finished: that answer is sent, then the
  // connection is closed (no error response can be interleaved), as Node's own handler does.
  ['valid, then garbage', 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n'],
];

/** Every response in the exchange: a status and, for 4xx, a JSON {"error"} body. */
export async function malformedHttp(url: string): Promise<{ name: string; statuses: number[]; ok: boolean; raw: string }[]> {
  const out = [];
  for (const [name, bytes] of MALFORMED_HTTP) {
    const raw = await rawExchange(url, [bytes], { waitMs: 1000 });
    const answers = splitResponses(raw);
    const ok =
      answers.length > 0 &&
      answers.every((a) => {
        if (a.status === 200) return true;
        if (a.status < 400 || a.status >= 500) return false;
        try {
          return typeof JSON.parse(a.body).error === 'string' && /content-type: application\/json/i.test(a.headers);
        } catch {
          return false;
        }
      }) &&
      (answers.at(-1)!.status >= 400 || name === 'valid, then garbage');
    out.push({ name, statuses: answers.map((a) => a.status), ok, raw: raw.subarray(0, 200).toString('latin1') });
  }
  return out;
}

/**
 * Slowloris: `n` connections that send a request one byte every `gapMs` (headers first, then a body
 * that never completes). Returns a handle to stop them and count what the server did with them.
 */
export function slowloris(url: string, n: number, gapMs: number): { stop: () => { open: number; closedByServer: number; answers: string[] } } {
  const u = new URL(url);
  const head = 'POST /access/v1/evaluation HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nX-Padding: ' + 'p'.repeat(200) + '\r\n\r\n{"subject":';
  const socks: { s: Socket; closed: boolean; data: string }[] = [];
  let stopped = false;
  for (let i = 0; i < n; i++) {
    const entry = { s: connect(Number(u.port), u.hostname), closed: false, data: '' };
    entry.s.on('error', () => undefined);
    entry.s.on('data', (c: Buffer) => (entry.data += c.toString('utf8')));
    entry.s.on('close', () => (entry.closed = true));
    let pos = 0;
    const drip = () => {
      if (stopped || entry.closed) return;
      entry.s.write(pos < head.length ? head[pos] : ' ');
      pos++;
      setTimeout(drip, gapMs);
    };
    entry.s.on('connect', drip);
    socks.push(entry);
  }
  return {
    stop: () => {
      stopped = true;
      const closedByServer = socks.filter((e) => e.closed).length;
      const answers = socks.filter((e) => e.data !== '').map((e) => e.data.slice(0, 200));
      const open = socks.length - closedByServer;
      for (const e of socks) e.s.destroy();
      return { open, closedByServer, answers };
    },
  };
}

/** Samples a process's RSS every `everyMs` until stopped; returns start, max and last. */
export function rssSampler(pid: number, everyMs = 250): { stop: () => { startMB: number; maxMB: number; endMB: number } } {
  const start = rssBytes(pid);
  let max = start;
  let last = start;
  const t = setInterval(() => {
    last = rssBytes(pid);
    if (last > max) max = last;
  }, everyMs);
  const mb = (b: number) => Math.round(b / 1048576);
  return {
    stop: () => {
      clearInterval(t);
      last = rssBytes(pid);
      max = Math.max(max, last);
      return { startMB: mb(start), maxMB: mb(max), endMB: mb(last) };
    },
  };
}
