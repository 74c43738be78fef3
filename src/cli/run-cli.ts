import { chatCommand } from './chat-command.js';
import { ExitCode } from './exit-code.js';
import { ingestCommand } from './ingest-command.js';
import { parseCommandLine } from './parse-command-line.js';
import { readVersion } from './read-version.js';
import { serveCommand } from './serve-command.js';
import type { CliIo } from './terminal-output.js';
import { USAGE } from './usage.js';
import { UsageError } from './usage-error.js';

/** Runs `streamforge` with these arguments (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let command;
  try {
    command = parseCommandLine(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`streamforge: ${error.message}\nRun "streamforge --help" for usage.\n`);
    return ExitCode.usage;
  }
  switch (command.name) {
    case 'help':
      io.stdout.write(USAGE);
      return ExitCode.ok;
    case 'version':
      io.stdout.write(`${readVersion()}\n`);
      return ExitCode.ok;
    case 'chat':
      return chatCommand(command, io);
    case 'ingest':
      return ingestCommand(command, io);
    case 'serve':
      return serveCommand(command, io);
  }
}
