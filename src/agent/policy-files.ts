// Local mode: reading the policy from disk. PATH is
//   - a `.rego` file (with `data.json` / `data.yaml` / `data.yml` beside it placed at the data root),
//   - a folder: every `.rego` except `*_test.rego`, and `data.json`/`data.yaml` files placed at
//     their directory path as OPA does (`a/b/data.json` → data.a.b); an optional `.manifest`,
//   - an OPA bundle `.tar.gz` / `.tgz`.
// Folder and file contents go through the bundle reader's parser, so data placement, merging and
// conflicts behave exactly as for a bundle.

import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { loadTrustedKeys, parseBundleFiles, readBundle, type Manifest, type ModuleFile, type VerifyOptions } from '../bundle/index.js';
import type { PlainObject } from '../rego/value.js';

export interface PolicySource {
  kind: 'file' | 'folder' | 'bundle';
  modules: ModuleFile[];
  data: PlainObject;
  manifest: Manifest;
  /** Bundle revision, else the first 12 hex digits of a hash over every file read. */
  revision: string;
  /** Hash over every file read: equal hashes mean there is nothing new to compile. */
  contentHash: string;
  /** The files that were read (for logs). */
  files: string[];
}

export class PolicyNotFound extends Error {
  constructor(readonly path: string) {
    super(`policy path does not exist: ${path}`);
    this.name = 'PolicyNotFound';
  }
}

const DATA_FILES = new Set(['data.json', 'data.yaml', 'data.yml']);

export function isBundlePath(path: string): boolean {
  return path.endsWith('.tar.gz') || path.endsWith('.tgz');
}

/** Is this file one the policy is read from (used by the watcher too)? */
export function isPolicyFile(name: string): boolean {
  return (name.endsWith('.rego') && !name.endsWith('_test.rego')) || DATA_FILES.has(name) || name === '.manifest';
}

/** How a file is named in compile errors: relative to the working directory when inside it. */
export function displayPath(abs: string, cwd = process.cwd()): string {
  const rel = relative(cwd, abs);
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : abs;
}

export interface ReadPolicyOptions {
  /** Bundle signature settings (local bundles are verified like cloud ones when keys exist). */
  trustedKeysPath?: string;
  signatureRequired?: boolean;
}

export async function readPolicy(path: string, opts: ReadPolicyOptions = {}): Promise<PolicySource> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new PolicyNotFound(path);
    throw e;
  }
  if (st.isDirectory()) return readFolder(path);
  if (isBundlePath(path)) return readBundleFile(path, opts);
  if (path.endsWith('.rego')) return readRegoFile(path);
  throw new Error(`unsupported policy file ${path}: expected a .rego file, a folder or a bundle .tar.gz`);
}

async function readRegoFile(path: string): Promise<PolicySource> {
  const dir = dirname(path);
  const files = new Map<string, Uint8Array>([[basename(path), await readFile(path)]]);
  for (const name of DATA_FILES) {
    const bytes = await readOptional(join(dir, name));
    if (bytes !== undefined) files.set(name, bytes);
  }
  return fromFiles('file', dir, files);
}

async function readFolder(root: string): Promise<PolicySource> {
  const files = new Map<string, Uint8Array>();
  for (const rel of await listPolicyFiles(root)) files.set(rel, await readFile(join(root, rel)));
  return fromFiles('folder', root, files);
}

/** Policy files under `root` as slash-separated relative paths, sorted. Hidden folders are skipped. */
export async function listPolicyFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'node_modules') await walk(join(dir, e.name), prefix + e.name + '/');
      } else if ((e.isFile() || e.isSymbolicLink()) && isPolicyFile(e.name)) {
        if (e.name === '.manifest' && prefix !== '') continue;
        out.push(prefix + e.name);
      }
    }
  };
  await walk(root, '');
  return out.sort();
}

function fromFiles(kind: 'file' | 'folder', root: string, files: Map<string, Uint8Array>): PolicySource {
  const parsed = parseBundleFiles(files);
  const shown = displayPath(root);
  const modules = parsed.modules.map((m) => ({ file: shown === '' ? m.file : join(shown, m.file), source: m.source }));
  const hash = hashFiles(files);
  return {
    kind,
    modules,
    data: parsed.data,
    manifest: parsed.manifest,
    revision: parsed.manifest.revision !== '' ? parsed.manifest.revision : hash.slice(0, 12),
    contentHash: hash,
    files: [...files.keys()].map((f) => join(shown, f)),
  };
}

async function readBundleFile(path: string, opts: ReadPolicyOptions): Promise<PolicySource> {
  const bytes = await readFile(path);
  let verify: VerifyOptions | undefined;
  const keys = opts.trustedKeysPath ? await readOptional(opts.trustedKeysPath) : undefined;
  if (keys !== undefined && opts.trustedKeysPath) {
    verify = { keys: await loadTrustedKeys(opts.trustedKeysPath), required: opts.signatureRequired };
  } else if (opts.signatureRequired) {
    verify = { keys: {}, required: true };
  }
  const b = await readBundle(bytes, verify ? { verify } : {});
  const shown = displayPath(path);
  return {
    kind: 'bundle',
    modules: b.modules.map((m) => ({ file: `${shown}/${m.file}`, source: m.source })),
    data: b.data,
    manifest: b.manifest,
    revision: b.manifest.revision !== '' ? b.manifest.revision : b.sha256.slice(0, 12),
    contentHash: b.sha256,
    files: [shown],
  };
}

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return undefined;
    throw e;
  }
}

function hashFiles(files: Map<string, Uint8Array>): string {
  const h = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    h.update(name + '\0' + files.get(name)!.length + '\0');
    h.update(files.get(name)!);
  }
  return h.digest('hex');
}
