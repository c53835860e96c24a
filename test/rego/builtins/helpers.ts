// A small fake BuiltinContext and call helpers for builtin unit tests.

import assert from 'node:assert/strict';
import { BuiltinError } from '../../../src/rego/errors.js';
import type { BuiltinContext, BuiltinDef } from '../../../src/rego/builtins/types.js';
import type { Value } from '../../../src/rego/value.js';

export function fakeContext(): BuiltinContext {
  return { nowNs: () => 0n, memo: new Map(), host: {}, location: 'test.rego:1', charge: () => {} };
}

export function finder(defs: BuiltinDef[]) {
  const byName = new Map(defs.map((d) => [d.name, d]));
  return (name: string, ...args: Value[]): Value | undefined => {
    const def = byName.get(name);
    if (!def) throw new Error(`no builtin ${name}`);
    assert.equal(args.length, def.args.length, `arity of ${name}`);
    return def.fn(args, fakeContext());
  };
}

export function assertBuiltinError(
  f: () => unknown,
  message: string,
  code: 'eval_type_error' | 'eval_builtin_error' = 'eval_type_error',
): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof BuiltinError, `expected BuiltinError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    return true;
  });
}
