import { StreamForgeError } from '../client/index.js';
import { ExitCode } from './exit-code.js';
import type { TerminalOutput } from './terminal-output.js';

/**
 * Says why a request got no answer, as `error <code>: <message>` on stderr, and returns the exit code:
 * `unreachable` when no response came (status 0), `refused` when the server answered with a problem.
 * Anything else is a bug, and is thrown on.
 */
export function reportError(error: unknown, url: string, stderr: TerminalOutput): ExitCode {
  if (!(error instanceof StreamForgeError)) throw error;
  if (error.status === 0) {
    stderr.write(`error ${error.code}: could not reach the server at ${url} (${error.message})\n`);
    return ExitCode.unreachable;
  }
  stderr.write(`error ${error.code}: ${error.message}\n`);
  return ExitCode.refused;
}
