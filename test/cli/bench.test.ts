// `vengtoo-agent bench`: output shape (JSON and table) with a small count; errors exit 2.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { bench } from '../../src/cli/bench.js';
import { cli, tempDir, type CliResult } from './tooling-helpers.js';

let t: ReturnType<typeof tempDir>;
const runs: Record<string, Promise<CliResult>> = {};

before(() => {
  t = tempDir({
    'p.rego': 'package p\n\nallow if input.n > 1\n',
    'in.json': '{"n": 2}',
  });
  runs.json = cli(['bench', '-d', 'p.rego', '-i', 'in.json', '--count', '20', '--format', 'json', 'data.p.allow'], t.dir);
  runs.table = cli(['bench', '--count', '10', 'x := 1'], t.dir);
  runs.error = cli(['bench', '--count', '10', 'count(1)'], t.dir);
});
after(() => t.cleanup());

it('--format json: samples, ns/op percentiles, ops/s, bytes/op, result count', async () => {
  const r = await runs.json;
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out), ['samples', 'ns_per_op', 'ops_per_sec', 'bytes_per_op', 'results']);
  assert.equal(out.samples, 20);
  assert.equal(out.results, 1);
  const ns = out.ns_per_op;
  assert.deepEqual(Object.keys(ns), ['median', 'p90', 'p99', 'mean', 'min', 'max']);
  assert.ok(ns.min > 0 && ns.min <= ns.median && ns.median <= ns.p90 && ns.p90 <= ns.p99 && ns.p99 <= ns.max, JSON.stringify(ns));
  assert.ok(out.ops_per_sec > 0);
  assert.ok(typeof out.bytes_per_op === 'number' && out.bytes_per_op >= 0);
});

it('the default output is a table', async () => {
  const r = await runs.table;
  assert.equal(r.code, 0, r.stderr);
  for (const row of ['samples', 'ns/op (median)', 'ns/op (p90)', 'ns/op (p99)', 'ops/s', 'B/op (heap growth)']) {
    assert.match(r.stdout, new RegExp(`^\\| ${row.replace(/[()/]/g, '\\$&')} +\\| +\\d+ \\|$`, 'm'));
  }
});

it('a query that does not compile exits 2', async () => {
  const r = await runs.error;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /rego_type_error: count/);
});

it('bench() in-process: auto count, undefined queries count 0 results', () => {
  const r = bench(() => 0, 15);
  assert.equal(r.samples, 15);
  assert.equal(r.results, 0);
  assert.ok(bench(() => 1).samples >= 10);
});
