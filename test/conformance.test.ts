// Regression gate for `npm test`: every conformance case listed in test/conformance/passing.txt
// must still pass. Runs in-process (the list only holds cases known to finish quickly).
// `npm run conformance` runs the whole suite with a per-case timeout and reports per folder.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { casesFromText, defaultSuiteRoot, type Case } from './conformance/cases.js';
import { loadEngine, runCase } from './conformance/execute.js';
import { readPassing } from './conformance/passing.js';
import { skipReason } from './conformance/skip.js';

const listed = readPassing();

if (!existsSync(defaultSuiteRoot)) {
  test('conformance gate', { skip: `suite not found at ${defaultSuiteRoot}` }, () => {});
} else if (listed.size === 0) {
  test('conformance gate', { skip: 'test/conformance/passing.txt lists no cases' }, () => {});
} else {
  // Parse only the files that hold listed cases.
  const byFile = new Map<string, Set<string>>();
  for (const id of listed) {
    const file = id.slice(0, id.lastIndexOf('#'));
    if (!byFile.has(file)) byFile.set(file, new Set());
    byFile.get(file)!.add(id);
  }
  const cases: Case[] = [];
  const missing: string[] = [];
  for (const [file, ids] of byFile) {
    const path = join(defaultSuiteRoot, file);
    if (!existsSync(path)) {
      missing.push(...ids);
      continue;
    }
    const found = casesFromText(readFileSync(path, 'utf8'), file).filter((c) => ids.has(c.id));
    cases.push(...found);
    for (const id of ids) if (!found.some((c) => c.id === id)) missing.push(id);
  }

  const engine = await loadEngine();
  const byFolder = new Map<string, Case[]>();
  for (const c of cases) {
    if (!byFolder.has(c.folder)) byFolder.set(c.folder, []);
    byFolder.get(c.folder)!.push(c);
  }

  test('conformance gate: listed cases exist in the suite', () => {
    assert.deepEqual(missing, [], `passing.txt lists cases not in the suite:\n  ${missing.join('\n  ')}`);
  });

  for (const [folder, cs] of [...byFolder].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    test(`conformance gate: ${folder} (${cs.length})`, () => {
      if (typeof engine === 'string') assert.fail(`engine unavailable: ${engine}`);
      const failures: string[] = [];
      for (const c of cs) {
        const o = runCase(engine, c, skipReason(c));
        if (o.status === 'fail') {
          failures.push(`${c.id} (${c.note}): ${o.reason}${o.expected ? `\n      expected: ${o.expected}` : ''}${o.actual ? `\n      actual:   ${o.actual}` : ''}`);
        }
      }
      assert.equal(failures.length, 0, `no longer passing:\n  ${failures.join('\n  ')}`);
    });
  }
}
