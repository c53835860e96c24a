#!/usr/bin/env node
// The `vengtoo-agent` command. Each subcommand is one file exporting `run(argv): Promise<number>`
// (the exit code), loaded only when used; a new command is one file and one line below.

type Command = () => Promise<{ run(argv: string[]): Promise<number> }>;

const COMMANDS: Record<string, Command> = {
  serve: () => import('./serve.js'),
  version: () => import('./version.js'),
  help: () => import('./help.js'),
  'mcp-gateway': () => import('./mcp-gateway.js'),
  eval: () => import('./eval.js'),
  test: () => import('./test.js'),
  fmt: () => import('./fmt.js'),
  check: () => import('./check.js'),
  build: () => import('./build.js'),
  bench: () => import('./bench.js'),
};

async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === '--help' || first === '-h') return (await COMMANDS.help()).run([]);
  if (first === undefined || first.startsWith('-')) return (await COMMANDS.serve()).run(argv);
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (command === undefined) {
    process.stderr.write(`vengtoo-agent: unknown command ${JSON.stringify(first)} (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  return (await command()).run(argv.slice(1));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`vengtoo-agent: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
