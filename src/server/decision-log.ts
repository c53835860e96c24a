// The decision log (PRODUCT.md §6): one JSON line per decision, keys in this exact order:
// {"time","level":"INFO","msg":"decision","subject_id","resource_id","action","decision","reason","access_path","ms"}
// Lines are formatted by hand (no logger machinery on the hot path) and handed to a buffered,
// asynchronous writer, so a slow stdout consumer never blocks a request.

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
      JSON.stringify(input.subject.id) +
      ',"resource_id":' +
      JSON.stringify(input.resource.id) +
      ',"action":' +
      JSON.stringify(input.action.name) +
      ',"decision":' +
      d.allowed;
    if (d.reason !== undefined) line += ',"reason":' + JSON.stringify(d.reason);
    if (d.accessPath !== undefined) line += ',"access_path":' + JSON.stringify(d.accessPath);
    line += ',"ms":' + Math.round(ms * 1000) / 1000 + '}\n';
    this.write(line);
  }
}
