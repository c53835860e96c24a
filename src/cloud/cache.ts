// Disk cache of the active bundle in `cache_dir`, so a restarted agent serves at once.
//
// Layout (content-addressed, so a crash at any point leaves a consistent cache):
//   bundle-<sha256>.tar.gz   the bundle bytes
//   current.json             {version, sha256, etag, revision, fetched_at, saved_at, source_id, size}
// A save writes the bundle file (temp file in the same directory, fsync, rename, fsync dir), then
// current.json the same way, then removes older bundle files. current.json always names a complete
// bundle file: the new one once its rename landed, the previous one before. Loading checks the
// sha256; the caller verifies the bundle (signature, parse, compile) again before using it.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { counter, errorMessage, silentLogger, type Logger } from './deps.js';

export interface CacheMeta {
  sha256: string;
  etag?: string;
  revision?: string;
  /** When the bundle was last fetched or confirmed (304) by the control plane, ms since epoch. */
  fetchedAt: number;
  savedAt: number;
  size: number;
  /** Identifies where the bundle came from (hash of URL and API key); see BundleCache. */
  sourceId?: string;
}

export interface CachedBundle {
  bytes: Uint8Array;
  meta: CacheMeta;
}

export interface BundleCacheOptions {
  dir: string;
  logger?: Logger;
  registry?: Registry;
  /** Only a cache saved with the same source id is loaded (a changed URL or key starts clean). */
  sourceId?: string;
  now?: () => number;
}

const CURRENT = 'current.json';
const FORMAT_VERSION = 1;

/** A source id for a bundle URL and API key, without storing the key. */
export function cacheSourceId(url: string, apiKey?: string): string {
  return createHash('sha256').update(url).update('\n').update(apiKey ?? '').digest('hex').slice(0, 32);
}

export class BundleCache {
  readonly dir: string;
  private readonly log: Logger;
  private readonly sourceId: string | undefined;
  private readonly now: () => number;
  private readonly failures;

  constructor(opts: BundleCacheOptions) {
    this.dir = opts.dir;
    this.log = opts.logger ?? silentLogger;
    this.sourceId = opts.sourceId;
    this.now = opts.now ?? Date.now;
    this.failures = counter(opts.registry, 'vengtoo_agent_bundle_cache_errors_total', 'Bundle cache failures, by operation (read, write).', ['op']);
  }

  /** The cached bundle, or undefined (no cache, other source, or corrupt: logged, never thrown). */
  async load(): Promise<CachedBundle | undefined> {
    let metaText: string;
    try {
      metaText = await readFile(join(this.dir, CURRENT), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.failures.inc({ op: 'read' });
        this.log.warn({ dir: this.dir, err: errorMessage(e) }, 'bundle cache unreadable; ignoring it');
      }
      return undefined;
    }
    try {
      const raw = JSON.parse(metaText) as Record<string, unknown>;
      if (raw.version !== FORMAT_VERSION || typeof raw.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(raw.sha256)) throw new Error('unknown cache metadata format');
      const meta: CacheMeta = {
        sha256: raw.sha256,
        fetchedAt: typeof raw.fetched_at === 'number' ? raw.fetched_at : 0,
        savedAt: typeof raw.saved_at === 'number' ? raw.saved_at : 0,
        size: typeof raw.size === 'number' ? raw.size : 0,
        ...(typeof raw.etag === 'string' ? { etag: raw.etag } : {}),
        ...(typeof raw.revision === 'string' ? { revision: raw.revision } : {}),
        ...(typeof raw.source_id === 'string' ? { sourceId: raw.source_id } : {}),
      };
      if (this.sourceId !== undefined && meta.sourceId !== this.sourceId) {
        this.log.info({ dir: this.dir }, 'bundle cache is from another bundle source; ignoring it');
        return undefined;
      }
      const bytes = await readFile(join(this.dir, bundleFileName(meta.sha256)));
      const got = createHash('sha256').update(bytes).digest('hex');
      if (got !== meta.sha256) throw new Error(`bundle file digest ${got} does not match ${meta.sha256}`);
      return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), meta };
    } catch (e) {
      this.failures.inc({ op: 'read' });
      this.log.warn({ dir: this.dir, err: errorMessage(e) }, 'bundle cache is corrupt; ignoring it');
      return undefined;
    }
  }

  /** Saves a bundle as the current one. Returns false (logged and counted) when the disk refuses. */
  async save(bytes: Uint8Array, info: { etag?: string; revision?: string; fetchedAt?: number }): Promise<boolean> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const now = this.now();
    const meta = {
      version: FORMAT_VERSION,
      sha256,
      size: bytes.length,
      fetched_at: info.fetchedAt ?? now,
      saved_at: now,
      ...(info.etag !== undefined ? { etag: info.etag } : {}),
      ...(info.revision !== undefined ? { revision: info.revision } : {}),
      ...(this.sourceId !== undefined ? { source_id: this.sourceId } : {}),
    };
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await atomicWrite(this.dir, bundleFileName(sha256), bytes);
      await atomicWrite(this.dir, CURRENT, new TextEncoder().encode(JSON.stringify(meta) + '\n'));
    } catch (e) {
      this.failures.inc({ op: 'write' });
      this.log.warn({ dir: this.dir, err: errorMessage(e) }, 'cannot write the bundle cache; serving on from memory');
      return false;
    }
    await this.prune(sha256);
    return true;
  }

  /** Records a 304 (bundle confirmed current) so the policy age survives a restart. */
  async touch(fetchedAt: number): Promise<boolean> {
    try {
      const raw = JSON.parse(await readFile(join(this.dir, CURRENT), 'utf8')) as Record<string, unknown>;
      raw.fetched_at = fetchedAt;
      await atomicWrite(this.dir, CURRENT, new TextEncoder().encode(JSON.stringify(raw) + '\n'));
      return true;
    } catch (e) {
      this.failures.inc({ op: 'write' });
      this.log.debug({ dir: this.dir, err: errorMessage(e) }, 'cannot update the bundle cache metadata');
      return false;
    }
  }

  /** Removes bundle files other than `keep` and stale temp files. Failures only logged. */
  private async prune(keep: string): Promise<void> {
    try {
      for (const name of await readdir(this.dir)) {
        if ((name.startsWith('bundle-') && name.endsWith('.tar.gz') && name !== bundleFileName(keep)) || name.startsWith('.tmp-')) {
          await unlink(join(this.dir, name)).catch(() => undefined);
        }
      }
    } catch {
      /* best effort */
    }
  }
}

function bundleFileName(sha256: string): string {
  return `bundle-${sha256}.tar.gz`;
}

/** Temp file in the same directory, write, fsync, rename over the target, fsync the directory. */
export async function atomicWrite(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fh = await open(tmp, 'w', 0o600);
  try {
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(dir, name));
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
