// The list of case ids known to pass (passing.txt), used by --gate and test/conformance.test.ts.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const passingPath = fileURLToPath(new URL('./passing.txt', import.meta.url));

export function readPassing(): Set<string> {
  if (!existsSync(passingPath)) return new Set();
  return new Set(
    readFileSync(passingPath, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  );
}

export function writePassing(ids: Iterable<string>): void {
  const sorted = [...new Set(ids)].sort();
  writeFileSync(passingPath, sorted.length ? sorted.join('\n') + '\n' : '');
}
