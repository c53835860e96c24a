import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import {
  BundleError,
  hashBundleFile,
  packagePath,
  readBundle,
  untarGz,
  writeBundle,
  type BundleErrorCode,
} from '../../src/bundle/index.js';
import { rawTarGz } from './helpers.js';

async function rejects(p: Promise<unknown>, code: BundleErrorCode, file?: string): Promise<BundleError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof BundleError, `expected BundleError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (file !== undefined) assert.equal(e.file, file, e.message);
    return e;
  }
  assert.fail(`expected a ${code} error`);
}

const policy = 'package vengtoo.authz\n\ndefault allow := false\n';

describe('bundle write → read', () => {
  it('round-trips modules, data, manifest and nested data files', async () => {
    const bytes = await writeBundle({
      modules: [{ file: 'vengtoo/authz.rego', source: policy }],
      data: { vengtoo: { roles: { alice: ['admin'] }, big: 123456789012345678901234567890n, pi: 3.25 } },
      manifest: { revision: 'rev-1', roots: ['vengtoo'], metadata: { tenant_id: 'tenant-a' } },
      files: [
        { path: 'vengtoo/grants/data.json', bytes: new TextEncoder().encode('{"db": {"read": true}}') },
        { path: 'vengtoo/extra/data.yaml', bytes: new TextEncoder().encode('flag: yes\nlimit: 12345678901234567890\n') },
      ],
    });
    const b = await readBundle(bytes);
    assert.equal(b.manifest.revision, 'rev-1');
    assert.deepEqual(b.manifest.roots, ['vengtoo']);
    assert.deepEqual(b.manifest.metadata, { tenant_id: 'tenant-a' });
    assert.deepEqual(b.modules, [{ file: 'vengtoo/authz.rego', source: policy }]);
    assert.deepEqual(b.data, {
      vengtoo: {
        roles: { alice: ['admin'] },
        big: 123456789012345678901234567890n,
        pi: 3.25,
        grants: { db: { read: true } },
        extra: { flag: true, limit: 12345678901234567890n },
      },
    });
    assert.equal(b.signature, undefined);
    assert.deepEqual([...b.files.keys()].sort(), ['.manifest', 'data.json', 'vengtoo/authz.rego', 'vengtoo/extra/data.yaml', 'vengtoo/grants/data.json']);
    assert.equal(b.sha256, createHash('sha256').update(bytes).digest('hex'));
  });

  it('writes OPA-style entries ("/path", regular files) and reproducible bytes', async () => {
    const input = { modules: [{ file: 'a/b.rego', source: 'package a' }], data: { a: 1 } };
    const one = await writeBundle(input);
    const two = await writeBundle(input);
    assert.deepEqual(one, two);
    const files = await untarGz(one, { maxBytes: 1e6, maxFileBytes: 1e6, maxFiles: 10 });
    assert.deepEqual([...files.keys()], ['.manifest', 'data.json', 'a/b.rego']);
  });

  it('reads bundles with ./-prefixed and directory entries (tar -C dir .)', async () => {
    const bytes = rawTarGz([
      { path: './', type: 'Directory' },
      { path: './.manifest', body: '{"revision":"x"}' },
      { path: './a/', type: 'Directory' },
      { path: './a/data.json', body: '{"k": 1}' },
      { path: './a/p.rego', body: 'package a' },
    ]);
    const b = await readBundle(bytes);
    assert.equal(b.manifest.revision, 'x');
    assert.deepEqual(b.data, { a: { k: 1 } });
  });

  it('keeps integers beyond 2^53 exact in data.json', async () => {
    const bytes = rawTarGz([{ path: 'data.json', body: '{"n": 9007199254740993, "m": -123456789012345678901, "f": 1e400, "s": "12345678901234567"}' }]);
    const b = await readBundle(bytes);
    assert.equal(b.data.n, 9007199254740993n);
    assert.equal(b.data.m, -123456789012345678901n);
    assert.equal(b.data.s, '12345678901234567');
  });
});

describe('bundle read limits and hostile archives', () => {
  it('rejects path traversal', async () => {
    await rejects(readBundle(rawTarGz([{ path: '../evil.rego', body: 'package x' }])), 'unsafe_path');
    await rejects(readBundle(rawTarGz([{ path: 'a/../../evil.rego', body: 'package x' }])), 'unsafe_path');
    await rejects(readBundle(rawTarGz([{ path: 'a\\..\\evil.rego', body: 'package x' }])), 'unsafe_path');
  });
  it('treats a leading slash as the bundle root (OPA writes "/data.json")', async () => {
    const b = await readBundle(rawTarGz([{ path: '/x/data.json', body: '{"k":1}' }]));
    assert.deepEqual(b.data, { x: { k: 1 } });
  });
  it('rejects symlinks, hard links and devices', async () => {
    await rejects(readBundle(rawTarGz([{ path: 'link', type: 'SymbolicLink', linkpath: '/etc/passwd' }])), 'unsupported_entry');
    await rejects(readBundle(rawTarGz([{ path: 'hard', type: 'Link', linkpath: 'data.json' }])), 'unsupported_entry');
    await rejects(readBundle(rawTarGz([{ path: 'dev', type: 'CharacterDevice' }])), 'unsupported_entry');
    await rejects(readBundle(rawTarGz([{ path: 'fifo', type: 'FIFO' }])), 'unsupported_entry');
  });
  it('rejects a file over the per-file limit', async () => {
    const big = 'x'.repeat(5000);
    await rejects(readBundle(rawTarGz([{ path: 'a.rego', body: big }]), { maxFileBytes: 4096 }), 'file_too_large', 'a.rego');
  });
  it('stops a gzip bomb at the uncompressed limit', async () => {
    const bomb = rawTarGz([{ path: 'data.json', body: new Uint8Array(20 * 1024 * 1024) }]);
    assert.ok(bomb.length < 100_000, `bomb is ${bomb.length} bytes`);
    const t = Date.now();
    // Header sizes can lie or be under the per-file limit: the inflated stream is what counts.
    await rejects(readBundle(bomb, { maxBytes: 1024 * 1024, maxFileBytes: 100 * 1024 * 1024 }), 'bundle_too_large');
    await rejects(readBundle(bomb, { maxBytes: 1024 * 1024 }), 'file_too_large', 'data.json');
    assert.ok(Date.now() - t < 2000);
  });
  it('rejects a compressed body over the limit', async () => {
    await rejects(readBundle(new Uint8Array(2048).fill(0x1f), { maxBytes: 1024 }), 'bundle_too_large');
  });
  it('rejects too many files', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ path: `f${i}.txt`, body: 'x' }));
    await rejects(readBundle(rawTarGz(entries), { maxFiles: 10 }), 'too_many_files');
  });
  it('rejects the same file twice', async () => {
    await rejects(readBundle(rawTarGz([{ path: 'a.rego', body: 'package a' }, { path: './a.rego', body: 'package b' }])), 'duplicate_file', 'a.rego');
  });
  it('rejects non-gzip, corrupt gzip and truncated archives', async () => {
    await rejects(readBundle(new TextEncoder().encode('hello')), 'not_gzip');
    const good = await writeBundle({ data: { a: 'x'.repeat(10_000) } });
    const corrupt = good.slice();
    corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
    await rejects(readBundle(corrupt), 'corrupt_archive');
    await rejects(readBundle(good.subarray(0, good.length - 10)), 'corrupt_archive');
    await rejects(readBundle(good.subarray(0, 40)), 'corrupt_archive');
  });
  it('rejects a tar whose entry is cut short inside a complete gzip stream', async () => {
    const tar = Buffer.from(gzipSync(Buffer.alloc(0)));
    const bytes = rawTarGz([{ path: 'data.json', body: '{"a":1}', size: 4000 }], { endBlocks: false });
    assert.ok(tar.length > 0);
    await rejects(readBundle(bytes), 'corrupt_archive');
  });
});

describe('bundle content errors', () => {
  it('names the file of malformed JSON and YAML', async () => {
    const e = await rejects(readBundle(rawTarGz([{ path: 'a/data.json', body: '{"a": }' }])), 'invalid_json', 'a/data.json');
    assert.match(e.message, /a\/data\.json/);
    await rejects(readBundle(rawTarGz([{ path: 'b/data.json', body: '{"a": 12345678901234567890,' }])), 'invalid_json', 'b/data.json');
    await rejects(readBundle(rawTarGz([{ path: 'c/data.yaml', body: 'a: [1, 2\n' }])), 'invalid_yaml', 'c/data.yaml');
    await rejects(readBundle(rawTarGz([{ path: '.manifest', body: '{revision: 1}' }])), 'invalid_json', '.manifest');
    await rejects(readBundle(rawTarGz([{ path: 'p.rego', body: Buffer.from([0x70, 0xff, 0xfe]) }])), 'invalid_utf8', 'p.rego');
  });
  it('rejects two data files that set the same path', async () => {
    await rejects(
      readBundle(rawTarGz([
        { path: 'data.json', body: '{"a": {"b": 1}}' },
        { path: 'a/b/data.json', body: '{"c": 2}' },
      ])),
      'data_conflict',
    );
    await rejects(readBundle(rawTarGz([{ path: 'x/data.json', body: '{"k":1}' }, { path: 'x/data.yaml', body: 'k: 2' }])), 'data_conflict');
    // Disjoint keys under one path merge.
    const b = await readBundle(rawTarGz([{ path: 'x/data.json', body: '{"k":1}' }, { path: 'x/data.yaml', body: 'j: 2' }]));
    assert.deepEqual(b.data, { x: { j: 2, k: 1 } });
  });
  it('rejects a root data file that is not an object', async () => {
    await rejects(readBundle(rawTarGz([{ path: 'data.json', body: '[1]' }])), 'data_conflict');
  });
  it('enforces manifest roots on modules and data', async () => {
    const manifest = { path: '.manifest', body: JSON.stringify({ revision: '1', roots: ['vengtoo/authz'] }) };
    await readBundle(rawTarGz([manifest, { path: 'x.rego', body: '# c\npackage vengtoo.authz.rules\n' }, { path: 'vengtoo/authz/data.json', body: '{}' }]));
    await rejects(readBundle(rawTarGz([manifest, { path: 'x.rego', body: 'package other' }])), 'roots_violation', 'x.rego');
    await rejects(readBundle(rawTarGz([manifest, { path: 'other/data.json', body: '{"a":1}' }])), 'roots_violation');
    await rejects(readBundle(rawTarGz([manifest, { path: 'data.json', body: '{"vengtoo": {"x": 1}}' }])), 'roots_violation');
    await rejects(readBundle(rawTarGz([{ path: '.manifest', body: '{"roots": ["a", "a/b"]}' }])), 'manifest_invalid');
    await rejects(readBundle(rawTarGz([{ path: '.manifest', body: '{"revision": 7}' }])), 'manifest_invalid');
  });
});

describe('bundle helpers', () => {
  it('finds the package path of a module', () => {
    assert.deepEqual(packagePath('# hello\n\npackage vengtoo.authz\n'), ['vengtoo', 'authz']);
    assert.deepEqual(packagePath('package a["b-c"].d\n'), ['a', 'b-c', 'd']);
    assert.equal(packagePath('import rego.v1\npackage a'), undefined);
  });
  it('hashes structured files canonically, as OPA does', () => {
    const bytes = new TextEncoder().encode('{ "b": 1.50,\n  "a": ["x", {"z": null, "y": "\u2028<&>"}] }');
    const canonical = '{"a":["x",{"y":"\\u2028<&>","z":null}],"b":1.50}';
    assert.equal(hashBundleFile('data.json', bytes), createHash('sha256').update(canonical).digest('hex'));
    assert.equal(hashBundleFile('x/y/data.json', bytes), hashBundleFile('data.json', new TextEncoder().encode(canonical)));
    // Policies are hashed as bytes.
    const rego = new TextEncoder().encode('package a\n');
    assert.equal(hashBundleFile('a.rego', rego), createHash('sha256').update(rego).digest('hex'));
    assert.equal(hashBundleFile('a.rego', rego, 'SHA-512'), createHash('sha512').update(rego).digest('hex'));
  });
});
