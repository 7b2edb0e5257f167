#!/usr/bin/env node
import { UsageError } from './cli/args.js';
import { callCommand } from './cli/commands/call.js';
import { doctorCommand } from './cli/commands/doctor.js';
import { migrateCommand } from './cli/commands/migrate.js';
import { modelsCommand } from './cli/commands/models.js';
import { openCommand } from './cli/commands/open.js';
import { runCommand } from './cli/commands/run.js';
import { serveCommand } from './cli/commands/serve.js';
import { toolsCommand } from './cli/commands/tools.js';
import { workerCommand } from './cli/commands/worker.js';
import { USAGE } from './cli/usage.js';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  tools: toolsCommand,
  models: modelsCommand,
  call: callCommand,
  doctor: doctorCommand,
  run: runCommand,
  open: openCommand,
  migrate: migrateCommand,
  worker: workerCommand,
};

/** No command (or only flags) starts the MCP server, which is what MCP clients run. */
async function main(argv: string[]): Promise<number | 'serving'> {
  const [first, ...rest] = argv;
  if (first === 'help' || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (first === undefined || first.startsWith('-')) return serveCommand(argv);
  const command = COMMANDS[first];
  if (!command) throw new UsageError(`unknown command '${first}'`);
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    // A server keeps running on its transport; a command exits with its code once its output is flushed.
    if (code !== 'serving') process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`studio-mcp: ${err.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`studio-mcp: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
