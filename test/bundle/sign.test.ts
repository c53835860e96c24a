import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompactSign } from 'jose';
import { createPrivateKey } from 'node:crypto';
import {
  BundleError,
  bundleFiles,
  parseTrustedKeys,
  readBundle,
  signaturesFile,
  signFiles,
  tarGz,
  untarGz,
  writeBundle,
  type BundleErrorCode,
  type WriteBundleInput,
} from '../../src/bundle/index.js';
import { testKey, trusted } from './helpers.js';

const input: WriteBundleInput = {
  modules: [{ file: 'vengtoo/authz.rego', source: 'package vengtoo.authz\n\ndefault allow := false\n' }],
  data: { vengtoo: { roles: { alice: ['admin'] } } },
  manifest: { revision: 'r1', roots: ['vengtoo'], metadata: { tenant_id: 't1' } },
};

async function rejects(p: Promise<unknown>, code: BundleErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof BundleError, String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** Rebuilds a bundle's archive after changing its files (keeping its signature file). */
async function retar(bytes: Uint8Array, change: (files: Map<string, Uint8Array>) => void): Promise<Uint8Array> {
  const files = await untarGz(bytes, { maxBytes: 1e7, maxFileBytes: 1e7, maxFiles: 100 });
  change(files);
  return tarGz([...files].map(([path, b]) => ({ path, bytes: b })));
}

const enc = new TextEncoder();

describe('sign → verify', () => {
  for (const alg of ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'HS256', 'HS512']) {
    it(`round-trips ${alg}`, async () => {
      const k = testKey(alg);
      const bytes = await writeBundle({ ...input, signing: { algorithm: alg, key: k.privateKey, keyId: 'k1' } });
      const b = await readBundle(bytes, { verify: { keys: trusted('k1', k), required: true } });
      assert.equal(b.signature?.keyId, 'k1');
      assert.equal(b.signature?.algorithm, alg);
      assert.deepEqual(b.signature?.files.map((f) => f.name).sort(), ['.manifest', 'data.json', 'vengtoo/authz.rego']);
      assert.ok(b.signature?.files.every((f) => f.algorithm === 'SHA-256' && /^[0-9a-f]{64}$/.test(f.hash)));
      assert.equal(b.manifest.revision, 'r1');
    });
  }

  const k = testKey('ES256');
  const keys = trusted('k1', k);
  const signed = writeBundle({ ...input, signing: { algorithm: 'ES256', key: k.privateKey, keyId: 'k1' } });

  it('detects a changed file', async () => {
    const bad = await retar(await signed, (f) => f.set('vengtoo/authz.rego', enc.encode('package vengtoo.authz\n\ndefault allow := true\n')));
    await rejects(readBundle(bad, { verify: { keys } }), 'hash_mismatch');
    const badData = await retar(await signed, (f) => f.set('data.json', enc.encode('{"vengtoo":{"roles":{"mallory":["admin"]}}}')));
    await rejects(readBundle(badData, { verify: { keys } }), 'hash_mismatch');
    const badManifest = await retar(await signed, (f) => f.set('.manifest', enc.encode('{"revision":"r1","roots":[""]}')));
    await rejects(readBundle(badManifest, { verify: { keys } }), 'hash_mismatch');
  });
  it('detects an extra file', async () => {
    const bad = await retar(await signed, (f) => f.set('vengtoo/backdoor.rego', enc.encode('package vengtoo.authz\nallow := true\n')));
    await rejects(readBundle(bad, { verify: { keys } }), 'file_unsigned');
  });
  it('detects a missing file', async () => {
    const bad = await retar(await signed, (f) => f.delete('data.json'));
    await rejects(readBundle(bad, { verify: { keys } }), 'file_missing');
  });
  it('accepts a data file reformatted without changing its content (canonical hash)', async () => {
    const ok = await retar(await signed, (f) => f.set('data.json', enc.encode('{\n  "vengtoo": {\n    "roles": { "alice": [ "admin" ] }\n  }\n}\n')));
    await readBundle(ok, { verify: { keys } });
  });
  it('rejects an unknown key id, a wrong algorithm and a bad signature', async () => {
    await rejects(readBundle(await signed, { verify: { keys: trusted('other', k) } }), 'signature_unknown_key');
    await rejects(readBundle(await signed, { verify: { keys: { k1: { algorithm: 'ES384', key: k.publicKey } } } }), 'signature_alg_mismatch');
    const other = testKey('ES256');
    await rejects(readBundle(await signed, { verify: { keys: trusted('k1', other) } }), 'signature_invalid');
    // An HS token against a pinned public key (the classic alg confusion) is refused.
    const files = bundleFiles(input);
    const hs = await signFiles(files, { algorithm: 'HS256', key: k.publicKey, keyId: 'k1' });
    files.set('.signatures.json', signaturesFile(hs));
    const confused = await tarGz([...files].map(([path, bytes]) => ({ path, bytes })));
    await rejects(readBundle(confused, { verify: { keys } }), 'signature_alg_mismatch');
  });
  it('rejects a forged payload (signature over other content)', async () => {
    const bytes = await signed;
    const forged = await retar(bytes, (f) => {
      const token = (JSON.parse(new TextDecoder().decode(f.get('.signatures.json'))) as { signatures: string[] }).signatures[0];
      const [h, p, s] = token.split('.');
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { files: { name: string }[] };
      payload.files = payload.files.filter((x) => x.name !== 'data.json');
      f.set('.signatures.json', signaturesFile([h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.')));
      f.delete('data.json');
    });
    await rejects(readBundle(forged, { verify: { keys } }), 'signature_invalid');
  });
  it('uses the deprecated keyid claim when the header has no kid', async () => {
    const files = bundleFiles(input);
    const payload = { files: [] as unknown[], keyid: 'k1' };
    const { fileInfos } = await import('../../src/bundle/index.js');
    payload.files = fileInfos(files);
    const token = await new CompactSign(enc.encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256' }).sign(createPrivateKey(k.privateKey));
    files.set('.signatures.json', signaturesFile(token));
    const bytes = await tarGz([...files].map(([path, b]) => ({ path, bytes: b })));
    const b = await readBundle(bytes, { verify: { keys } });
    assert.equal(b.signature?.keyId, 'k1');
  });
  it('checks the scope', async () => {
    const scoped = await writeBundle({ ...input, signing: { algorithm: 'ES256', key: k.privateKey, keyId: 'k1', scope: 'write' } });
    await readBundle(scoped, { verify: { keys, scope: 'write' } });
    await rejects(readBundle(scoped, { verify: { keys } }), 'signature_scope_mismatch');
  });
  it('rejects unsigned bundles when signatures are required, and signed ones without keys', async () => {
    const unsigned = await writeBundle(input);
    await readBundle(unsigned, { verify: { keys } });
    await readBundle(unsigned);
    await rejects(readBundle(unsigned, { verify: { keys, required: true } }), 'signature_missing');
    await rejects(readBundle(await signed), 'signature_no_keys');
    await readBundle(await signed, { skipVerification: true });
  });
  it('rejects malformed .signatures.json', async () => {
    for (const body of ['not json', '{"signatures": []}', '{"signatures": ["a.b.c", "d.e.f"]}', '{"signatures": ["garbage"]}']) {
      const bad = await retar(await signed, (f) => f.set('.signatures.json', enc.encode(body)));
      await assert.rejects(readBundle(bad, { verify: { keys } }), (e: unknown) => e instanceof BundleError && e.isSignatureError);
    }
  });
  it('excludes files matching exclude patterns', async () => {
    const bad = await retar(await signed, (f) => f.set('docs/readme.md', enc.encode('hi')));
    await readBundle(bad, { verify: { keys, exclude: ['docs/*.md'] } });
  });
  it('validates trusted key files', () => {
    assert.throws(() => parseTrustedKeys({ k: { algorithm: 'none', key: 'x' } }), /unsupported algorithm/);
    assert.throws(() => parseTrustedKeys({ k: { algorithm: 'RS256', key: 'not a pem' } }), /cannot load/);
    assert.deepEqual(Object.keys(parseTrustedKeys({ a: { algorithm: 'HS256', key: 'secret' }, b: { algorithm: 'ES256', key: k.publicKey } })), ['a', 'b']);
  });
});
