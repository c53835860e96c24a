// Local policy sources: a .rego file (with data beside it), a folder (OPA data placement,
// *_test.rego excluded), and a bundle .tar.gz — read in process, and a bundle served by an
// in-process Agent over HTTP.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent } from '../../src/agent/agent.js';
import { PolicyNotFound, readPolicy } from '../../src/agent/policy-files.js';
import { writeBundle } from '../../src/bundle/index.js';
import { loadConfig } from '../../src/config/index.js';
import { post } from './helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vengtoo-files-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('readPolicy', () => {
  it('a .rego file takes data.json / data.yaml beside it at the data root', async () => {
    const d = join(dir, 'single');
    mkdirSync(d);
    writeFileSync(join(d, 'p.rego'), 'package a\nx := data.k\n');
    writeFileSync(join(d, 'data.yaml'), 'k: 1\n');
    const src = await readPolicy(join(d, 'p.rego'));
    assert.equal(src.kind, 'file');
    assert.deepEqual(src.data, { k: 1 });
    assert.equal(src.modules.length, 1);
    assert.match(src.modules[0].file, /single\/p\.rego$/);
    assert.match(src.revision, /^[0-9a-f]{12}$/);
  });

  it('a folder: data files at their directory path, *_test.rego and hidden folders left out', async () => {
    const d = join(dir, 'folder');
    mkdirSync(join(d, 'a', 'b'), { recursive: true });
    mkdirSync(join(d, '.git'));
    writeFileSync(join(d, 'main.rego'), 'package main\nx := 1\n');
    writeFileSync(join(d, 'main_test.rego'), 'not rego at all');
    writeFileSync(join(d, 'a', 'lib.rego'), 'package a\ny := 2\n');
    writeFileSync(join(d, 'data.json'), '{"top": true}');
    writeFileSync(join(d, 'a', 'b', 'data.json'), '{"deep": 1}');
    writeFileSync(join(d, '.git', 'x.rego'), 'broken');
    writeFileSync(join(d, 'notes.txt'), 'ignored');
    const src = await readPolicy(d);
    assert.equal(src.kind, 'folder');
    assert.deepEqual(src.modules.map((m) => m.file.split('/').slice(-2).join('/')).sort(), ['a/lib.rego', 'folder/main.rego']);
    assert.deepEqual(src.data, { top: true, a: { b: { deep: 1 } } });
    // the content hash changes with any file
    writeFileSync(join(d, 'a', 'b', 'data.json'), '{"deep": 2}');
    assert.notEqual((await readPolicy(d)).contentHash, src.contentHash);
  });

  it('a Kubernetes ConfigMap volume: symlinked files, hidden ..data folders, atomic swaps', async () => {
    const d = join(dir, 'configmap');
    mkdirSync(join(d, '..2026_01'), { recursive: true });
    writeFileSync(join(d, '..2026_01', 'policy.rego'), 'package p\nx := 1\n');
    writeFileSync(join(d, '..2026_01', 'data.json'), '{"v": 1}');
    symlinkSync('..2026_01', join(d, '..data'));
    symlinkSync('..data/policy.rego', join(d, 'policy.rego'));
    symlinkSync('..data/data.json', join(d, 'data.json'));
    const first = await readPolicy(d);
    assert.equal(first.modules.length, 1, 'the copies under ..data are not loaded twice');
    assert.deepEqual(first.data, { v: 1 });
    // kubelet's update: a new timestamped folder, then ..data is swapped by rename
    mkdirSync(join(d, '..2026_02'));
    writeFileSync(join(d, '..2026_02', 'policy.rego'), 'package p\nx := 2\n');
    writeFileSync(join(d, '..2026_02', 'data.json'), '{"v": 2}');
    symlinkSync('..2026_02', join(d, '..data_tmp'));
    renameSync(join(d, '..data_tmp'), join(d, '..data'));
    const second = await readPolicy(d);
    assert.deepEqual(second.data, { v: 2 });
    assert.notEqual(second.contentHash, first.contentHash);
  });

  it('reports data conflicts naming the file', async () => {
    const d = join(dir, 'conflict');
    mkdirSync(join(d, 'a'), { recursive: true });
    writeFileSync(join(d, 'data.json'), '{"a": 1}');
    writeFileSync(join(d, 'a', 'data.json'), '{"b": 1}');
    await assert.rejects(readPolicy(d), /data\.json: data at \/a is also set by a\/data\.json/);
  });

  it('missing and unsupported paths', async () => {
    await assert.rejects(readPolicy(join(dir, 'nope.rego')), PolicyNotFound);
    writeFileSync(join(dir, 'policy.txt'), 'x');
    await assert.rejects(readPolicy(join(dir, 'policy.txt')), /unsupported policy file/);
  });

  it('a bundle .tar.gz: modules, data and the manifest revision', async () => {
    const bytes = await writeBundle({
      manifest: { revision: 'rev-42', roots: ['vengtoo'] },
      modules: [{ file: 'vengtoo/authz/policy.rego', source: 'package vengtoo.authz\n\ndecision := {"allowed": input.subject.id in data.vengtoo.users, "reason": "bundle"}\n' }],
      data: { vengtoo: { users: ['alice'] } },
    });
    writeFileSync(join(dir, 'b.tar.gz'), bytes);
    const src = await readPolicy(join(dir, 'b.tar.gz'));
    assert.equal(src.kind, 'bundle');
    assert.equal(src.revision, 'rev-42');
    assert.match(src.modules[0].file, /b\.tar\.gz\/vengtoo\/authz\/policy\.rego$/);
  });
});

it('an in-process agent serves a bundle', async () => {
  const { config } = loadConfig({
    flags: { policy: join(dir, 'b.tar.gz'), listen_addr: '127.0.0.1:0', watch: false },
    cwd: dir,
    home: dir,
    hostname: 'h',
    readFile: () => undefined,
  });
  const agent = new Agent({ config, version: 'test', logger: pino({ level: 'silent' }), write: () => {}, defaultMetrics: false });
  const addr = await agent.start();
  try {
    const url = `http://127.0.0.1:${addr.port}/access/v1/evaluation`;
    const r = await post(url, { subject: { type: 'u', id: 'alice' }, resource: { type: 'r', id: 'x' }, action: { name: 'a' } });
    assert.deepEqual(r.json(), { decision: true, allowed: true, reason: 'bundle', context: { reason: 'bundle' } });
    assert.equal(agent.state.revision, 'rev-42');
  } finally {
    await agent.stop();
  }
});
