// Package metadata for the commands, read from package.json (two levels up from both src/cli and
// dist/cli, so it works from a checkout and from an installed package).

import { readFileSync } from 'node:fs';

let cached: { name: string; version: string } | undefined;

export function packageInfo(): { name: string; version: string } {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
      cached = { name: pkg.name ?? 'vengtoo-agent', version: pkg.version ?? '0.0.0' };
    } catch {
      cached = { name: 'vengtoo-agent', version: '0.0.0' };
    }
  }
  return cached;
}
