// Bundle signing in OPA's format: `/.signatures.json` = {"signatures": ["<JWS compact>"]}, the JWS
// protected header {"alg", "kid"?} and payload {"files": [{"name","hash","algorithm"}...],
// "keyid"?, "scope"?, ...claims}. Every file of the bundle except .signatures.json is listed.

import type { KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import { BundleError } from './errors.js';
import { DEFAULT_HASH_ALGORITHM, hashBundleFile } from './hash.js';
import { isSigningAlgorithm, signingKey } from './keys.js';

export const SIGNATURES_FILE = '.signatures.json';

export interface FileInfo {
  name: string;
  hash: string;
  algorithm: string;
}

export interface SigningOptions {
  /** RS256/384/512, PS256/384/512, ES256/384/512, EdDSA, HS256/384/512. */
  algorithm: string;
  /** PEM private key, or the shared secret for HS*; or a ready KeyObject. */
  key: string | KeyObject;
  /** Goes into the JWS header `kid` (and, as OPA does for compatibility, the `keyid` claim). */
  keyId?: string;
  scope?: string;
  /** Extra payload claims (iat, iss, ...). */
  claims?: Record<string, unknown>;
}

/** The file list of a signature payload, in the given order. */
export function fileInfos(files: Iterable<[string, Uint8Array]>, algorithm = DEFAULT_HASH_ALGORITHM): FileInfo[] {
  const out: FileInfo[] = [];
  for (const [name, bytes] of files) {
    if (name === SIGNATURES_FILE) continue;
    out.push({ name, hash: hashBundleFile(name, bytes, algorithm), algorithm });
  }
  return out;
}

/** Signs the bundle's files; returns the JWS compact token. */
export async function signFiles(files: Iterable<[string, Uint8Array]>, opts: SigningOptions): Promise<string> {
  if (!isSigningAlgorithm(opts.algorithm)) throw new BundleError('key_invalid', `unsupported signing algorithm ${JSON.stringify(opts.algorithm)}`);
  const payload: Record<string, unknown> = { files: fileInfos(files) };
  if (opts.keyId) payload.keyid = opts.keyId;
  if (opts.scope) payload.scope = opts.scope;
  if (opts.claims) Object.assign(payload, opts.claims);
  const header: { alg: string; kid?: string } = { alg: opts.algorithm };
  if (opts.keyId) header.kid = opts.keyId;
  const key = signingKey(opts.algorithm, opts.key);
  try {
    return await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header).sign(key);
  } catch (e) {
    throw new BundleError('key_invalid', `cannot sign with ${opts.algorithm}: ${(e as Error).message}`, undefined, { cause: e });
  }
}

/** The `.signatures.json` file content for a token. */
export function signaturesFile(token: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ signatures: [token] }, null, 1) + '\n');
}
