// Local mode: reading the policy from disk. PATH is
//   - a `.rego` file (with `data.json` / `data.yaml` / `data.yml` beside it placed at the data root),
//   - a folder: every `.rego` except `*_test.rego`, and `data.json`/`data.yaml` files placed at
//     their directory path as OPA does (`a/b/data.json` → data.a.b); an optional `.manifest`,
//   - an OPA bundle `.tar.gz` / `.tgz`.
// Folder and file contents go through the bundle reader's parser, so data placement, merging and
// conflicts behave exactly as for a bundle.

import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { loadTrustedKeys, parseBundleFiles, parseJSONValue, parseYAMLValue, readBundle, type Manifest, type ModuleFile, type VerifyOptions } from '../bundle/index.js';
import { equal, isPlainObject, type PlainObject, type Value } from '../rego/value.js';

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
  /** Folders: read `*_test.rego` too (the `test` command). */
  includeTests?: boolean;
}

export async function readPolicy(path: string, opts: ReadPolicyOptions = {}): Promise<PolicySource> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new PolicyNotFound(path);
    throw e;
  }
  if (st.isDirectory()) return readFolder(path, opts.includeTests === true);
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

async function readFolder(root: string, includeTests = false): Promise<PolicySource> {
  const files = new Map<string, Uint8Array>();
  for (const rel of await listPolicyFiles(root, includeTests)) files.set(rel, await readFile(join(root, rel)));
  return fromFiles('folder', root, files);
}

/** Policy files under `root` as slash-separated relative paths, sorted. Hidden folders are skipped. */
export async function listPolicyFiles(root: string, includeTests = false): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && e.name !== 'node_modules') await walk(join(dir, e.name), prefix + e.name + '/');
      } else if ((e.isFile() || e.isSymbolicLink()) && (isPolicyFile(e.name) || (includeTests && e.name.endsWith('_test.rego')))) {
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

export interface PolicySet {
  modules: ModuleFile[];
  data: PlainObject;
  /** The files that were read (for messages). */
  files: string[];
}

/**
 * Several paths merged, as `opa eval -d a -d b` does (the policy tooling commands): each is
 * anything readPolicy reads, or a `.json` / `.yaml` data file merged at the data root. A file read
 * twice (e.g. a folder and a file in it) counts once; data documents merge, and two different
 * values at one path are an error naming the path.
 */
export async function readPolicies(paths: readonly string[], opts: ReadPolicyOptions = {}): Promise<PolicySet> {
  const modules = new Map<string, ModuleFile>();
  const data: PlainObject = {};
  const files: string[] = [];
  const seenData = new Set<string>();
  for (const path of paths) {
    if (/\.(json|ya?ml)$/.test(path) && !(await stat(path).catch(() => undefined))?.isDirectory()) {
      const abs = resolve(path);
      if (seenData.has(abs)) continue;
      seenData.add(abs);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new PolicyNotFound(path);
        throw e;
      }
      const value = path.endsWith('.json') ? parseJSONValue(text, path) : parseYAMLValue(text, path);
      mergeData(data, value, [], path);
      files.push(displayPath(abs));
      continue;
    }
    const src = await readPolicy(path, opts);
    for (const m of src.modules) {
      const shown = displayPath(resolve(m.file));
      if (!modules.has(shown)) modules.set(shown, { file: shown, source: m.source });
    }
    // A .rego file brings its sibling data files: skip them when they were read already.
    const dataFiles = src.files.filter((f) => DATA_FILES.has(basename(f))).map((f) => resolve(f));
    if (src.kind === 'file' && dataFiles.length > 0 && dataFiles.every((f) => seenData.has(f))) {
      files.push(...src.files.filter((f) => !DATA_FILES.has(basename(f))));
      continue;
    }
    dataFiles.forEach((f) => seenData.add(f));
    mergeData(data, src.data, [], path);
    files.push(...src.files);
  }
  return { modules: [...modules.values()], data, files };
}

export class DataConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataConflict';
  }
}

function mergeData(into: PlainObject, value: Value, at: string[], source: string): void {
  if (!isPlainObject(value)) {
    throw new DataConflict(`${source}: data must be a JSON object at the top level`);
  }
  for (const key of Object.keys(value)) {
    const v = value[key];
    const path = [...at, key];
    if (!Object.hasOwn(into, key)) {
      into[key] = v;
      continue;
    }
    const cur = into[key];
    if (isPlainObject(cur) && isPlainObject(v)) {
      // Copy before merging into it: the value may belong to another source.
      const copy: PlainObject = { ...cur };
      mergeData(copy, v, path, source);
      into[key] = copy;
    } else if (!equal(cur, v)) {
      throw new DataConflict(`${source}: data conflict at data.${path.join('.')}: two different values`);
    }
  }
}
