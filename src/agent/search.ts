// The search APIs' view of one compiled policy (docs/search.md): which subjects, resources and
// actions exist, read from the policy's merged `data` document by one convention —
//
//   data.vengtoo.entities.subjects[type][id]    = stored properties (an object), or
//   data.vengtoo.entities.subjects[type]        = a set/array of ids (no properties)
//   data.vengtoo.entities.resources[type][id]   likewise
//   data.vengtoo.entities.actions[resource type] (else actions["*"]) = action names
//                                                  (array, set, or an object's keys)
//
// Base data and rules merge under `data`, so a policy may list entities in data.json or compute
// them with rules. The document is evaluated once per policy, without `input`, on the first
// search (then cached, like the policy itself). Without `actions`, the candidate actions are the
// string constants the policy's modules compare `input.action.name` with (see actionConstants).

import type { Module } from '../rego/ast.js';
import { RSet, compareStrings, isObject, objectGet, objectKeys, toJSON, type ObjectValue, type Value } from '../rego/value.js';
import type { Candidates, Decide, SearchSource } from '../server/types.js';

/** What the search source needs from a compiled policy (src/rego's Policy satisfies it). */
export interface SearchPolicy {
  entrypoint(path: string): { evaluate(input: Value | undefined): Value | undefined } | undefined;
  readonly modules: readonly Module[];
}

export const ENTITIES_PATH = 'vengtoo/entities';

type Kind = 'subject' | 'resource';
const SECTION: Record<Kind, string> = { subject: 'subjects', resource: 'resources' };

/**
 * Builds the search source of one policy. Cheap: everything is computed on first use. `session`
 * gives a search its own decide function (DeciderInfo.session); without it every candidate is a
 * fresh evaluation.
 */
export function makeSearchSource(policy: SearchPolicy, decide: Decide, revision: string, session?: SearchSource['session']): SearchSource {
  let doc: ObjectValue | null | undefined; // null: no entities document
  let failure: Error | undefined;
  const byType: Record<Kind, Map<string, Candidates | undefined>> = { subject: new Map(), resource: new Map() };
  const actionsByType = new Map<string, readonly string[]>();
  let constants: readonly string[] | undefined;

  /** The entities document, evaluated once; a failure is cached and rethrown as well. */
  const entities = (): ObjectValue | null => {
    if (failure !== undefined) throw failure;
    if (doc !== undefined) return doc;
    try {
      const v = policy.entrypoint(ENTITIES_PATH)?.evaluate(undefined);
      doc = v !== undefined && isObject(v) ? v : null;
    } catch (e) {
      failure = new Error(`evaluating data.${ENTITIES_PATH.replace('/', '.')} failed: ${e instanceof Error ? e.message : String(e)}`);
      throw failure;
    }
    return doc;
  };

  const section = (kind: Kind): ObjectValue | undefined => {
    const d = entities();
    if (d === null) return undefined;
    const s = objectGet(d, SECTION[kind]);
    return s !== undefined && isObject(s) ? s : undefined;
  };

  return {
    revision,
    decide,
    session: session ?? (() => decide),
    lists: (kind) => section(kind) !== undefined,
    entities(kind, type) {
      const cache = byType[kind];
      if (cache.has(type)) return cache.get(type);
      const s = section(kind);
      const v = s === undefined ? undefined : objectGet(s, type);
      const c = v === undefined ? undefined : candidatesOf(v);
      cache.set(type, c);
      return c;
    },
    actions(resourceType) {
      let names = actionsByType.get(resourceType);
      if (names !== undefined) return names;
      const d = entities();
      const table = d === null ? undefined : objectGet(d, 'actions');
      if (table !== undefined && isObject(table)) {
        const v = objectGet(table, resourceType) ?? objectGet(table, '*');
        names = v === undefined ? [] : namesOf(v);
      } else {
        names = constants ??= actionConstants(policy.modules);
      }
      actionsByType.set(resourceType, names);
      return names;
    },
  };
}

/** `{id: props, ...}` or a set/array of ids → ids in Rego's order (code points; objects and sets iterate so already). */
function candidatesOf(v: Value): Candidates {
  const ids: string[] = [];
  const properties: (Record<string, unknown> | undefined)[] = [];
  if (isObject(v)) {
    for (const k of objectKeys(v)) {
      if (typeof k !== 'string') continue;
      ids.push(k);
      properties.push(propertiesOf(objectGet(v, k) as Value));
    }
  } else if (v instanceof RSet || Array.isArray(v)) {
    const items = v instanceof RSet ? v.sorted() : [...new Set(v.filter((x): x is string => typeof x === 'string'))].sort(compareStrings);
    for (const k of items) {
      if (typeof k !== 'string') continue;
      ids.push(k);
      properties.push(undefined);
    }
  }
  let index: Map<string, number> | undefined;
  return {
    ids,
    properties,
    indexOf(id) {
      if (index === undefined) {
        index = new Map();
        for (let i = 0; i < ids.length; i++) index.set(ids[i], i);
      }
      return index.get(id) ?? -1;
    },
  };
}

