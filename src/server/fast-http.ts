// A fast path in front of node:http for the two decision endpoints.
//
// Why: node:http spends about as much CPU per request as everything the agent does for a decision
// (parser callbacks, IncomingMessage and ServerResponse streams, header validation, timers). On
// the machine this was measured on, a keep-alive connection answered straight from the socket
// served 2.1–2.6× the requests per second of a node:http server returning the same constant.
//
// How, and why it is safe: each chunk read from a connection is checked for complete requests of
// one narrow, unambiguous shape —
//     POST /access/v1/evaluation(s) HTTP/1.1, printable-ASCII headers, one Content-Length
//     (digits, within max_body_bytes), no Transfer-Encoding / Expect / Upgrade, Connection
//     absent or keep-alive, and the whole body in the chunk —
// and those are answered here, in order. At the first byte that is anything else (another route
// or method, a partial request, chunked encoding, an odd header, ...) the connection is handed,
// with the bytes not yet consumed, to node:http for good, which then answers exactly as it would
// have from the start. Message boundaries are therefore only ever decided here for messages that
// llhttp reads identically, so the two cannot disagree about where a request ends (no request
// smuggling), and every limit and error answer of the node:http path stays in force.
//
// A connection on the fast path is never in the middle of a request between two reads: it is
// either idle (and ends after the keep-alive timeout) or handed over.

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { renderError } from './render.js';
import type { Reply, RequestHeaders } from './types.js';

/** Answers one complete request. The reply must be given before this returns. */
export type FastHandler = (route: number, h: RequestHeaders, body: Buffer, reply: Reply) => void;

export interface FastHttpOptions {
  /** Request targets answered here, each with the route number passed to the handler. */
  routes: ReadonlyMap<string, number>;
  handler: FastHandler;
  /** Gives a connection, with the bytes already read from it but not answered, to node:http. */
  handoff: (socket: Socket) => void;
  maxBodyBytes: number;
  /** Idle time after a response before the connection is closed (node:http's keepAliveTimeout). */
  keepAliveTimeoutMs: number;
  /** Time allowed for the first request on a new connection (node:http's requestTimeout). */
  firstRequestTimeoutMs: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** Longest request head read here; longer ones go to node:http (whose limit is 16 KiB). */
const MAX_HEAD = 8192;
/** More header lines than this go to node:http too (which reads only its first 2,000). */
const MAX_HEADERS = 100;
/** Anything but HTAB and printable ASCII in a head hands the request over (CR LF are checked per line). */
const UNUSUAL_BYTE = /[^\t\r\n\x20-\x7e]/;
/** RFC 9110 token: a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const DIGITS = /^[0-9]{1,15}$/;

export class FastHttp {
  private readonly conns = new Set<FastConnection>();
  /** Requests answered here, and connections given to node:http (for tests and diagnosis). */
  readonly stats = { answered: 0, handedOff: 0 };
  private closing = false;
  private dateSecond = -1;
  private dateText = '';
  /** The end of a response head on a connection that stays open. */
  readonly keepAlive: string;

  constructor(readonly o: FastHttpOptions) {
    this.keepAlive = '\r\nConnection: keep-alive\r\nKeep-Alive: timeout=' + Math.floor(o.keepAliveTimeoutMs / 1000) + '\r\n\r\n';
  }

  /** Takes a new connection (the 'connection' listener of the http.Server). */
  accept(socket: Socket): void {
    const c = new FastConnection(this, socket);
    this.conns.add(c);
  }

  /** From now on every response says `connection: close` and ends its connection. */
  startClosing(): void {
    this.closing = true;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Ends every fast-path connection (all are idle between reads); destroy = without waiting for writes. */
  closeAll(destroy: boolean): void {
    for (const c of this.conns) c.close(destroy);
  }

  /** The HTTP Date header value, recomputed once a second (as node:http does). */
  date(): string {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    if (s !== this.dateSecond) {
      this.dateSecond = s;
      this.dateText = new Date(now).toUTCString();
    }
    return this.dateText;
  }

  /** @internal */
  forget(c: FastConnection): void {
    this.conns.delete(c);
  }
}

class FastConnection implements Reply {
  responses = 0;
  private out = '';
  private answered = false;
  /** Our side is closed: whatever the client still sends is ignored. */
  private ended = false;
  private readonly onData = (chunk: Buffer): void => this.read(chunk);
  /** Idle too long, or a socket error. */
  private readonly abort = (): void => {
    this.socket.destroy();
  };
  private readonly onClose = (): void => this.owner.forget(this);
  private readonly onDrain = (): void => {
    this.socket.resume();
  };
  /** The client half-closed: as node:http does with no response pending, close our side too. */
  private readonly onEnd = (): void => {
    this.socket.end();
  };

  constructor(
    private readonly owner: FastHttp,
    private readonly socket: Socket,
  ) {
    socket.setTimeout(owner.o.firstRequestTimeoutMs);
    socket.on('timeout', this.abort);
    socket.on('error', this.abort);
    socket.on('close', this.onClose);
    socket.on('end', this.onEnd);
    socket.on('data', this.onData);
  }

