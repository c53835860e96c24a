// JSON string literals for the hot path. Most ids, reasons and access paths need no escaping; for
// those a character scan is cheaper than JSON.stringify. Anything unusual goes to JSON.stringify.

export function quote(s: string): string {
  if (s.length > 128) return JSON.stringify(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // control characters, ", \ and surrogates (lone ones must be escaped) take the slow path
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}
