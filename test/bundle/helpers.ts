// Test helpers: key pairs for every signing family and raw (hostile) tar.gz archives.

import { generateKeyPairSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import type { TrustedKeys } from '../../src/bundle/index.js';

export interface TestKey {
  algorithm: string;
  /** PEM private key or HS secret. */
  privateKey: string;
  /** PEM public key or HS secret. */
  publicKey: string;
}

export function testKey(algorithm: string): TestKey {
  if (algorithm.startsWith('HS')) return { algorithm, privateKey: 'correct horse battery staple ' + algorithm, publicKey: 'correct horse battery staple ' + algorithm };
  const pair = algorithm.startsWith('RS') || algorithm.startsWith('PS')
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[algorithm]! });
  return {
    algorithm,
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

export function trusted(id: string, k: TestKey): TrustedKeys {
  return { [id]: { algorithm: k.algorithm, key: k.publicKey } };
}

export interface RawEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO';
  body?: string | Uint8Array;
  linkpath?: string;
  /** Header size to claim (defaults to the body length). */
  size?: number;
}

/** A tar.gz written entry by entry, with whatever paths and types a test wants. */
export function rawTarGz(entries: RawEntry[], opts: { endBlocks?: boolean } = {}): Uint8Array {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = typeof e.body === 'string' ? Buffer.from(e.body) : Buffer.from(e.body ?? new Uint8Array(0));
    const h = new Header({
      path: e.path,
      type: e.type ?? 'File',
      mode: 0o644,
      size: e.size ?? (e.type && e.type !== 'File' ? 0 : body.length),
      mtime: new Date(0),
      ...(e.linkpath ? { linkpath: e.linkpath } : {}),
    });
    const hb = Buffer.alloc(512);
    h.encode(hb, 0);
    blocks.push(hb, body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  if (opts.endBlocks !== false) blocks.push(Buffer.alloc(1024));
  return new Uint8Array(gzipSync(Buffer.concat(blocks)));
}
