// `vengtoo-agent version`: prints the agent and Node.js versions.

import { packageInfo } from './meta.js';

export async function run(_argv: string[]): Promise<number> {
  const { version } = packageInfo();
  process.stdout.write(`vengtoo-agent ${version} (node ${process.version}, ${process.platform}/${process.arch})\n`);
  return 0;
}
