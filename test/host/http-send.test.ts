// http.send through the real engine and the real I/O worker, against a local HTTP server.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { hostHooks, type HostOptions } from '../../src/host/index.js';
import { compile, RegoError, type HostHooks, type Value } from '../../src/rego/index.js';
import { toJSON } from '../../src/rego/value.js';
import { startServer, type TestServer } from './server.js';

const T = { timeout: 15_000 };

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.close();
});

/** Evaluates `p := http.send(<request>)` with `input.url` available; returns plain JSON. */
function send(request: string, input: Record<string, unknown>, host: HostHooks = hostHooks()): any {
  const policy = compile([{ file: 't.rego', source: `package t\np := http.send(${request})` }], { host, strictBuiltinErrors: true });
  return plain(policy.entrypoint('t/p')!.evaluate(input as Value));
}

function plain(v: Value | undefined): any {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(toJSON(v), (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));
}

function sendError(request: string, input: Record<string, unknown>, host?: HostHooks): string {
  try {
    send(request, input, host);
  } catch (e) {
    assert.ok(e instanceof RegoError, String(e));
    return e.message;
  }
  assert.fail('expected an error');
}

const GET = '{"method": "get", "url": input.url}';

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('http.send', () => {
  test('GET: JSON body parsed (big integers exact), status, raw body, headers', T, () => {
    const r = send(GET, { url: `${server.base}/json` });
    assert.equal(r.status, '200 OK');
    assert.equal(r.status_code, 200);
    assert.deepEqual(r.body, { hello: 'world', n: 1, big: '12345678901234567890n' });
    assert.equal(r.raw_body, '{"hello": "world", "n": 1, "big": 12345678901234567890}');
    assert.deepEqual(r.headers['content-type'], ['application/json']);
    assert.ok(Array.isArray(r.headers.date));
  });

  test('POST with a JSON body (Go encoding, content-type set) and with raw_body', T, () => {
    const r = send('{"method": "post", "url": input.url, "body": {"b": "<x>", "a": [1, 2]}}', { url: `${server.base}/echo` });
    assert.equal(r.body.method, 'POST');
    assert.equal(r.body.body, '{"a":[1,2],"b":"\\u003cx\\u003e"}');
    assert.equal(r.body.headers['content-type'], 'application/json');
    const raw = send('{"method": "PUT", "url": input.url, "raw_body": "a=1&b=2", "headers": {"content-type": "application/x-www-form-urlencoded"}}', {
      url: `${server.base}/echo`,
    });
    assert.equal(raw.body.method, 'PUT');
    assert.equal(raw.body.body, 'a=1&b=2');
    assert.equal(raw.body.headers['content-type'], 'application/x-www-form-urlencoded');
  });

  test('request headers sent, response headers lower-cased arrays', T, () => {
    const r = send('{"method": "get", "url": input.url, "headers": {"X-Test": "one", "authorization": "Bearer t"}}', { url: `${server.base}/echo` });
    assert.equal(r.body.headers['x-test'], 'one');
    assert.equal(r.body.headers.authorization, 'Bearer t');
    assert.equal(r.body.headers['user-agent'], 'vengtoo-agent');
    const h = send(GET, { url: `${server.base}/headers` }).headers;
    assert.deepEqual(h['set-cookie'], ['a=1', 'b=2']);
    assert.deepEqual(h['x-custom'], ['yes']);
    const ua = send('{"method": "get", "url": input.url, "headers": {"user-agent": "mine"}}', { url: `${server.base}/echo` });
    assert.equal(ua.body.headers['user-agent'], 'mine');
  });

  test('non-200 statuses are returned, not raised', T, () => {
    const r = send(GET, { url: `${server.base}/status?code=418` });
    assert.equal(r.status_code, 418);
    assert.equal(r.status, "418 I'm a Teapot");
    assert.equal(r.body, null);
    assert.equal(r.raw_body, 'status body');
    assert.equal(send(GET, { url: `${server.base}/status?code=500` }).status_code, 500);
  });

  test('gzip responses are decoded; content-encoding is dropped as Go does', T, () => {
    const r = send(GET, { url: `${server.base}/gzip` });
    assert.deepEqual(r.body, { zipped: true });
    assert.equal(r.headers['content-encoding'], undefined);
  });

  test('timeout: an error with raise_error, an error object without', T, () => {
    const url = `${server.base}/slow?ms=3000`;
    let t0 = Date.now();
    const msg = sendError('{"method": "get", "url": input.url, "timeout": "200ms"}', { url });
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(msg, `t.rego:2: eval_builtin_error: http.send: Get "${url}": request timed out`);
    t0 = Date.now();
    const r = send('{"method": "get", "url": input.url, "timeout": 200000000, "raise_error": false}', { url });
    assert.ok(Date.now() - t0 < 2000);
    assert.deepEqual(r, {
      status_code: 0,
      error: {
        code: 'eval_http_send_network_error',
        message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      },
    });
  });

  test('a timeout while reading the body', T, () => {
    const r = send('{"method": "get", "url": input.url, "timeout": "300ms", "raise_error": false}', { url: `${server.base}/slowbody?ms=3000` });
    assert.equal(r.error.code, 'eval_http_send_internal_error');
    assert.match(r.error.message, /context deadline exceeded \(Client.Timeout or context cancellation while reading body\)/);
  });

  test('after a timeout the next request gets its own answer', T, () => {
    const hooks = hostHooks();
    sendError('{"method": "get", "url": input.url, "timeout": "100ms"}', { url: `${server.base}/slow?ms=400` }, hooks);
    const r = send(GET, { url: `${server.base}/json` }, hooks);
    assert.equal(r.body.hello, 'world');
    const r2 = send(GET, { url: `${server.base}/slow?ms=600` }, hooks);
    assert.equal(r2.body.slow, true);
  });

  test('connection refused: error, or error object', T, async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/`;
    assert.equal(
      sendError(GET, { url }),
      `t.rego:2: eval_builtin_error: http.send: Get "${url}": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    );
    const r = send('{"method": "post", "url": input.url, "raise_error": false}', { url });
    assert.deepEqual(r.error, {
      code: 'eval_http_send_network_error',
      message: `Post "${url}": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  test('max_retry_attempts retries network errors with back-off', T, async () => {
    const port = await closedPort();
    const t0 = Date.now();
    const r = send('{"method": "get", "url": input.url, "raise_error": false, "max_retry_attempts": 2}', { url: `http://127.0.0.1:${port}/` });
    assert.equal(r.error.code, 'eval_http_send_network_error');
    assert.ok(Date.now() - t0 >= 200, 'two back-offs of 100ms and ~160ms');
  });

  test('redirects: returned as-is by default, followed with enable_redirect', T, () => {
    const url = `${server.base}/redirect`;
    const r = send(GET, { url });
    assert.equal(r.status_code, 302);
    assert.deepEqual(r.headers.location, ['/json']);
    assert.equal(r.raw_body, 'moved');
    const f = send('{"method": "get", "url": input.url, "enable_redirect": true}', { url });
    assert.equal(f.status_code, 200);
    assert.equal(f.body.hello, 'world');
    // 307 repeats the method and body; 302 turns POST into GET.
    const p = send('{"method": "post", "url": input.url, "body": {"x": 1}, "enable_redirect": true}', { url: `${url}?code=307&to=/echo` });
    assert.equal(p.body.method, 'POST');
    assert.equal(p.body.body, '{"x":1}');
    const g = send('{"method": "post", "url": input.url, "body": {"x": 1}, "enable_redirect": true}', { url: `${url}?code=302&to=/echo` });
    assert.equal(g.body.method, 'GET');
    assert.equal(g.body.body, '');
    const loop = `${server.base}/loop`;
    assert.equal(
      sendError('{"method": "get", "url": input.url, "enable_redirect": true}', { url: loop }),
      `t.rego:2: eval_builtin_error: http.send: Get "${loop}": stopped after 10 redirects`,
    );
  });

  test('cache: a second evaluation within max-age is served from the cache', T, async () => {
    const hooks = hostHooks();
    const req = '{"method": "get", "url": input.url, "cache": true}';
    const url = `${server.base}/cached`;
    const a = send(req, { url }, hooks);
    const b = send(req, { url }, hooks);
    assert.deepEqual(a.body, { n: 1 });
    assert.deepEqual(b, a);
    assert.equal(await server.hits('/cached'), 1);
    // Without `cache` every evaluation asks again; within one evaluation it asks once.
    send(GET, { url }, hooks);
    assert.equal(await server.hits('/cached'), 2);
    const policy = compile([{ file: 't.rego', source: `package t\np := [http.send(${GET}), http.send(${GET})]` }], { host: hooks });
    policy.entrypoint('t/p')!.evaluate({ url });
    assert.equal(await server.hits('/cached'), 3);
    // no-store responses are never kept.
    const ns = `${server.base}/nostore`;
    send(req, { url: ns }, hooks);
    assert.deepEqual(send(req, { url: ns }, hooks).body, { n: 2 });
  });

  test('force_cache keeps a response for force_cache_duration_seconds', T, async () => {
    let now = Date.now();
    const hooks = hostHooks({ now: () => now });
    const req = '{"method": "get", "url": input.url, "force_cache": true, "force_cache_duration_seconds": 60}';
    const url = `${server.base}/counter`;
    assert.deepEqual(send(req, { url }, hooks).body, { n: 1 });
    now += 59_000;
    assert.deepEqual(send(req, { url }, hooks).body, { n: 1 });
    assert.equal(await server.hits('/counter'), 1);
    now += 2_000;
    assert.deepEqual(send(req, { url }, hooks).body, { n: 2 });
    assert.equal(await server.hits('/counter'), 2);
    assert.match(
      sendError('{"method": "get", "url": input.url, "force_cache": true}', { url }, hooks),
      /'force_cache' set but 'force_cache_duration_seconds' parameter is missing/,
    );
  });

  test('a stale entry with an ETag is revalidated (304 keeps the cached body)', T, async () => {
    const hooks = hostHooks();
    const req = '{"method": "get", "url": input.url, "cache": true}';
    const url = `${server.base}/etag`;
    const a = send(req, { url }, hooks);
    const b = send(req, { url }, hooks);
    assert.deepEqual(a.body, { n: 1 });
    assert.deepEqual(b.body, { n: 1 });
    assert.deepEqual(b.headers['x-revalidated'], ['2']);
    assert.equal(await server.hits('/etag'), 2);
  });

  test('YAML bodies by content type or force_yaml_decode; force_json_decode', T, () => {
    assert.deepEqual(send(GET, { url: `${server.base}/yaml` }).body, { a: 1, b: ['x', 'y'] });
    assert.deepEqual(send(GET, { url: `${server.base}/yaml?type=application/x-yaml` }).body, { a: 1, b: ['x', 'y'] });
    const text = `${server.base}/yaml?type=text/plain`;
    assert.equal(send(GET, { url: text }).body, null);
    assert.deepEqual(send('{"method": "get", "url": input.url, "force_yaml_decode": true}', { url: text }).body, { a: 1, b: ['x', 'y'] });
    const tj = `${server.base}/text-json`;
    assert.equal(send(GET, { url: tj }).body, null);
    assert.deepEqual(send('{"method": "get", "url": input.url, "force_json_decode": true}', { url: tj }).body, { a: [1, 2] });
  });

  test('the allow-list blocks other hosts, also behind redirects', T, () => {
    const only = hostHooks({ allowNet: ['localhost'] });
    const url = `${server.base}/json`;
    assert.equal(sendError(GET, { url }, only), 't.rego:2: eval_builtin_error: http.send: unallowed host: 127.0.0.1');
    assert.deepEqual(send('{"method": "get", "url": input.url, "raise_error": false}', { url }, only).error, {
      code: 'eval_http_send_internal_error',
      message: 'eval_builtin_error: http.send: unallowed host: 127.0.0.1',
    });
    const ip = hostHooks({ allowNet: ['127.0.0.1'] });
    assert.equal(send(GET, { url }, ip).status_code, 200);
    const to = `http://localhost:${server.port}/json`;
    assert.equal(
      sendError('{"method": "get", "url": input.url, "enable_redirect": true}', { url: `${server.base}/redirect?to=${encodeURIComponent(to)}` }, ip),
      `t.rego:2: eval_builtin_error: http.send: Get "${to}": unallowed host: localhost`,
    );
  });

  test('request errors: OPA messages; unsupported TLS options are refused', T, () => {
    const url = `${server.base}/json`;
    assert.equal(
      sendError('{"method": "get", "url": input.url, "timeout": "abc"}', { url }),
      't.rego:2: eval_builtin_error: http.send: invalid timeout value "abc": time: invalid duration "abc"',
    );
    assert.equal(
      sendError('{"method": "get", "url": input.url, "timeout": true}', { url }),
      "t.rego:2: eval_type_error: http.send: operand 1 'timeout' must be one of {string, number} but got boolean",
    );
    assert.equal(
      sendError('{"method": "get", "url": input.url, "headers": {"x": 1}}', { url }),
      't.rego:2: eval_builtin_error: http.send: invalid type for headers value "1"',
    );
    assert.match(sendError('{"method": "get", "url": input.url, "tls_insecure_skip_verify": true}', { url }), /"tls_insecure_skip_verify" is not supported/);
    assert.match(sendError('{"method": "get", "url": input.url, "tls_client_cert": "x", "tls_client_key": "y"}', { url }), /client certificates/);
    assert.equal(send('{"method": "get", "url": input.url, "tls_insecure_skip_verify": false}', { url }).status_code, 200);
    assert.equal(
      sendError('{"method": "get", "url": "ftp://example.com/x"}', {}),
      't.rego:2: eval_builtin_error: http.send: Get "ftp://example.com/x": unsupported protocol scheme "ftp"',
    );
    assert.equal(
      sendError('{"method": "get", "url": input.url, "foo": 1}', { url }),
      't.rego:2: eval_type_error: http.send: operand 1 invalid request parameters(s): {"foo"}',
    );
    assert.deepEqual(send('{"method": "get", "url": input.url, "foo": 1, "raise_error": false}', { url }).error, {
      code: 'eval_http_send_internal_error',
      message: 't.rego:2: eval_type_error: http.send: operand 1 invalid request parameters(s): {"foo"}',
    });
  });

  test('bodies over maxBodyBytes fail', T, () => {
    const hooks = hostHooks({ maxBodyBytes: 1000 } satisfies HostOptions);
    assert.equal(send(GET, { url: `${server.base}/big?n=1000` }, hooks).raw_body.length, 1000);
    assert.match(sendError(GET, { url: `${server.base}/big?n=1001` }, hooks), /response body exceeds the limit of 1000 bytes/);
  });
});
