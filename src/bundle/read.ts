// Reading an OPA-format bundle (.tar.gz) from memory. Order matters:
//   1. inflate and list the archive under size/count limits, rejecting unsafe entries (tar.ts);
//   2. verify the signature over the raw files (verify.ts) — before anything is parsed as
//      policy or data, so an unverified bundle never reaches the parsers;
//   3. parse the manifest, the data files (merged at their directory paths) and collect modules;
//   4. check the manifest roots against the modules and data.
// Compiling the modules is the caller's job (the agent compiles, then swaps).

import { createHash } from 'node:crypto';
import type { PlainObject, Value } from '../rego/value.js';
import { BundleError } from './errors.js';
import { parseJSONRaw, parseJSONValue, parseYAMLValue, setOwn, RawNumber, type RawJSON } from './json.js';
import { checkRoots, defaultManifest, MANIFEST_FILE, normalizeManifest, type Manifest } from './manifest.js';
import { SIGNATURES_FILE } from './sign.js';
import { untarGz } from './tar.js';
import { verifyBundleFiles, type VerifiedSignature, type VerifyOptions } from './verify.js';

export interface ModuleFile {
  /** Path inside the bundle, e.g. "policy/authz.rego". */
  file: string;
  source: string;
}

export interface Bundle {
  manifest: Manifest;
  modules: ModuleFile[];
  /** All data files merged: `a/b/data.json` is placed at data.a.b. */
  data: PlainObject;
  /** Every regular file of the archive by bundle-relative path (as signed). */
  files: Map<string, Uint8Array>;
  /** Present when the bundle was signed and the signature verified. */
  signature?: VerifiedSignature;
  /** Files that are neither policy, data, manifest nor signature (kept in `files`, otherwise ignored). */
  ignored: string[];
  /** SHA-256 of the compressed bundle bytes (hex). */
  sha256: string;
  /** Size of the compressed bundle. */
  size: number;
  etag?: string;
}

export interface ReadBundleOptions {
  /** Largest bundle, compressed and uncompressed (bytes). Default 64 MiB. */
  maxBytes?: number;
  /** Largest single file (bytes). Default: maxBytes. */
  maxFileBytes?: number;
  /** Most files. Default 10,000. */
  maxFiles?: number;
  /** Signature verification; an unsigned bundle passes unless `verify.required`. */
  verify?: VerifyOptions;
  /** Read a signed bundle without verifying it (OPA's --skip-verify). Never set in cloud mode. */
  skipVerification?: boolean;
  etag?: string;
}

export const DEFAULT_MAX_BUNDLE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 10_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(bytes: Uint8Array, file: string): string {
  try {
    const s = utf8.decode(bytes);
    return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
  } catch {
    throw new BundleError('invalid_utf8', 'file is not valid UTF-8', file);
  }
}

/** Reads, verifies and parses a bundle. Throws BundleError naming the problem (and the file). */
export async function readBundle(bytes: Uint8Array, opts: ReadBundleOptions = {}): Promise<Bundle> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
  if (bytes.length > maxBytes) throw new BundleError('bundle_too_large', `bundle of ${bytes.length} bytes exceeds the limit of ${maxBytes} bytes`);
  const files = await untarGz(bytes, {
    maxBytes,
    maxFileBytes: opts.maxFileBytes ?? maxBytes,
    maxFiles: opts.maxFiles ?? DEFAULT_MAX_FILES,
  });

  let signature: VerifiedSignature | undefined;
  if (!opts.skipVerification) signature = await verifyBundleFiles(files, opts.verify);

  const parsed = parseBundleFiles(files);
  return {
    ...parsed,
    files,
    ...(signature ? { signature } : {}),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    ...(opts.etag !== undefined ? { etag: opts.etag } : {}),
  };
}

