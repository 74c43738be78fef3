import { ConfigError, environmentWithDotEnv, loadConfig } from './config.js';
import { createServer } from './server.js';

async function main(): Promise<void> {
  const config = loadConfig(environmentWithDotEnv());
  const server = await createServer({ config });
  const { app } = server;
  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { database: server.db.engine, defaultModel: config.defaultModel, providers: server.models.providerIds() },
    'StreamForge ready',
  );
  const stop = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await server.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  // A bad setting is the operator's to fix: say which, without a stack trace.
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