  send(status: number, body: string, id: string, extra?: readonly string[]): void {
    this.responses++;
    let head = 'HTTP/1.1 ' + status + ' ' + STATUS_CODES[status] + '\r\ncontent-type: application/json\r\ncontent-length: ' + Buffer.byteLength(body) + '\r\nx-request-id: ' + id + '\r\n';
    if (extra !== undefined) for (let i = 0; i + 1 < extra.length; i += 2) head += extra[i] + ': ' + extra[i + 1] + '\r\n';
    // The three headers node:http adds, spelled as it spells them.
    head += 'Date: ' + this.owner.date() + (this.owner.isClosing ? '\r\nConnection: close\r\n\r\n' : this.owner.keepAlive);
    this.out += head + body;
  }

  close(destroy: boolean): void {
    if (destroy) this.socket.destroy();
    else this.socket.end();
  }

  private read(buf: Buffer): void {
    if (this.ended) return;
    const o = this.owner.o;
    let p = 0;
    while (p < buf.length) {
      const next = this.one(buf, p, o);
      if (next === -1) break;
      p = next;
      if (this.owner.isClosing) {
        // As node:http does while closing: the answered request is the connection's last.
        this.flush();
        this.socket.end();
        this.ended = true;
        return;
      }
    }
    const full = !this.flush();
    if (p < buf.length) this.handoff(buf.subarray(p));
    else if (full) {
      // The client is not reading its answers: read no more requests until it has (node:http
      // does the same; it is also what bounds the memory a pipelining client can make us hold).
      this.socket.pause();
      this.socket.once('drain', this.onDrain);
    }
  }

  /** Answers the request at `p` if it has the fast shape and is complete; returns where it ends, or -1. */
  private one(buf: Buffer, p: number, o: FastHttpOptions): number {
    const headEnd = buf.indexOf(CRLFCRLF, p);
    if (headEnd === -1 || headEnd - p > MAX_HEAD) return -1;
    const head = buf.toString('latin1', p, headEnd);
    if (UNUSUAL_BYTE.test(head)) return -1;
    const lines = head.split('\r\n');
    if (lines.length > MAX_HEADERS + 1) return -1;
    const first = lines[0];
    if (!first.startsWith('POST ') || !first.endsWith(' HTTP/1.1')) return -1;
    const route = o.routes.get(first.slice(5, -9));
    if (route === undefined) return -1;
    const h: RequestHeaders = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      // A lone CR or LF, obs-fold, or a malformed name: node:http decides (it rejects them).
      if (colon <= 0 || line.includes('\r') || line.includes('\n')) return -1;
      const name = line.slice(0, colon);
      if (!TOKEN.test(name)) return -1;
      const value = trimOws(line.slice(colon + 1));
      switch (name.toLowerCase()) {
        case 'content-length':
          if (h.contentLength !== undefined || !DIGITS.test(value)) return -1;
          h.contentLength = value;
          break;
        case 'content-type':
          h.contentType ??= value;
          break;
        case 'authorization':
          h.authorization ??= value;
          break;
        case 'x-request-id':
          h.requestId = h.requestId === undefined ? value : h.requestId + ', ' + value;
          break;
        case 'connection':
          if (value.toLowerCase() !== 'keep-alive') return -1;
          break;
        case 'transfer-encoding':
        case 'expect':
        case 'upgrade':
          return -1;
      }
    }
    if (h.contentLength === undefined) return -1;
    const length = Number(h.contentLength);
    const bodyStart = headEnd + 4;
    if (length > o.maxBodyBytes || bodyStart + length > buf.length) return -1;
    const before = this.responses;
    this.owner.stats.answered++;
    o.handler(route, h, buf.subarray(bodyStart, bodyStart + length), this);
    // Exactly one response per request keeps the connection in step; a handler bug must not break that.
    if (this.responses === before) this.send(500, renderError('internal error'), 'unanswered');
    return bodyStart + length;
  }

  /** Writes the answers so far; false when the socket's buffer is over its high-water mark. */
  private flush(): boolean {
    if (this.out === '') return true;
    const ok = this.socket.write(this.out);
    this.out = '';
    if (!this.answered) {
      this.answered = true;
      this.socket.setTimeout(this.owner.o.keepAliveTimeoutMs);
    }
    return ok;
  }

  private release(): void {
    const s = this.socket;
    s.removeListener('data', this.onData);
    s.removeListener('timeout', this.abort);
    s.removeListener('error', this.abort);
    s.removeListener('close', this.onClose);
    s.removeListener('end', this.onEnd);
    s.removeListener('drain', this.onDrain);
    this.owner.forget(this);
  }

  /** node:http takes the connection from here on, starting with `rest`. */
  private handoff(rest: Buffer): void {
    this.release();
    this.owner.stats.handedOff++;
    const s = this.socket;
    s.setTimeout(0);
    this.owner.o.handoff(s);
    // node:http's data listener (added by handoff) parses what was read but not answered here.
    s.emit('data', rest);
  }
}

/** Strips optional whitespace (SP, HTAB) around a header value. */
function trimOws(v: string): string {
  let a = 0;
  let b = v.length;
  while (a < b && (v.charCodeAt(a) === 0x20 || v.charCodeAt(a) === 0x09)) a++;
  while (b > a && (v.charCodeAt(b - 1) === 0x20 || v.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === v.length ? v : v.slice(a, b);
}