/** Parses the (already verified) files of a bundle into manifest, modules and data. */
export function parseBundleFiles(files: Map<string, Uint8Array>): Pick<Bundle, 'manifest' | 'modules' | 'data' | 'ignored'> {
  let manifest = defaultManifest();
  const modules: ModuleFile[] = [];
  const data: PlainObject = {};
  const ignored: string[] = [];
  const origin = new Map<string, string>(); // data path → file that put a value there

  const paths = [...files.keys()].sort();
  for (const path of paths) {
    const bytes = files.get(path)!;
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    const dir = slash < 0 ? [] : path.slice(0, slash).split('/');
    if (path === MANIFEST_FILE) {
      manifest = normalizeManifest(rawToPlain(parseJSONRaw(decodeText(bytes, path), path)), path);
    } else if (path === SIGNATURES_FILE) {
      // verified (or skipped) above
    } else if (base.endsWith('.rego')) {
      modules.push({ file: path, source: decodeText(bytes, path) });
    } else if (base === 'data.json') {
      insertData(data, dir, parseJSONValue(decodeText(bytes, path), path), path, origin);
    } else if (base === 'data.yaml' || base === 'data.yml') {
      insertData(data, dir, parseYAMLValue(decodeText(bytes, path), path), path, origin);
    } else {
      ignored.push(path);
    }
  }
  checkRoots(manifest, modules, data);
  return { manifest, modules, data, ignored };
}

/** The manifest keeps plain JS numbers (revision/roots/metadata are small). */
function rawToPlain(v: RawJSON): unknown {
  if (v instanceof RawNumber) return Number(v.raw);
  if (Array.isArray(v)) return v.map(rawToPlain);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setOwn(out, k, rawToPlain(v[k]));
    return out;
  }
  return v;
}

function isObj(v: unknown): v is PlainObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Places `value` at `dir` inside `data`, merging objects; two values at one path are an error. */
function insertData(data: PlainObject, dir: string[], value: Value, file: string, origin: Map<string, string>): void {
  if (dir.length === 0 && !isObj(value)) {
    throw new BundleError('data_conflict', 'the root data file must hold an object', file);
  }
  let node = data;
  for (let i = 0; i < dir.length - 1; i++) {
    const k = dir[i];
    const cur = Object.prototype.hasOwnProperty.call(node, k) ? node[k] : undefined;
    if (cur === undefined) {
      const child: PlainObject = {};
      setOwn(node, k, child);
      node = child;
    } else if (isObj(cur)) {
      node = cur;
    } else {
      throw conflict(dir.slice(0, i + 1), file, origin);
    }
  }
  if (dir.length === 0) {
    mergeInto(data, value as PlainObject, [], file, origin);
    return;
  }
  const last = dir[dir.length - 1];
  const cur = Object.prototype.hasOwnProperty.call(node, last) ? node[last] : undefined;
  if (cur === undefined) {
    setOwn(node, last, value);
    origin.set(dir.join('/'), file);
  } else if (isObj(cur) && isObj(value)) {
    mergeInto(cur, value, dir, file, origin);
  } else {
    throw conflict(dir, file, origin);
  }
}

function mergeInto(target: PlainObject, src: PlainObject, at: string[], file: string, origin: Map<string, string>): void {
  for (const k of Object.keys(src)) {
    const path = [...at, k];
    const cur = Object.prototype.hasOwnProperty.call(target, k) ? target[k] : undefined;
    if (cur === undefined) {
      setOwn(target, k, src[k]);
      origin.set(path.join('/'), file);
    } else if (isObj(cur) && isObj(src[k])) {
      mergeInto(cur, src[k] as PlainObject, path, file, origin);
    } else {
      throw conflict(path, file, origin);
    }
  }
}

function conflict(path: string[], file: string, origin: Map<string, string>): BundleError {
  let other: string | undefined;
  for (let i = path.length; i >= 0 && other === undefined; i--) other = origin.get(path.slice(0, i).join('/'));
  return new BundleError('data_conflict', `data at /${path.join('/')} is also set by ${other ?? 'another data file'}`, file);
}
