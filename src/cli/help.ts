// `vengtoo-agent help`: the same text as `vengtoo-agent --help`.

import { HELP } from './serve.js';

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'mcp-gateway') {
    process.stdout.write((await import('./mcp-gateway.js')).HELP);
    return 0;
  }
  const tool = argv[0] !== undefined && Object.hasOwn(TOOLS, argv[0]) ? TOOLS[argv[0]] : undefined;
  if (tool) {
    process.stdout.write((await tool()).HELP);
    return 0;
  }
  process.stdout.write(HELP + TOOLING + MCP);
  return 0;
}

const MCP = `
MCP gateway (vengtoo-agent help mcp-gateway for the flags):
  vengtoo-agent mcp-gateway --name NAME --policy PATH -- <server command>   authorize every MCP tool call
`;

/** The policy tooling commands, each with its own --help. */
const TOOLS: Record<string, () => Promise<{ HELP: string }>> = {
  eval: () => import('./eval.js'),
  test: () => import('./test.js'),
  check: () => import('./check.js'),
  build: () => import('./build.js'),
  bench: () => import('./bench.js'),
  fmt: () => import('./fmt.js'),
};

export const TOOLING = `
Policy tooling (vengtoo-agent help COMMAND, or COMMAND --help, for the flags):
  vengtoo-agent eval [-d PATH]... [-i FILE] QUERY      evaluate a query, like opa eval
  vengtoo-agent test [-v] [--coverage] [PATH]...        run test_* rules, like opa test
  vengtoo-agent check [--strict] [PATH]...              parse, compile and type-check
  vengtoo-agent build PATH... -o bundle.tar.gz          build (and sign) an OPA bundle
  vengtoo-agent bench [-d PATH]... [-i FILE] QUERY      benchmark a query, like opa bench
  vengtoo-agent fmt [-w|-d|-l] [--fail] [PATH]...       format policies, like opa fmt
`;
