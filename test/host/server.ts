// A test HTTP server on 127.0.0.1, run in its own worker thread: the hooks under test block
// the main thread while they wait, so a server on the main thread could never answer.

import { Worker } from 'node:worker_threads';

const SERVER = String.raw`
const http = require('node:http');
const zlib = require('node:zlib');
const { parentPort } = require('node:worker_threads');
const hits = new Map();

function json(res, status, v, headers) {
  res.writeHead(status, Object.assign({ 'content-type': 'application/json' }, headers || {}));
  res.end(typeof v === 'string' ? v : JSON.stringify(v));
}

function route(req, res, u, body, n) {
  const q = (k) => u.searchParams.get(k);
  switch (u.pathname) {
    case '/json':
      return json(res, 200, '{"hello": "world", "n": 1, "big": 12345678901234567890}');
    case '/echo':
      return json(res, 200, { method: req.method, headers: req.headers, body });
    case '/status':
      res.writeHead(Number(q('code')), { 'content-type': 'text/plain' });
      return res.end('status body');
    case '/slow':
      return setTimeout(() => json(res, 200, { slow: true, n }), Number(q('ms')));
    case '/slowbody':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part');
      return setTimeout(() => res.end('rest'), Number(q('ms')));
    case '/redirect':
      res.writeHead(Number(q('code') || 302), { location: q('to') || '/json' });
      return res.end('moved');
    case '/loop':
      res.writeHead(302, { location: '/loop' });
      return res.end();
    case '/cached':
      return json(res, 200, { n }, { 'cache-control': 'max-age=60' });
    case '/nostore':
      return json(res, 200, { n }, { 'cache-control': 'no-store' });
    case '/counter':
      return json(res, 200, { n });
    case '/etag':
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=0', 'x-revalidated': String(n) });
        return res.end();
      }
      return json(res, 200, { n }, { etag: '"v1"', 'cache-control': 'max-age=0' });
    case '/yaml':
      res.writeHead(200, { 'content-type': q('type') || 'application/yaml' });
      return res.end('a: 1\nb:\n  - x\n  - "y"\n');
    case '/text-json':
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('{"a": [1, 2]}');
    case '/headers':
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.setHeader('X-Custom', 'yes');
      return json(res, 200, {});
    case '/gzip': {
      const z = zlib.gzipSync(JSON.stringify({ zipped: true }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': z.length });
      return res.end(z);
    }
    case '/big':
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('x'.repeat(Number(q('n'))));
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  if (u.pathname === '/__hits') return json(res, 200, String(hits.get(u.searchParams.get('path')) || 0));
  const n = (hits.get(u.pathname) || 0) + 1;
  hits.set(u.pathname, n);
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (body += c));
  req.on('end', () => route(req, res, u, body, n));
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

export interface TestServer {
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** How many requests a path has received. */
  hits(path: string): Promise<number>;
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const worker = new Worker(SERVER, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    port,
    base,
    hits: async (path) => Number(await (await fetch(`${base}/__hits?path=${encodeURIComponent(path)}`)).json()),
    close: async () => {
      await worker.terminate();
    },
  };
}
