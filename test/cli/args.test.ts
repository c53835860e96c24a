import { it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError, parseArgs, type FlagSpec } from '../../src/cli/args.js';

const specs: FlagSpec[] = [{ name: 'policy' }, { name: 'decision-log', boolean: true }, { name: 'help', boolean: true, short: 'h' }];

it('parses values, booleans, --no-, = forms and positionals', () => {
  const r = parseArgs(['--policy', 'a.rego', '--decision-log', 'x', '--', '--not-a-flag'], specs);
  assert.equal(r.flags.get('policy'), 'a.rego');
  assert.equal(r.flags.get('decision-log'), true);
  assert.deepEqual(r.positionals, ['x', '--not-a-flag']);
  assert.equal(parseArgs(['--policy=b.rego'], specs).flags.get('policy'), 'b.rego');
  assert.equal(parseArgs(['--decision-log=false'], specs).flags.get('decision-log'), false);
  assert.equal(parseArgs(['--decision-log=1'], specs).flags.get('decision-log'), true);
  assert.equal(parseArgs(['--no-decision-log'], specs).flags.get('decision-log'), false);
  assert.equal(parseArgs(['-h'], specs).flags.get('help'), true);
  assert.equal(parseArgs(['--policy', '--weird-name.rego'], specs).flags.get('policy'), '--weird-name.rego');
});

it('rejects unknown flags, missing values and bad booleans', () => {
  assert.throws(() => parseArgs(['--polcy', 'x'], specs), (e) => e instanceof UsageError && /unknown flag --polcy/.test(e.message));
  assert.throws(() => parseArgs(['--policy'], specs), /--policy needs a value/);
  assert.throws(() => parseArgs(['--decision-log=maybe'], specs), /takes true or false/);
  assert.throws(() => parseArgs(['--no-policy'], specs), /unknown flag --no-policy/);
  assert.throws(() => parseArgs(['-x'], specs), /unknown flag -x/);
});
