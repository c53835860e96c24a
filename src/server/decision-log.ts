// The decision log (PRODUCT.md §6): one JSON line per decision, keys in this exact order:
// {"time","level":"INFO","msg":"decision","subject_id","resource_id","action","decision","reason","access_path","ms"}
// Lines are formatted by hand (no logger machinery on the hot path) and handed to a buffered,
// asynchronous writer, so a slow stdout consumer never blocks a request.

import { quote } from './json.js';
import type { Decision, EvaluationInput } from './types.js';

export type LineWriter = (line: string) => void;

export class DecisionLog {
  private lastMs = 0;
  private lastIso = '';

  constructor(private readonly write: LineWriter) {}

  record(input: EvaluationInput, d: Decision, ms: number): void {
    const now = Date.now();
    if (now !== this.lastMs) {
      this.lastMs = now;
      this.lastIso = new Date(now).toISOString();
    }
    let line =
      '{"time":"' +
      this.lastIso +
      '","level":"INFO","msg":"decision","subject_id":' +
      quote(input.subject.id) +
      ',"resource_id":' +
      quote(input.resource.id) +
      ',"action":' +
      quote(input.action.name) +
      ',"decision":' +
      d.allowed;
    if (d.reason !== undefined) line += ',"reason":' + quote(d.reason);
    if (d.accessPath !== undefined) line += ',"access_path":' + quote(d.accessPath);
    line += ',"ms":' + Math.round(ms * 1000) / 1000 + '}\n';
    this.write(line);
  }
}
