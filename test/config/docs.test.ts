// The README's configuration table documents every key, its environment variable and its default.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS, KEY_NAMES, envName, type KeyDef } from '../../src/config/index.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

it('README table lists every config key with its env var and default', () => {
  const rows = new Map<string, string[]>();
  for (const line of readme.split('\n')) {
    const m = /^\| `([a-z_]+)` \| `(VENGTOO_[A-Z_]+)` \| ([^|]+) \|/.exec(line);
    if (m) rows.set(m[1], [m[2], m[3].trim()]);
  }
  for (const key of KEY_NAMES) {
    const row = rows.get(key);
    assert.ok(row, `README documents ${key}`);
    assert.equal(row[0], envName(key));
    const k: KeyDef = KEYS[key];
    const def = k.default;
    if (def !== '' && k.kind !== 'secret' && key !== 'agent_name') assert.equal(row[1], '`' + def + '`', key);
  }
  assert.deepEqual([...rows.keys()].filter((k) => !(k in KEYS)), [], 'no stale rows');
});
