// `vengtoo-agent help`: the same text as `vengtoo-agent --help`.

import { HELP } from './serve.js';

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'mcp-gateway') {
    process.stdout.write((await import('./mcp-gateway.js')).HELP);
    return 0;
  }
  process.stdout.write(HELP);
  return 0;
}
