// Where the agent's lines go: one asynchronous, buffered stdout writer (sonic-boom, as pino uses)
// shared by the pino logger and the hand-formatted decision log. Writes never block a request:
// lines collect in memory and go out in one write per 8 KiB or every 50 ms, whichever comes first
// (one write per line would cost a thread-pool round trip per decision). If stdout stalls, the
// queue is capped and further lines are dropped (and counted) instead of growing without bound.

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

export function createOutput(level: LogLevel, fd = 1): Output {
  const dest = pino.destination({ dest: fd, sync: false, minLength: 8 * 1024, periodicFlush: 50, maxLength: MAX_QUEUED_BYTES });
  let dropped = 0;
  dest.on('drop', () => dropped++);
  const logger = pino(
    {
      level,
      base: undefined,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    },
    dest,
  );
  return {
    logger,
    write: (line) => void dest.write(line),
    close: (timeoutMs = 2000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        timer.unref();
        dest.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        try {
          dest.end();
        } catch {
          resolve();
        }
      }),
    flushSync: () => {
      try {
        dest.flushSync();
      } catch {
        // stdout gone (EPIPE) or a write in flight: nothing more we can do at exit
      }
    },
    dropped: () => dropped,
  };
}