/** Stored properties as the JSON a PEP could send: an object, or nothing. */
function propertiesOf(v: Value): Record<string, unknown> | undefined {
  if (!isObject(v)) return undefined;
  return (isJsonData(v) ? v : toJSON(v)) as Record<string, unknown>;
}

/** True when a value holds only JSON data (no sets, no non-string keys): usable as input as is. */
function isJsonData(v: Value): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (v instanceof RSet) return false;
  if (Array.isArray(v)) return v.every(isJsonData);
  if (!(Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) return false; // RObject
  for (const k in v) if (!isJsonData((v as Record<string, Value>)[k])) return false;
  return true;
}

/** Action names from an array, a set, or an object's keys; strings only, sorted, unique. */
function namesOf(v: Value): readonly string[] {
  let items: Value[];
  if (Array.isArray(v)) items = v;
  else if (v instanceof RSet) items = v.sorted();
  else if (isObject(v)) items = objectKeys(v);
  else items = [];
  return [...new Set(items.filter((x): x is string => typeof x === 'string'))].sort(compareStrings);
}

// ---- Action names from the policy text ----

const EQUAL = 'equal';
const MEMBER = 'internal.member_2';

interface TermNode {
  type?: string;
  kind?: string;
  [k: string]: unknown;
}

/**
 * The string constants the modules compare `input.action.name` with: `input.action.name == "x"`
 * (either side), `input.action.name = "x"`, and `input.action.name in {"x", "y"}` / `[...]`,
 * also through an import (`import input.action` → `action.name`). Negated or not, in any rule:
 * a superset is harmless, as every candidate is checked by the decision rule. Names that come
 * from data (`input.action.name in grant.actions`) cannot be seen here; such policies list their
 * actions in data.vengtoo.entities.actions.
 */
export function actionConstants(modules: readonly Module[]): readonly string[] {
  const names = new Set<string>();
  for (const m of modules) {
    const aliases = inputAliases(m);
    const isActionName = (t: unknown): boolean => refPath(t, aliases) === 'action.name';
    const visit = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) {
        for (const x of node) visit(x);
        return;
      }
      const n = node as TermNode;
      if (n.type === 'call' && (n.name === EQUAL || n.name === MEMBER)) {
        const args = n.args as unknown[];
        if (args.length === 2) {
          if (n.name === EQUAL) {
            if (isActionName(args[0])) addString(names, args[1]);
            else if (isActionName(args[1])) addString(names, args[0]);
          } else if (isActionName(args[0])) {
            const coll = args[1] as TermNode;
            if (coll.type === 'set' || coll.type === 'array') for (const item of coll.items as unknown[]) addString(names, item);
          }
        }
      } else if (n.kind === 'unify') {
        if (isActionName(n.left)) addString(names, n.right);
        else if (isActionName(n.right)) addString(names, n.left);
      }
      for (const k in n) if (k !== 'loc') visit(n[k]);
    };
    visit(m.rules);
  }
  return [...names].sort(compareStrings);
}

function addString(names: Set<string>, t: unknown): void {
  const n = t as TermNode;
  if (n.type === 'string' && typeof n.value === 'string') names.add(n.value);
}

/** Imports of `input...` in a module: alias → the path below input ('' for input itself). */
function inputAliases(m: Module): Map<string, string> {
  const out = new Map<string, string>();
  for (const imp of m.imports) {
    const p = imp.path;
    if (p.type === 'var') {
      if (p.name === 'input' && imp.alias !== undefined) out.set(imp.alias, '');
      continue;
    }
    if (p.head.type !== 'var' || p.head.name !== 'input') continue;
    const segs = stringSegments(p.path);
    if (segs === undefined || segs.length === 0) continue;
    out.set(imp.alias ?? segs[segs.length - 1], segs.join('.'));
  }
  return out;
}

/** For a ref rooted at `input` (or an import of part of it): the dotted path below input. */
function refPath(t: unknown, aliases: Map<string, string>): string | undefined {
  const n = t as TermNode;
  if (n === null || typeof n !== 'object' || n.type !== 'ref') return undefined;
  const head = n.head as TermNode;
  if (head.type !== 'var') return undefined;
  const name = head.name as string;
  let base: string;
  if (name === 'input') base = '';
  else {
    const a = aliases.get(name);
    if (a === undefined) return undefined;
    base = a;
  }
  const segs = stringSegments(n.path as unknown[]);
  if (segs === undefined) return undefined;
  return base === '' ? segs.join('.') : segs.length === 0 ? base : base + '.' + segs.join('.');
}

function stringSegments(path: readonly unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const s of path) {
    const n = s as TermNode;
    if (n.type !== 'string') return undefined;
    out.push(n.value as string);
  }
  return out;
}
