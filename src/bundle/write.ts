// Writing an OPA-format bundle: `/.manifest`, `/data.json`, the modules at their paths, and
// `/.signatures.json` when signing. `opa run -b` and OPA bundle servers accept the result.

import { toJSONText, type Value } from '../rego/value.js';
import { BundleError } from './errors.js';
import { MANIFEST_FILE, normalizeManifest, type Manifest } from './manifest.js';
import type { ModuleFile } from './read.js';
import { SIGNATURES_FILE, signaturesFile, signFiles, type SigningOptions } from './sign.js';
import { normalizeEntryPath, tarGz } from './tar.js';

export interface WriteBundleInput {
  modules?: ModuleFile[];
  /** Written as the root /data.json (must be an object). */
  data?: Value;
  manifest?: Partial<Manifest>;
  /** Further files to include verbatim (e.g. nested a/b/data.json). */
  files?: { path: string; bytes: Uint8Array }[];
  signing?: SigningOptions;
  /** Modification time of every entry; the epoch by default, so output is reproducible. */
  mtime?: Date;
}

const enc = new TextEncoder();

/** Builds the bundle's files (bundle-relative path → bytes), without the signature. */
export function bundleFiles(input: WriteBundleInput): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const add = (path: string, bytes: Uint8Array): void => {
    const p = normalizeEntryPath(path);
    if (p === '' || p === SIGNATURES_FILE) throw new BundleError('unsafe_path', 'reserved or empty file name', path);
    if (files.has(p)) throw new BundleError('duplicate_file', 'file given twice', p);
    files.set(p, bytes);
  };
  const manifest = normalizeManifest({ revision: '', ...(input.manifest ?? {}) });
  add(MANIFEST_FILE, enc.encode(JSON.stringify(manifest) + '\n'));
  const data = input.data ?? {};
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new BundleError('data_conflict', 'bundle data must be an object', 'data.json');
  add('data.json', enc.encode(toJSONText(data) + '\n'));
  for (const m of input.modules ?? []) add(m.file, enc.encode(m.source));
  for (const f of input.files ?? []) add(f.path, f.bytes);
  return files;
}

/** Writes a .tar.gz bundle, signed when `signing` is given. */
export async function writeBundle(input: WriteBundleInput): Promise<Uint8Array> {
  const files = bundleFiles(input);
  if (input.signing) {
    const token = await signFiles(files, input.signing);
    files.set(SIGNATURES_FILE, signaturesFile(token));
  }
  return tarGz([...files].map(([path, bytes]) => ({ path, bytes })), input.mtime);
}
