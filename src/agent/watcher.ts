// Watches local policy files. Two signals, both debounced into one `onChange` call:
//   - fs.watch on the directory (not the file: editors that save by writing a temp file and
//     renaming it replace the inode, and a watch on the old file would go silent);
//   - a poll of a stat fingerprint (names, sizes, mtimes, inodes) every `intervalMs`, which catches
//     everything fs.watch misses (network file systems, a path that does not exist yet, ...).
// The reloader compares content hashes, so a spurious signal costs one read, never a recompile.

import { statSync, watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isBundlePath, isPolicyFile, listPolicyFiles } from './policy-files.js';

export interface WatcherOptions {
  intervalMs: number;
  debounceMs?: number;
  onChange: () => void;
  onError?: (e: unknown) => void;
}

export class PolicyWatcher {
  private fsWatcher: FSWatcher | undefined;
  private watchedDir = '';
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private fingerprint = '';
  private stopped = false;
  private polling = false;

  constructor(
    private readonly path: string,
    private readonly o: WatcherOptions,
  ) {}

  async start(): Promise<void> {
    this.fingerprint = await this.computeFingerprint();
    this.attachFsWatch();
    this.poll = setInterval(() => void this.check(), this.o.intervalMs);
    this.poll.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    if (this.debounce) clearTimeout(this.debounce);
    this.fsWatcher?.close();
    this.fsWatcher = undefined;
  }

  /** Polls: fires when the fingerprint changed. Also re-attaches fs.watch if the target moved. */
  private async check(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const fp = await this.computeFingerprint();
      if (fp !== this.fingerprint) {
        this.fingerprint = fp;
        this.attachFsWatch();
        this.fire();
      }
    } catch (e) {
      this.o.onError?.(e);
    } finally {
      this.polling = false;
    }
  }

  private fire(): void {
    if (this.stopped) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      if (!this.stopped) this.o.onChange();
    }, this.o.debounceMs ?? 50);
    this.debounce.unref();
  }

  /** Watches the folder itself, or the directory holding the file (or the parent of a missing path). */
  private attachFsWatch(): void {
    let dir = this.path;
    let recursive = true;
    let filter: ((name: string) => boolean) | undefined;
    try {
      // Synchronous stat on purpose: attach happens rarely (start, and when the target changes).
      const isDir = statSyncSafe(this.path);
      if (isDir !== true) {
        dir = dirname(this.path);
        recursive = false;
        const target = basename(this.path);
        filter = (name) => name === target || (!isBundlePath(target) && isPolicyFile(name)) || name.startsWith(target);
      }
    } catch {
      return;
    }
    if (dir === this.watchedDir && this.fsWatcher) return;
    this.fsWatcher?.close();
    this.fsWatcher = undefined;
    this.watchedDir = '';
    try {
      const w = watch(dir, { recursive, persistent: false }, (_event, name) => {
        if (filter === undefined || name === null || filter(String(name))) {
          this.fire();
          // A created/renamed file changes the fingerprint; refresh it so the poll does not fire again.
          void this.computeFingerprint().then((fp) => (this.fingerprint = fp), () => undefined);
        }
      });
      w.on('error', () => {
        w.close();
        if (this.fsWatcher === w) {
          this.fsWatcher = undefined;
          this.watchedDir = '';
        }
      });
      this.fsWatcher = w;
      this.watchedDir = dir;
    } catch {
      // No fs.watch here (or recursive unsupported): polling alone still works.
    }
  }

  private async computeFingerprint(): Promise<string> {
    const st = await statOrUndefined(this.path);
    if (st === undefined) return 'missing';
    if (!st.isDirectory()) {
      let fp = sig(basename(this.path), st);
      if (!isBundlePath(this.path)) {
        // data files beside a single .rego file are part of the policy
        const dir = dirname(this.path);
        for (const name of await readdir(dir)) {
          if (name === 'data.json' || name === 'data.yaml' || name === 'data.yml') {
            const ds = await statOrUndefined(join(dir, name));
            if (ds) fp += '|' + sig(name, ds);
          }
        }
      }
      return fp;
    }
    let fp = 'dir';
    for (const rel of await listPolicyFiles(this.path)) {
      const fs = await statOrUndefined(join(this.path, rel));
      if (fs) fp += '|' + sig(rel, fs);
    }
    return fp;
  }
}

function sig(name: string, st: { size: number; mtimeMs: number; ino: number }): string {
  return `${name}:${st.size}:${st.mtimeMs}:${st.ino}`;
}

async function statOrUndefined(p: string) {
  try {
    return await stat(p);
  } catch {
    return undefined;
  }
}

/** true: a directory; false: something else; undefined: missing. */
function statSyncSafe(p: string): boolean | undefined {
  try {
    return statSync(p).isDirectory();
  } catch {
    return undefined;
  }
}
