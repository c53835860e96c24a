// Structural JSON builtins: json.filter and json.remove (paths as `a/b/c` strings or arrays
// of segments), json.patch (RFC 6902 as OPA's edit tree applies it: sets are addressed by
// element, errors make the result undefined) and JSON Schema validation (see jsonschema.ts).

import { BuiltinError } from '../errors.js';
import {
  equal,
  isObject,
  keyOf,
  objectEntries,
  objectGet,
  ObjectBuilder,
  RObject,
  RSet,
  typeName,
  type ObjectValue,
  type PlainObject,
  type Value,
} from '../value.js';
import { jsonSchemaBuiltins } from './jsonschema.js';
import { operandTypeError } from './numbers.js';
import type { BuiltinDef } from './types.js';

// ---- paths ----

type Path = Value[];

function parsePath(p: Value): Path {
  if (typeof p === 'string') {
    if (p === '') return [];
    return p
      .replace(/^\/+/, '')
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  if (Array.isArray(p)) return p;
  throw new BuiltinError(
    `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`,
    'eval_type_error',
  );
}

function jsonPaths(v: Value): Path[] {
  if (Array.isArray(v)) return v.map(parsePath);
  if (v instanceof RSet) return v.sorted().map(parsePath);
  return operandTypeError(1, v, 'set', 'array');
}

/** The filter tree of OPA's pathsToObject: null marks a selected leaf. */
class Tree {
  readonly children = new Map<unknown, { key: Value; node: Tree | null }>();
  get(k: Value): Tree | null | undefined {
    return this.children.get(keyOf(k))?.node;
  }
  has(k: Value): boolean {
    return this.children.has(keyOf(k));
  }
  set(k: Value, node: Tree | null): void {
    this.children.set(keyOf(k), { key: k, node });
  }
}

function pathsToTree(paths: Path[]): Tree {
  const root = new Tree();
  for (const path of paths) {
    let node = root;
    let done = path.length === 0;
    for (let i = 0; i < path.length - 1 && !done; i++) {
      const child = node.get(path[i]);
      if (child === undefined) {
        const t = new Tree();
        node.set(path[i], t);
        node = t;
      } else if (child === null) done = true;
      else node = child;
    }
    if (!done) node.set(path[path.length - 1], null);
  }
  return root;
}

function objectOf(entries: [Value, Value][]): ObjectValue {
  const b = new ObjectBuilder();
  for (const [k, v] of entries) b.set(k, v);
  return b.build();
}

/** ast.Object.Filter. */
function filterValue(v: Value, filter: Tree | null): Value {
  if (filter === null) return v;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const sub = filter.get(String(i));
      if (sub !== undefined) out.push(filterValue(x, sub));
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const x of v.sorted()) {
      const sub = filter.get(x);
      if (sub !== undefined) out.add(filterValue(x, sub));
    }
    return out;
  }
  if (isObject(v)) {
    const out: [Value, Value][] = [];
    for (const [k, x] of objectEntries(v)) {
      const sub = filter.get(k);
      if (sub !== undefined) out.push([k, filterValue(x, sub)]);
    }
    return objectOf(out);
  }
  return v;
}

/** OPA's jsonRemove: undefined means the value is removed. */
function removeValue(v: Value, spec: Tree | null | undefined): Value | undefined {
  if (spec === undefined) return v;
  if (spec === null) return undefined;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const r = removeValue(x, spec.get(String(i)));
      if (r !== undefined) out.push(r);
    });
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const x of v.sorted()) {
      const r = removeValue(x, spec.get(x));
      if (r !== undefined) out.add(r);
    }
    return out;
  }
  if (isObject(v)) {
    const out: [Value, Value][] = [];
    for (const [k, x] of objectEntries(v)) {
      const r = removeValue(x, spec.get(k));
      if (r !== undefined) out.push([k, r]);
    }
    return objectOf(out);
  }
  return v;
}

function argObjectValue(args: Value[], i: number): ObjectValue {
  const v = args[i];
  if (!isObject(v)) return operandTypeError(i, v, 'object');
  return v;
}

// ---- json.patch ----

class PatchError extends Error {}

function toIndex(length: number, seg: Value): number {
  if (typeof seg === 'number' || typeof seg === 'bigint') {
    if (typeof seg === 'number' && !Number.isInteger(seg)) throw new PatchError('invalid number type for indexing');
    return Number(seg);
  }
  if (typeof seg === 'string') {
    if (seg === '-') return length;
    if (!/^[+-]?\d+$/.test(seg)) throw new PatchError('invalid string for indexing');
    if (seg !== '0' && seg.startsWith('0')) throw new PatchError('leading zeros are not allowed in JSON paths');
    return Number(seg);
  }
  throw new PatchError('invalid type for indexing');
}

function setMember(s: RSet, seg: Value): Value {
  const k = keyOf(seg);
  if (!s.map.has(k)) throw new PatchError('path does not exist');
  return s.map.get(k) as Value;
}

function childOf(v: Value, seg: Value): Value {
  if (Array.isArray(v)) {
    const i = toIndex(v.length, seg);
    if (i < 0 || i >= v.length) throw new PatchError('index out of bounds');
    return v[i];
  }
  if (v instanceof RSet) return setMember(v, seg);
  if (isObject(v)) {
    const c = objectGet(v, seg);
    if (c === undefined) throw new PatchError('path does not exist');
    return c;
  }
  throw new PatchError('expected composite type');
}

