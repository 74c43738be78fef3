import { ConfigError } from './config/index.js';
import { runServer } from './run-server.js';

async function main(): Promise<void> {
  const { stopped } = await runServer();
  await stopped;
  process.exit(0);
}

main().catch((error: unknown) => {
  // A bad setting is the operator's to fix: say which, without a stack trace.
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
