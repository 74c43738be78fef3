#!/usr/bin/env node
import { runCli } from './run-cli.js';

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
