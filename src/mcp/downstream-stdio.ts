// Downstream over stdio (the default): the MCP client started the gateway and speaks
// newline-delimited JSON-RPC on its stdin/stdout. stdout carries nothing else (logs go to stderr).
// When the client closes stdin, the session ends and the upstream is shut down.

import type { Readable, Writable } from 'node:stream';
import type { Gateway } from './gateway.js';
import { LineDecoder } from './jsonrpc.js';
import type { SessionInfo } from './request.js';

export interface StdioDownstreamOptions {
  input: Readable;
  output: Writable;
  info: SessionInfo;
}

/** Runs one stdio session; resolves with the reason it ended. */
export function serveStdio(gw: Gateway, o: StdioDownstreamOptions): Promise<string> {
  return new Promise((resolve) => {
    let ended = false;
    const finish = (why: string): void => {
      if (ended) return;
      ended = true;
      o.input.off('data', onData);
      void gw.closeSession(relay).then(() => resolve(why));
    };
    const relay = gw.openSession(o.info, {
      sink: {
        send: (text) => {
          if (!o.output.writableEnded) o.output.write(text + '\n');
        },
      },
      onUpstreamGone: (why) => finish(why),
    });
    const lines = new LineDecoder((line) => relay.fromClient(line));
    const onData = (chunk: Buffer): void => lines.push(chunk);
    o.input.on('data', onData);
    o.input.once('end', () => {
      lines.end();
      finish('client closed stdin');
    });
    o.input.once('error', () => finish('client stdin failed'));
    o.output.on('error', () => finish('client stdout closed'));
  });
}
