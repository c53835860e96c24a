// Running the real CLI for the policy tooling tests: `node --import tsx src/cli/main.ts CMD ...`
// in a temporary folder holding the files a test writes.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `vengtoo-agent ...args` with `cwd` as the working directory. */
export function cli(args: string[], cwd: string, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('VENGTOO_')) delete env[k];
    const p = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(stdin ?? '');
  });
}

/** A temporary folder with the given files (relative path → content); removed by cleanup(). */
export function tempDir(files: Record<string, string | Uint8Array> = {}): { dir: string; write: (files: Record<string, string | Uint8Array>) => void; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vengtoo-cli-'));
  const write = (fs: Record<string, string | Uint8Array>): void => {
    for (const [rel, content] of Object.entries(fs)) {
      const p = join(dir, rel);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
  };
  write(files);
  return { dir, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
