// The agent's stdout writer (src/agent/output.ts): decision-log lines are joined before they go
// to the asynchronous writer; logger lines and decision lines must still come out whole, all of
// them, in the order they were written.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutput } from '../../src/agent/output.js';

it('decision lines and logger lines come out whole and in order, across event-loop turns and large bursts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vengtoo-output-'));
  const file = join(dir, 'out.log');
  const fd = openSync(file, 'w');
  try {
    const out = createOutput('info', fd);
    let n = 0;
    for (let turn = 0; turn < 50; turn++) {
      // A burst larger than the join size in some turns, a few lines in others.
      const lines = turn % 5 === 0 ? 300 : 3;
      for (let i = 0; i < lines; i++) out.write(JSON.stringify({ msg: 'decision', n: n++ }) + '\n');
      out.logger.info({ n: n++ }, 'between');
      await new Promise((r) => setImmediate(r));
    }
    out.write(JSON.stringify({ msg: 'decision', n: n++ }) + '\n'); // still joined when close() is called
    await out.close();
    const got = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { n: number; msg: string });
    assert.equal(got.length, n);
    assert.deepEqual(
      got.map((l) => l.n),
      Array.from({ length: n }, (_, i) => i),
    );
    assert.equal(got.filter((l) => l.msg === 'between').length, 50);
    assert.equal(out.dropped(), 0);
  } finally {
    // (the writer closes the descriptor itself)
    rmSync(dir, { recursive: true, force: true });
  }
});
