// File digests for bundle signatures, computed exactly as OPA computes them:
//   - unstructured files (policies, anything else): the digest of the bytes;
//   - structured files (base name data.json, data.yaml, .manifest, signatures.json): the digest of
//     a canonical JSON text — object keys sorted by their UTF-8 bytes, no whitespace, strings
//     encoded as Go's encoding/json does without HTML escaping, numbers as written in the file.
// So a signature holds across whitespace and key-order changes of a data file, as in OPA.

import { createHash, type Hash } from 'node:crypto';
import { BundleError } from './errors.js';
import { parseJSONRaw, parseYAMLValue, RawNumber, type RawJSON } from './json.js';

const ALGORITHMS: Record<string, string> = {
  'MD5': 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
};

export const DEFAULT_HASH_ALGORITHM = 'SHA-256';

export function isStructuredFile(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base === 'data.json' || base === 'data.yaml' || base === '.manifest' || base === 'signatures.json';
}

const utf8 = new TextDecoder('utf-8');

/** Hex digest of a bundle file as OPA computes it for signatures. */
export function hashBundleFile(path: string, bytes: Uint8Array, algorithm: string = DEFAULT_HASH_ALGORITHM): string {
  const nodeAlg = ALGORITHMS[algorithm];
  if (nodeAlg === undefined) throw new BundleError('signature_malformed', `unsupported hashing algorithm ${JSON.stringify(algorithm)}`, path);
  const h = createHash(nodeAlg);
  if (!isStructuredFile(path)) {
    h.update(bytes);
    return h.digest('hex');
  }
  const text = utf8.decode(bytes);
  const base = path.slice(path.lastIndexOf('/') + 1);
  const tree: RawJSON = base === 'data.yaml' ? yamlToRaw(parseYAMLValue(text, path)) : parseJSONRaw(text, path);
  const w = new ChunkedWriter(h);
  writeCanonical(tree, w);
  w.end();
  return h.digest('hex');
}

/** YAML values reach OPA's hasher through a YAML→JSON conversion; numbers print as JSON does. */
function yamlToRaw(v: unknown): RawJSON {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return new RawNumber(String(v));
  if (Array.isArray(v)) return v.map(yamlToRaw);
  const out: { [k: string]: RawJSON } = {};
  for (const k of Object.keys(v as object)) out[k] = yamlToRaw((v as Record<string, unknown>)[k]);
  return out;
}

class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly h: Hash) {}
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 65536) this.end();
  }
  end(): void {
    if (this.parts.length) this.h.update(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
  }
}

// Go's encoding/json escapes U+2028 and U+2029 even with HTML escaping off, and turns invalid
// UTF-16 (lone surrogates) into U+FFFD; otherwise it agrees with JSON.stringify.
const GO_EXTRA = /[\u2028\u2029]/;
const GO_EXTRA_ALL = /[\u2028\u2029]/g;
type WellFormed = { isWellFormed(): boolean; toWellFormed(): string };
export function goJSONString(s: string): string {
  const wf = s as unknown as WellFormed;
  const out = JSON.stringify(wf.isWellFormed() ? s : wf.toWellFormed());
  return GO_EXTRA.test(out) ? out.replace(GO_EXTRA_ALL, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029')) : out;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Sorts strings by their UTF-8 bytes, as Go's sort.Strings does. */
export function sortUtf8(keys: string[]): string[] {
  if (keys.every(isAscii)) return keys.sort();
  return keys
    .map((k) => [k, Buffer.from(k, 'utf8')] as const)
    .sort((a, b) => Buffer.compare(a[1], b[1]))
    .map((e) => e[0]);
}

function writeCanonical(v: RawJSON, w: ChunkedWriter): void {
  if (v === null) return w.write('null');
  if (v === true) return w.write('true');
  if (v === false) return w.write('false');
  if (typeof v === 'string') return w.write(goJSONString(v));
  if (v instanceof RawNumber) return w.write(v.raw);
  if (Array.isArray(v)) {
    w.write('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) w.write(',');
      writeCanonical(v[i], w);
    }
    return w.write(']');
  }
  w.write('{');
  const keys = sortUtf8(Object.keys(v));
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) w.write(',');
    w.write(goJSONString(keys[i]));
    w.write(':');
    writeCanonical(v[keys[i]], w);
  }
  w.write('}');
}
