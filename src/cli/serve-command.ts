import { ExitCode } from './exit-code.js';
import type { Command } from './parse-command-line.js';
import type { CliIo } from './terminal-output.js';

/**
 * `streamforge serve`: the server as `npm start` runs it, with `--port`/`--host` over the environment.
 * Prints `StreamForge listening on <url>` (the real port, also for `--port 0`) and returns once a SIGTERM
 * or SIGINT has shut it down gracefully.
 */
export async function serveCommand(command: Extract<Command, { name: 'serve' }>, io: CliIo): Promise<number> {
  // Loaded here: `chat` and `ingest` need none of the server, and should start fast.
  const [{ runServer }, { ConfigError }] = await Promise.all([
    import('../run-server.js'),
    import('../config/index.js'),
  ]);
  const overrides: Record<string, string> = {};
  if (command.port !== undefined) overrides.PORT = String(command.port);
  if (command.host !== undefined) overrides.HOST = command.host;
  try {
    const { url, stopped } = await runServer(overrides);
    io.stdout.write(`StreamForge listening on ${url}\n`);
    await stopped;
    return ExitCode.ok;
  } catch (error) {
    // A bad setting is the operator's to fix: say which, without a stack trace.
    io.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    return ExitCode.failed;
  }
}
