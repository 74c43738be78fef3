#!/usr/bin/env node
import { ExitCode } from './exit-code.js';
import { runCli } from './run-cli.js';

// A reader that stops early (`streamforge chat … | head`) closes the pipe: the output ends there, quietly,
// rather than with an EPIPE stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(ExitCode.ok);
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onInterrupt(handler) {
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
}).catch((error: unknown) => {
  console.error(error);
  return 1;
});
// Exit now rather than when the last socket closes (fetch keeps idle connections open for a while).
process.exit(code);
