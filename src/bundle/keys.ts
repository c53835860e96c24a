// Trusted keys (`trusted_keys_path`): a JSON object mapping key id → {algorithm, key, scope?}.
// `key` is a PEM public key (SPKI "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY" or a certificate) for the
// asymmetric algorithms, or the shared secret for HS256/384/512. Same shape as OPA's `keys` config.

import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BundleError } from './errors.js';

export interface TrustedKey {
  algorithm: string;
  key: string;
  scope?: string;
}
export type TrustedKeys = Record<string, TrustedKey>;

export const SIGNING_ALGORITHMS = [
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA',
  'HS256', 'HS384', 'HS512',
] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export function isSigningAlgorithm(a: unknown): a is SigningAlgorithm {
  return typeof a === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(a);
}

export function isHmac(alg: string): boolean {
  return alg.startsWith('HS');
}

/** Validates the parsed contents of a trusted keys file. */
export function parseTrustedKeys(json: unknown, source = 'trusted keys'): TrustedKeys {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new BundleError('key_invalid', 'must be a JSON object of key id → {algorithm, key}', source);
  }
  const out: TrustedKeys = {};
  for (const [id, v] of Object.entries(json as Record<string, unknown>)) {
    const k = v as Record<string, unknown> | null;
    if (k === null || typeof k !== 'object') throw new BundleError('key_invalid', `key ${JSON.stringify(id)} must be an object`, source);
    const algorithm = k.algorithm ?? 'RS256';
    if (!isSigningAlgorithm(algorithm)) throw new BundleError('key_invalid', `key ${JSON.stringify(id)}: unsupported algorithm ${JSON.stringify(algorithm)}`, source);
    if (typeof k.key !== 'string' || k.key === '') throw new BundleError('key_invalid', `key ${JSON.stringify(id)}: "key" must be a non-empty string`, source);
    if (k.scope !== undefined && typeof k.scope !== 'string') throw new BundleError('key_invalid', `key ${JSON.stringify(id)}: "scope" must be a string`, source);
    out[id] = { algorithm, key: k.key, ...(k.scope !== undefined ? { scope: k.scope as string } : {}) };
    verificationKey(out[id], id); // fail at load time, not at the first bundle
  }
  return out;
}

/** Reads and validates a trusted keys file. */
export async function loadTrustedKeys(path: string): Promise<TrustedKeys> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BundleError('key_invalid', `invalid JSON: ${(e as Error).message}`, path);
  }
  return parseTrustedKeys(json, path);
}

/** The KeyObject that verifies signatures for a trusted key. */
export function verificationKey(k: TrustedKey, id: string): KeyObject {
  try {
    if (isHmac(k.algorithm)) return createSecretKey(Buffer.from(k.key, 'utf8'));
    return createPublicKey(k.key);
  } catch (e) {
    throw new BundleError('key_invalid', `key ${JSON.stringify(id)}: cannot load ${k.algorithm} key: ${(e as Error).message}`);
  }
}

/** The KeyObject that signs: a PEM private key, or the shared secret for HS algorithms. */
export function signingKey(algorithm: string, key: string | KeyObject): KeyObject {
  if (typeof key !== 'string') return key;
  try {
    if (isHmac(algorithm)) return createSecretKey(Buffer.from(key, 'utf8'));
    return createPrivateKey(key);
  } catch (e) {
    throw new BundleError('key_invalid', `cannot load ${algorithm} signing key: ${(e as Error).message}`);
  }
}
