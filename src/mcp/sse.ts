// Server-Sent Events, as MCP's Streamable HTTP transport uses them: `event: message` with one
// JSON-RPC message per `data:`. A parser for reading an upstream stream and a formatter for writing.

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Incremental parser (the WHATWG event-stream rules that matter here). */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  constructor(private readonly onEvent: (e: SseEvent) => void) {}

  push(text: string): void {
    this.buf += text;
    let start = 0;
    for (;;) {
      const nl = this.buf.indexOf('\n', start);
      if (nl === -1) break;
      let line = this.buf.slice(start, nl);
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line(line);
    }
    this.buf = this.buf.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }
}

/** One `message` event; JSON text has no raw newlines, so one data line is enough. */
export function sseMessage(json: string, id?: string): string {
  return (id === undefined ? '' : `id: ${id}\n`) + `event: message\ndata: ${json}\n\n`;
}
