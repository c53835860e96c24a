// In-memory .tar.gz handling with node-tar, guarded against hostile archives: the gzip stream is
// inflated by zlib (off the main thread) while the uncompressed size is counted, so a gzip bomb is
// stopped at the limit; every entry's path and type is checked before its bytes are kept.

import { createGunzip, gzip as gzipCb } from 'node:zlib';
import { promisify } from 'node:util';
import { Header, Parser, Pax, type ReadEntry } from 'tar';
import { BundleError } from './errors.js';

const gzip = promisify(gzipCb);

export interface UntarLimits {
  /** Largest uncompressed tar stream (bytes). */
  maxBytes: number;
  /** Largest single file (bytes). */
  maxFileBytes: number;
  /** Most regular files. */
  maxFiles: number;
}

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const SKIPPED_TYPES = new Set(['Directory', 'GlobalExtendedHeader', 'ExtendedHeader', 'NextFileHasLongPath', 'NextFileHasLongLinkpath', 'OldExtendedHeader']);

/**
 * Normalises an archive path to the bundle-relative form OPA uses in signatures ("a/b/data.json"):
 * a leading "/" or "./" is the bundle root. Rejects "..", empty segments in the middle, backslashes
 * and control characters.
 */
export function normalizeEntryPath(raw: string): string {
  let p = raw;
  while (p.startsWith('./')) p = p.slice(2);
  p = p.replace(/^\/+/, '');
  if (p.endsWith('/')) p = p.replace(/\/+$/, '');
  if (p === '' || p === '.') return '';
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f]/.test(p) || /^[A-Za-z]:/.test(p)) throw new BundleError('unsafe_path', 'path has a backslash, drive letter or control character', raw);
  const segs = p.split('/');
  const out: string[] = [];
  for (const s of segs) {
    if (s === '..') throw new BundleError('unsafe_path', 'path traversal ("..") is not allowed', raw);
    if (s === '.' || s === '') continue;
    out.push(s);
  }
  return out.join('/');
}

/** Inflates and lists a .tar.gz held in memory; returns its regular files by normalised path. */
export function untarGz(bytes: Uint8Array, limits: UntarLimits): Promise<Map<string, Uint8Array>> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    return Promise.reject(new BundleError('not_gzip', 'bundle is not a gzip stream (expected a .tar.gz)'));
  }
  return new Promise((resolve, reject) => {
    const files = new Map<string, Uint8Array>();
    let failed = false;
    let inflated = 0;
    let fileCount = 0;
    const pending = new Set<string>();
    const gunzip = createGunzip();
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      reject(err instanceof BundleError ? err : new BundleError('corrupt_archive', `corrupt archive: ${(err as Error).message ?? String(err)}`, undefined, { cause: err }));
    };
    const parser = new Parser({
      strict: true,
      // The limits here are enforced by us; node-tar's own ratio check is kept as a second guard.
      onReadEntry: (entry: ReadEntry) => {
        if (failed) return entry.resume();
        try {
          readEntry(entry);
        } catch (e) {
          entry.resume();
          fail(e);
        }
      },
    });
    const readEntry = (entry: ReadEntry): void => {
      const type = entry.type as string;
      if (SKIPPED_TYPES.has(type)) {
        normalizeEntryPath(entry.path);
        entry.resume();
        return;
      }
      if (!ALLOWED_TYPES.has(type)) {
        throw new BundleError('unsupported_entry', `${type} entries are not allowed in a bundle (only regular files and directories)`, entry.path);
      }
      const path = normalizeEntryPath(entry.path);
      if (path === '') throw new BundleError('unsafe_path', 'a file entry names the bundle root', entry.path);
      if (files.has(path)) throw new BundleError('duplicate_file', 'file appears twice in the archive', path);
      if (++fileCount > limits.maxFiles) throw new BundleError('too_many_files', `bundle has more than ${limits.maxFiles} files`);
      const size = entry.size ?? 0;
      if (size > limits.maxFileBytes) throw new BundleError('file_too_large', `file size ${size} exceeds the limit of ${limits.maxFileBytes} bytes`, path);
      const buf = Buffer.allocUnsafe(size);
      let off = 0;
      pending.add(path);
      entry.on('data', (c: Buffer) => {
        if (off + c.length > size) return fail(new BundleError('corrupt_archive', 'entry longer than its header says', path));
        c.copy(buf, off);
        off += c.length;
      });
      entry.on('end', () => {
        pending.delete(path);
        if (off !== size) return fail(new BundleError('corrupt_archive', `truncated entry (${off} of ${size} bytes)`, path));
        files.set(path, buf);
      });
    };
    parser.on('error', fail);
    parser.on('warn', (code: string, message: string | Error) => {
      if (code === 'TAR_ENTRY_INFO') return;
      fail(new BundleError('corrupt_archive', `corrupt archive: ${typeof message === 'string' ? message : message.message}`));
    });
    gunzip.on('data', (chunk: Buffer) => {
      if (failed) return;
      inflated += chunk.length;
      if (inflated > limits.maxBytes) {
        return fail(new BundleError('bundle_too_large', `uncompressed bundle exceeds the limit of ${limits.maxBytes} bytes`));
      }
      parser.write(chunk);
    });
    gunzip.on('error', (e) => fail(new BundleError('corrupt_archive', `corrupt gzip stream: ${e.message}`, undefined, { cause: e })));
    gunzip.on('end', () => {
      if (failed) return;
      parser.end();
      if (failed) return;
      if (pending.size > 0) return fail(new BundleError('corrupt_archive', 'archive ends inside a file', [...pending][0]));
      resolve(files);
    });
    gunzip.end(bytes);
  });
}

export interface TarFile {
  path: string;
  bytes: Uint8Array;
}

/**
 * Writes files as a gzip-compressed ustar archive, entries named "/path" with mode 0644 as OPA's
 * own bundle writer does. `mtime` defaults to the epoch so the same content gives the same bytes
 * (and so the same ETag on a static server).
 */
export async function tarGz(files: TarFile[], mtime: Date = new Date(0)): Promise<Uint8Array> {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const name = '/' + f.path.replace(/^\/+/, '');
    const h = new Header({ path: name, mode: 0o644, size: f.bytes.length, mtime, type: 'File', uid: 0, gid: 0, uname: '', gname: '' });
    const hb = Buffer.alloc(512);
    if (h.encode(hb, 0)) {
      blocks.push(new Pax({ path: name, size: f.bytes.length, mtime }).encode());
    }
    blocks.push(hb, Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.length));
    const pad = (512 - (f.bytes.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  return new Uint8Array(await gzip(Buffer.concat(blocks)));
}
