// `vengtoo-agent help`: the same text as `vengtoo-agent --help`.

import { HELP } from './serve.js';

export async function run(_argv: string[]): Promise<number> {
  process.stdout.write(HELP);
  return 0;
}
