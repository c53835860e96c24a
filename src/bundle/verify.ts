// Bundle signature verification, as OPA does it (bundle/verify.go): exactly one JWS in
// .signatures.json; key id from the configuration, else the JWS header `kid`, else the deprecated
// `keyid` claim; the algorithm pinned by the trusted key (a token with another `alg` is refused);
// payload `scope` must equal the configured one; then every file of the bundle except
// .signatures.json must be listed with a matching digest, and every listed file must be present.

import { compactVerify, decodeProtectedHeader, errors as joseErrors } from 'jose';
import { BundleError } from './errors.js';
import { hashBundleFile } from './hash.js';
import { type TrustedKeys, verificationKey } from './keys.js';
import { SIGNATURES_FILE, type FileInfo } from './sign.js';

export interface VerifyOptions {
  /** Trusted keys by key id (see keys.ts / trusted_keys_path). */
  keys: TrustedKeys;
  /** Force this key id (OPA's `keyid` verification setting); else the token's `kid`. */
  keyId?: string;
  /** Required payload scope; else the key's scope; else none. */
  scope?: string;
  /** Glob patterns (path.Match style) of files left out of verification. */
  exclude?: string[];
  /** Reject unsigned bundles (bundle_signature_required). */
  required?: boolean;
}

export interface VerifiedSignature {
  keyId: string;
  algorithm: string;
  files: FileInfo[];
  claims: Record<string, unknown>;
}

const utf8 = new TextDecoder('utf-8');

/**
 * Verifies a bundle's files against its signature. Returns undefined for an unsigned bundle that
 * is allowed to be unsigned. Throws BundleError for anything else that does not hold.
 */
export async function verifyBundleFiles(
  files: Map<string, Uint8Array>,
  opts: VerifyOptions | undefined,
): Promise<VerifiedSignature | undefined> {
  const sigBytes = files.get(SIGNATURES_FILE);
  if (sigBytes === undefined) {
    if (opts?.required) throw new BundleError('signature_missing', 'bundle is not signed (no .signatures.json) and signatures are required');
    return undefined;
  }
  if (!opts || Object.keys(opts.keys).length === 0) {
    throw new BundleError('signature_no_keys', 'bundle is signed but no trusted keys are configured to verify it');
  }
  const token = parseSignaturesFile(sigBytes);

  let header: { kid?: unknown; alg?: unknown };
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token);
    const payloadPart = token.split('.')[1] ?? '';
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw new Error('payload is not an object');
  } catch (e) {
    throw new BundleError('signature_malformed', `cannot decode the signature token: ${(e as Error).message}`, SIGNATURES_FILE);
  }
  const keyId = opts.keyId || (typeof header.kid === 'string' ? header.kid : '') || (typeof claims.keyid === 'string' ? claims.keyid : '');
  if (!keyId) throw new BundleError('signature_unknown_key', 'the signature names no key id (kid)', SIGNATURES_FILE);
  const trusted = Object.prototype.hasOwnProperty.call(opts.keys, keyId) ? opts.keys[keyId] : undefined;
  if (!trusted) throw new BundleError('signature_unknown_key', `key id ${JSON.stringify(keyId)} is not a trusted key`, SIGNATURES_FILE);
  if (header.alg !== trusted.algorithm) {
    throw new BundleError('signature_alg_mismatch', `token algorithm ${JSON.stringify(header.alg)} is not the ${trusted.algorithm} pinned for key ${JSON.stringify(keyId)}`, SIGNATURES_FILE);
  }
  const key = verificationKey(trusted, keyId);
  try {
    await compactVerify(token, key, { algorithms: [trusted.algorithm] });
  } catch (e) {
    if (e instanceof joseErrors.JOSEAlgNotAllowed) throw new BundleError('signature_alg_mismatch', (e as Error).message, SIGNATURES_FILE);
    throw new BundleError('signature_invalid', `signature does not verify with key ${JSON.stringify(keyId)}: ${(e as Error).message}`, SIGNATURES_FILE);
  }
  const wantScope = opts.scope || trusted.scope || '';
  const gotScope = typeof claims.scope === 'string' ? claims.scope : '';
  if (gotScope !== wantScope) throw new BundleError('signature_scope_mismatch', 'scope mismatch', SIGNATURES_FILE);

  const listed = new Map<string, FileInfo>();
  if (!Array.isArray(claims.files)) throw new BundleError('signature_malformed', 'payload has no "files" list', SIGNATURES_FILE);
  for (const f of claims.files as unknown[]) {
    const fi = f as Partial<FileInfo> | null;
    if (!fi || typeof fi.name !== 'string' || typeof fi.hash !== 'string') throw new BundleError('signature_malformed', 'payload file entry without name or hash', SIGNATURES_FILE);
    listed.set(fi.name.replace(/^\/+/, ''), { name: fi.name, hash: fi.hash, algorithm: typeof fi.algorithm === 'string' ? fi.algorithm : '' });
  }
  const excluded = (opts.exclude ?? []).map(globToRegExp);
  for (const [path, bytes] of files) {
    if (path === SIGNATURES_FILE) continue;
    if (excluded.some((re) => re.test(path))) {
      listed.delete(path);
      continue;
    }
    const fi = listed.get(path);
    if (!fi) throw new BundleError('file_unsigned', 'file is not included in the bundle signature', path);
    if (!fi.algorithm) throw new BundleError('signature_malformed', 'no hashing algorithm given for the file', path);
    const got = hashBundleFile(path, bytes, fi.algorithm);
    if (got !== fi.hash.toLowerCase()) throw new BundleError('hash_mismatch', `digest mismatch (signed ${fi.hash}, got ${got})`, path);
    listed.delete(path);
  }
  if (listed.size > 0) {
    throw new BundleError('file_missing', `file(s) ${[...listed.keys()].map((k) => JSON.stringify(k)).join(', ')} listed in the bundle signature are not in the bundle`);
  }
  return { keyId, algorithm: trusted.algorithm, files: [...(claims.files as FileInfo[])], claims };
}

function parseSignaturesFile(bytes: Uint8Array): string {
  let sc: unknown;
  try {
    sc = JSON.parse(utf8.decode(bytes));
  } catch (e) {
    throw new BundleError('signature_malformed', `invalid JSON: ${(e as Error).message}`, SIGNATURES_FILE);
  }
  const sigs = (sc as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(sigs) || sigs.length === 0) throw new BundleError('signature_malformed', 'missing JWT (expected exactly one)', SIGNATURES_FILE);
  if (sigs.length > 1) throw new BundleError('signature_malformed', 'multiple JWTs not supported (expected exactly one)', SIGNATURES_FILE);
  if (typeof sigs[0] !== 'string') throw new BundleError('signature_malformed', 'signature is not a string', SIGNATURES_FILE);
  return sigs[0];
}

/** Go path.Match patterns: `*` and `?` never match "/", `[...]` classes, `\` escapes. */
function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let cls = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (cls.startsWith('^')) cls = '^' + cls.slice(1);
        re += '[' + cls + ']';
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) re += '\\' + glob[++i];
    else re += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return new RegExp(re + '$');
}
