// Cases the runner does not run, each with its reason. Keys are a case's note (every case with
// that note) or its id `<file>#<index>`. Only real reasons, such as a host facility the harness
// cannot provide. (test.sleep and DNS are provided by harness.ts, so nothing is skipped today.)

export const skips: Readonly<Record<string, string>> = {};

/** The skip reason for a case, if any. */
export function skipReason(c: { id: string; note: string }): string | undefined {
  return Object.prototype.hasOwnProperty.call(skips, c.id)
    ? skips[c.id]
    : Object.prototype.hasOwnProperty.call(skips, c.note)
      ? skips[c.note]
      : undefined;
}
