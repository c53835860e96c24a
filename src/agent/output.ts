// Where the agent's lines go: one asynchronous, buffered stdout writer (sonic-boom, as pino uses)
// shared by the pino logger and the hand-formatted decision log. Writes never block a request:
// lines collect in memory and go out in one write per 8 KiB or every 50 ms, whichever comes first
// (one write per line would cost a thread-pool round trip per decision). If stdout stalls, the
// queue is capped and further lines are dropped (and counted) instead of growing without bound.
//
// Decision-log lines are first joined here and handed over once per event-loop turn (or per
// 8 KiB): sonic-boom measures the UTF-8 length of its whole pending chunk on every write, which
// made one call per line cost about 3 µs, as much as the rest of a decision. Logger lines flush
// the joined decision lines first, so lines keep their order.

import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/index.js';

export interface Output {
  logger: Logger;
  /** Appends one preformatted line (ending in "\n"). */
  write: (line: string) => void;
  /** Writes everything still queued, then stops (bounded by `timeoutMs`). */
  close: (timeoutMs?: number) => Promise<void>;
  /** Last resort before an abrupt exit: writes what is queued synchronously. */
  flushSync: () => void;
  /** Lines dropped because stdout could not keep up. */
  dropped: () => number;
}

const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** Joined decision lines are handed to the writer at this size at the latest. */
const JOIN_BYTES = 8 * 1024;

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export function createOutput(level: LogLevel, fd = 1): Output {
  const dest = pino.destination({ dest: fd, sync: false, minLength: 8 * 1024, periodicFlush: 50, maxLength: MAX_QUEUED_BYTES });
  let dropped = 0;
  dest.on('drop', (data: string) => (dropped += countLines(data)));
  let joined = '';
  let scheduled = false;
  const handOver = (): void => {
    scheduled = false;
    if (joined === '') return;
    const text = joined;
    joined = '';
    dest.write(text);
  };
  const write = (line: string): void => {
    joined += line;
    if (joined.length >= JOIN_BYTES) handOver();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(handOver);
    }
  };
  const loggerStream = {
    write(line: string): void {
      handOver();
      dest.write(line);
    },
  };
  const logger = pino(
    {
      level,
      base: undefined,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    },
    loggerStream,
  );
  return {
    logger,
    write,
    close: (timeoutMs = 2000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        dest.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        try {
          handOver();
          dest.end();
        } catch {
          resolve();
        }
      }),
    flushSync: () => {
      try {
        handOver();
        dest.flushSync();
      } catch {
        // stdout gone (EPIPE) or a write in flight: nothing more we can do at exit
      }
    },
    dropped: () => dropped,
  };
}
