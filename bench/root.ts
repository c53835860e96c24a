// The repository root, whether a benchmark runs from bench/ (via tsx) or compiled into
// .bench-build/bench/ (how bench:engine and bench:search run, so they measure the same compiled
// JavaScript the agent ships; code loaded through tsx's hooks runs about half as fast).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
