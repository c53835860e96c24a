// Response bodies for decisions, built as strings (the shapes are fixed and small).
//
// Single evaluation:
//   {"decision":b,"allowed":b,"reason"?,"access_path"?,"context":{"reason"?,"access_path"?,...extra}}
//   `decision` for AuthZEN clients; `allowed`/`reason`/`access_path` mirror the product's examples.
// Batch item: {"decision":b}, plus the same `context` only when there is a reason or an error —
//   AuthZEN test harnesses compare batch items byte for byte (API.md §8), so they stay minimal.

import { quote } from './json.js';
import type { Decision } from './types.js';

function contextMembers(d: Decision): string {
  let s = '';
  if (d.reason !== undefined) s = '"reason":' + quote(d.reason);
  if (d.accessPath !== undefined) s += (s ? ',' : '') + '"access_path":' + quote(d.accessPath);
  if (d.extra !== '') s += (s ? ',' : '') + d.extra;
  return s;
}

let lastDecision: Decision | undefined;
let lastBody = '';

export function renderSingle(d: Decision): string {
  // Boolean and constant results come back as the same Decision object: render those once.
  if (d === lastDecision) return lastBody;
  const b = d.allowed ? 'true' : 'false';
  let top = '';
  let ctx = '';
  if (d.reason !== undefined) {
    ctx = '"reason":' + quote(d.reason);
    top = ',' + ctx;
  }
  if (d.accessPath !== undefined) {
    const p = '"access_path":' + quote(d.accessPath);
    top += ',' + p;
    ctx += (ctx ? ',' : '') + p;
  }
  if (d.extra !== '') ctx += (ctx ? ',' : '') + d.extra;
  const body = '{"decision":' + b + ',"allowed":' + b + top + ',"context":{' + ctx + '}}';
  lastDecision = d;
  lastBody = body;
  return body;
}

export function renderItem(d: Decision): string {
  if (d.reason === undefined) return d.allowed ? '{"decision":true}' : '{"decision":false}';
  return '{"decision":' + (d.allowed ? 'true' : 'false') + ',"context":{' + contextMembers(d) + '}}';
}

/** A batch item that could not be evaluated (e.g. a missing field): a closed decision with the error. */
export function renderItemError(status: number, message: string): string {
  return '{"decision":false,"context":{"error":{"status":' + status + ',"message":' + quote(message) + '}}}';
}

export function renderError(message: string): string {
  return '{"error":' + quote(message) + '}';
}
