// `vengtoo-agent build`: a signed bundle round trip (build → read with the trusted key → compile →
// evaluate), the agent's loader, a tampered bundle rejected, a broken policy refused.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPolicy } from '../../src/agent/policy-files.js';
import { BundleError, readBundle, tarGz, untarGz, type TrustedKeys } from '../../src/bundle/index.js';
import { compile } from '../../src/rego/index.js';
import { cli, tempDir, type CliResult } from './tooling-helpers.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const PUBLIC = publicKey.export({ type: 'spki', format: 'pem' }) as string;
const KEYS: TrustedKeys = { ci: { algorithm: 'RS256', key: PUBLIC } };

let t: ReturnType<typeof tempDir>;
const runs: Record<string, Promise<CliResult>> = {};

before(() => {
  t = tempDir({
    'policy/authz/allow.rego': 'package app.authz\n\ndefault allow := false\n\nallow if input.user in data.app.admins\n',
    'policy/authz/allow_test.rego': 'package app.authz_test\n\ntest_nothing if true\n',
    'policy/app/data.json': '{"admins": ["alice"]}',
    'broken/p.rego': 'package broken\n\np if count(1)\n',
    'key.pem': PRIVATE,
  });
  writeFileSync(join(t.dir, 'trusted.json'), JSON.stringify(KEYS));
  runs.signed = cli(['build', 'policy', '-o', 'signed.tar.gz', '--revision', 'v7', '--signing-key', 'key.pem', '--key-id', 'ci'], t.dir);
  // eval reads the bundle it built, verifying it with the trusted keys.
  runs.evalSigned = runs.signed.then(() => cli(['eval', '-d', 'signed.tar.gz', '--trusted-keys-path', 'trusted.json', '-i', '-', 'data.app.authz.allow'], t.dir, '{"user": "alice"}'));
  runs.hmac = cli(['build', 'policy', '-o', 'hmac.tar.gz', '--signing-key', 's3cret', '--signing-alg', 'HS256', '--roots', 'app'], t.dir);
  runs.broken = cli(['build', 'broken', '-o', 'broken.tar.gz'], t.dir);
  runs.badRoots = cli(['build', 'policy', '-o', 'roots.tar.gz', '--roots', 'other'], t.dir);
});
after(() => t.cleanup());

it('builds a signed bundle that reads back, verifies with the public key, compiles and decides', async () => {
  const r = await runs.signed;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote signed\.tar\.gz: 1 module, revision "v7", signed with RS256 \(key id "ci"\)/);
  const bytes = readFileSync(join(t.dir, 'signed.tar.gz'));
  const b = await readBundle(bytes, { verify: { keys: KEYS, required: true } });
  assert.equal(b.manifest.revision, 'v7');
  assert.equal(b.signature?.keyId, 'ci');
  assert.deepEqual([...b.files.keys()].sort(), ['.manifest', '.signatures.json', 'authz/allow.rego', 'data.json']);
  assert.deepEqual(b.data, { app: { admins: ['alice'] } });
  const policy = compile(b.modules, { data: b.data });
  assert.equal(policy.entrypoint('app/authz/allow')?.evaluate({ user: 'alice' }), true);
  assert.equal(policy.entrypoint('app/authz/allow')?.evaluate({ user: 'bob' }), false);
});

it('eval loads the signed bundle with --trusted-keys-path', async () => {
  const r = await runs.evalSigned;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).result[0].expressions[0].value, true);
});

it("the agent's loader (--policy bundle.tar.gz) verifies it with trusted keys", async () => {
  await runs.signed;
  const keysPath = join(t.dir, 'agent-keys.json');
  writeFileSync(keysPath, JSON.stringify(KEYS));
  const src = await readPolicy(join(t.dir, 'signed.tar.gz'), { trustedKeysPath: keysPath, signatureRequired: true });
  assert.equal(src.revision, 'v7');
  writeFileSync(keysPath, JSON.stringify({ other: KEYS.ci }));
  await assert.rejects(readPolicy(join(t.dir, 'signed.tar.gz'), { trustedKeysPath: keysPath, signatureRequired: true }), (e: unknown) => e instanceof BundleError && e.code === 'signature_unknown_key');
});

it('a tampered bundle is rejected', async () => {
  await runs.signed;
  const files = await untarGz(readFileSync(join(t.dir, 'signed.tar.gz')), { maxBytes: 1 << 20, maxFileBytes: 1 << 20, maxFiles: 100 });
  files.set('authz/allow.rego', new TextEncoder().encode('package app.authz\n\nallow := true\n'));
  const tampered = await tarGz([...files].map(([path, bytes]) => ({ path, bytes })));
  await assert.rejects(readBundle(tampered, { verify: { keys: KEYS, required: true } }), (e: unknown) => e instanceof BundleError && e.code === 'hash_mismatch');
  // A file added after signing is rejected too.
  files.set('extra.rego', new TextEncoder().encode('package extra\n'));
  const added = await tarGz([...files].map(([path, bytes]) => ({ path, bytes })));
  await assert.rejects(readBundle(added, { verify: { keys: KEYS, required: true } }), (e: unknown) => e instanceof BundleError);
});

it('HS256 with roots; the secret verifies it', async () => {
  const r = await runs.hmac;
  assert.equal(r.code, 0, r.stderr);
  const b = await readBundle(readFileSync(join(t.dir, 'hmac.tar.gz')), { verify: { keys: { default: { algorithm: 'HS256', key: 's3cret' } }, required: true } });
  assert.deepEqual(b.manifest.roots, ['app']);
  await assert.rejects(
    readBundle(readFileSync(join(t.dir, 'hmac.tar.gz')), { verify: { keys: { default: { algorithm: 'HS256', key: 'wrong' } }, required: true } }),
    (e: unknown) => e instanceof BundleError && e.code === 'signature_invalid',
  );
});

it('a policy that does not compile is not built', async () => {
  const r = await runs.broken;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^broken\/p\.rego:3:6: rego_type_error: count: invalid argument\(s\)/);
  assert.match(r.stderr, /no bundle written/);
  assert.equal(existsSync(join(t.dir, 'broken.tar.gz')), false);
});

it('roots that do not hold the packages are refused', async () => {
  const r = await runs.badRoots;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /roots/);
  assert.equal(existsSync(join(t.dir, 'roots.tar.gz')), false);
});