function withKey(o: ObjectValue, k: Value, v: Value | undefined): ObjectValue {
  if (!(o instanceof RObject) && typeof k === 'string') {
    const out = Object.create(null) as PlainObject;
    for (const key of Object.keys(o)) if (key !== k) out[key] = o[key];
    if (v !== undefined) out[k] = v;
    return out;
  }
  const entries = objectEntries(o).filter(([key]) => !equal(key, k));
  if (v !== undefined) entries.push([k, v]);
  return objectOf(entries);
}

function replaceMember(s: RSet, old: Value, next: Value | undefined): RSet {
  const out = new RSet();
  const k = keyOf(old);
  for (const [key, x] of s.map) if (key !== k) out.add(x);
  if (next !== undefined) out.add(next);
  return out;
}

/** Rebuilds v with f applied to the container at path[0..n-1] and the last segment. */
function update(v: Value, path: Path, at: number, f: (parent: Value, seg: Value) => Value): Value {
  if (at === path.length - 1) return f(v, path[at]);
  const seg = path[at];
  const child = childOf(v, seg);
  const next = update(child, path, at + 1, f);
  if (Array.isArray(v)) {
    const out = v.slice();
    out[toIndex(v.length, seg)] = next;
    return out;
  }
  if (v instanceof RSet) return replaceMember(v, child, next);
  return withKey(v as ObjectValue, seg, next);
}

function insertAt(doc: Value, path: Path, value: Value): Value {
  if (path.length === 0) return value;
  return update(doc, path, 0, (parent, seg) => {
    if (Array.isArray(parent)) {
      const i = toIndex(parent.length, seg);
      if (i < 0 || i > parent.length) throw new PatchError('index for array insertion out of bounds');
      const out = parent.slice();
      out.splice(i, 0, value);
      return out;
    }
    if (parent instanceof RSet) {
      if (!equal(seg, value)) throw new PatchError('set key does not equal value to be inserted');
      const out = new RSet(parent.sorted());
      out.add(value);
      return out;
    }
    if (isObject(parent)) return withKey(parent, seg, value);
    throw new PatchError('expected composite type');
  });
}

function deleteAt(doc: Value, path: Path): Value | undefined {
  if (path.length === 0) return undefined;
  return update(doc, path, 0, (parent, seg) => {
    if (Array.isArray(parent)) {
      const i = toIndex(parent.length, seg);
      if (i < 0 || i >= parent.length) throw new PatchError('index out of bounds');
      return parent.filter((_, j) => j !== i);
    }
    if (parent instanceof RSet) return replaceMember(parent, setMember(parent, seg), undefined);
    if (isObject(parent)) {
      if (objectGet(parent, seg) === undefined) throw new PatchError('path does not exist');
      return withKey(parent, seg, undefined);
    }
    throw new PatchError('expected composite type');
  });
}

function renderAt(doc: Value, path: Path): Value {
  let v = doc;
  for (const seg of path) v = childOf(v, seg);
  return v;
}

const validOps = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function applyPatch(doc: Value, ops: Value[]): Value | undefined {
  let cur: Value | undefined = doc;
  for (const op of ops) {
    if (!isObject(op)) throw new PatchError('must be an array of JSON-Patch objects');
    const attr = (name: string): Value => {
      const v = objectGet(op, name);
      if (v === undefined) throw new PatchError(`missing '${name}' attribute`);
      return v;
    };
    const kind = attr('op');
    if (typeof kind !== 'string') throw new PatchError("attribute 'op' must be a string");
    if (!validOps.has(kind)) throw new PatchError(`unrecognized op '${kind}'`);
    const path = parsePath(attr('path'));
    const from = kind === 'move' || kind === 'copy' ? parsePath(attr('from')) : [];
    const value = kind === 'add' || kind === 'replace' || kind === 'test' ? attr('value') : null;
    if (cur === undefined) throw new PatchError('deleted node encountered');
    switch (kind) {
      case 'add':
        cur = insertAt(cur, path, value);
        break;
      case 'remove':
        cur = deleteAt(cur, path);
        break;
      case 'replace': {
        const removed: Value | undefined = deleteAt(cur, path);
        cur = removed === undefined ? value : insertAt(removed, path, value);
        break;
      }
      case 'move': {
        const chunk = renderAt(cur, from);
        const removed: Value | undefined = deleteAt(cur, from);
        cur = removed === undefined ? chunk : insertAt(removed, path, chunk);
        break;
      }
      case 'copy':
        cur = insertAt(cur, path, renderAt(cur, from));
        break;
      case 'test':
        if (!equal(renderAt(cur, path), value)) throw new PatchError('test failed');
        break;
    }
  }
  return cur;
}

export const jsonBuiltins: BuiltinDef[] = [
  {
    name: 'json.filter',
    args: ['object', 'array|set'],
    result: 'object',
    fn: (args) => {
      const obj = argObjectValue(args, 0);
      const tree = pathsToTree(jsonPaths(args[1]));
      return filterValue(obj, tree);
    },
  },
  {
    name: 'json.remove',
    args: ['object', 'array|set'],
    result: 'object',
    fn: (args) => {
      const obj = argObjectValue(args, 0);
      const tree = pathsToTree(jsonPaths(args[1]));
      return removeValue(obj, tree);
    },
  },
  {
    name: 'json.patch',
    args: ['any', 'array'],
    result: 'any',
    fn: (args) => {
      const ops = args[1];
      if (!Array.isArray(ops)) return operandTypeError(1, ops, 'array');
      try {
        return applyPatch(args[0], ops);
      } catch (e) {
        if (e instanceof PatchError || e instanceof BuiltinError) return undefined;
        throw e;
      }
    },
  },
  ...jsonSchemaBuiltins,
];
