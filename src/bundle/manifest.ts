// The bundle manifest (`/.manifest`) and the checks OPA makes with its roots: roots must not
// overlap, every module's package and every data path must lie under one of them.

import { BundleError } from './errors.js';

export interface Manifest {
  revision: string;
  /** Path prefixes (slash-separated, no leading or trailing slash) this bundle owns; [""] = all. */
  roots: string[];
  metadata: Record<string, unknown>;
  /** Other manifest keys (rego_version, wasm, ...) are kept as they were. */
  [key: string]: unknown;
}

export const MANIFEST_FILE = '.manifest';

export function defaultManifest(): Manifest {
  return { revision: '', roots: [''], metadata: {} };
}

/** Validates a parsed `.manifest` object and fills in defaults. */
export function normalizeManifest(raw: unknown, file = MANIFEST_FILE): Manifest {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new BundleError('manifest_invalid', 'manifest must be a JSON object', file);
  }
  const m = { ...(raw as Record<string, unknown>) };
  if (m.revision === undefined || m.revision === null) m.revision = '';
  if (typeof m.revision !== 'string') throw new BundleError('manifest_invalid', '"revision" must be a string', file);
  if (m.roots === undefined || m.roots === null) m.roots = [''];
  if (!Array.isArray(m.roots) || !m.roots.every((r) => typeof r === 'string')) {
    throw new BundleError('manifest_invalid', '"roots" must be an array of strings', file);
  }
  m.roots = (m.roots as string[]).map(trimSlashes);
  if (m.metadata === undefined || m.metadata === null) m.metadata = {};
  if (typeof m.metadata !== 'object' || Array.isArray(m.metadata)) {
    throw new BundleError('manifest_invalid', '"metadata" must be an object', file);
  }
  const roots = m.roots as string[];
  for (let i = 0; i < roots.length; i++) {
    for (let j = i + 1; j < roots.length; j++) {
      if (rootsOverlap(roots[i], roots[j])) {
        throw new BundleError('manifest_invalid', `manifest has overlapped roots: '${roots[i]}' and '${roots[j]}'`, file);
      }
    }
  }
  return m as Manifest;
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}

function segments(path: string): string[] {
  return path === '' ? [] : path.split('/');
}

function isPrefix(prefix: string[], of: string[]): boolean {
  if (prefix.length > of.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== of[i]) return false;
  return true;
}

/** True when `path` (slash-separated) lies under `root`. */
export function rootContains(root: string, path: string): boolean {
  return isPrefix(segments(root), segments(path));
}

export function rootsOverlap(a: string, b: string): boolean {
  const sa = segments(a);
  const sb = segments(b);
  return isPrefix(sa, sb) || isPrefix(sb, sa);
}

/** Throws unless every module package and every data path lies under the manifest's roots. */
export function checkRoots(
  manifest: Manifest,
  modules: { file: string; source: string }[],
  data: Record<string, unknown>,
): void {
  const roots = manifest.roots;
  if (roots.includes('')) return;
  for (const m of modules) {
    const pkg = packagePath(m.source);
    if (pkg === undefined) throw new BundleError('roots_violation', 'cannot find the package declaration to check it against the manifest roots', m.file);
    const path = pkg.join('/');
    if (!roots.some((r) => rootContains(r, path))) {
      throw new BundleError('roots_violation', `manifest roots ${JSON.stringify(roots)} do not permit package data.${pkg.join('.')}`, m.file);
    }
  }
  const walk = (node: unknown, path: string[]): void => {
    const p = path.join('/');
    if (roots.some((r) => rootContains(r, p))) return;
    const isObj = node !== null && typeof node === 'object' && !Array.isArray(node);
    if (isObj && roots.some((r) => isPrefix(path, segments(r)))) {
      for (const k of Object.keys(node as object)) walk((node as Record<string, unknown>)[k], [...path, k]);
      return;
    }
    throw new BundleError('roots_violation', `manifest roots ${JSON.stringify(roots)} do not permit data at path '/${p}'`);
  };
  walk(data, []);
}

/**
 * The path of a module's `package` declaration (without the leading `data`), read with a small
 * scanner so this module needs no Rego parser: comments and whitespace, `package`, then a ref of
 * identifiers, `.name` and `["string"]` parts. Undefined when the source does not start that way.
 */
export function packagePath(source: string): string[] | undefined {
  let i = 0;
  const s = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  for (;;) {
    const ws = /[ \t\r\n]*/y;
    ws.lastIndex = i;
    i += ws.exec(s)![0].length;
    if (s[i] === '#') {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? s.length : nl + 1;
      continue;
    }
    break;
  }
  const kw = /package(?![A-Za-z0-9_])[ \t]*/y;
  kw.lastIndex = i;
  const k = kw.exec(s);
  if (!k) return undefined;
  i += k[0].length;
  const ident = /[A-Za-z_][A-Za-z0-9_]*/y;
  const parts: string[] = [];
  ident.lastIndex = i;
  const first = ident.exec(s);
  if (!first) return undefined;
  parts.push(first[0]);
  i += first[0].length;
  for (;;) {
    if (s[i] === '.') {
      ident.lastIndex = i + 1;
      const m = ident.exec(s);
      if (!m) return undefined;
      parts.push(m[0]);
      i += 1 + m[0].length;
    } else if (s[i] === '[') {
      const str = /\[[ \t]*("(?:[^"\\\n]|\\.)*"|`[^`]*`)[ \t]*\]/y;
      str.lastIndex = i;
      const m = str.exec(s);
      if (!m) return undefined;
      const lit = m[1];
      try {
        parts.push(lit[0] === '`' ? lit.slice(1, -1) : (JSON.parse(lit) as string));
      } catch {
        return undefined;
      }
      i += m[0].length;
    } else break;
  }
  if (parts[0] === 'data') parts.shift();
  return parts;
}
