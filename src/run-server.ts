import type { AddressInfo } from 'node:net';
import { ConfigError, environmentWithDotEnv, loadConfig } from './config/index.js';
import { createServer, type StreamForge } from './server.js';

/** A server started by `runServer`. */
export interface RunningServer {
  server: StreamForge;
  /** Where it listens, with the real port (also when `PORT` is 0), e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** Resolves once a SIGTERM or SIGINT has shut the server down gracefully. */
  stopped: Promise<void>;
}

/**
 * Starts the server as `npm start` does: settings from the environment over `.env`, listen, and a graceful
 * shutdown on SIGTERM/SIGINT. `overrides` win over both (the CLI's `--port` and `--host`).
 * Throws `ConfigError` when a setting cannot work, also when the port is taken or not ours to use.
 */
export async function runServer(overrides: Record<string, string> = {}): Promise<RunningServer> {
  const config = loadConfig({ ...environmentWithDotEnv(), ...overrides });
  const server = await createServer({ config });
  const { app } = server;
  const { port, host } = config.server;
  try {
    await app.listen({ port, host });
  } catch (error) {
    await server.close();
    throw listenError(error, port, host);
  }
  const url = urlOf(app.server.address() as AddressInfo);
  app.log.info(
    {
      url,
      chatPage: `${url}/ui`,
      database: server.db.engine,
      defaultModel: config.models.defaultModel,
      providers: server.models.providerIds(),
    },
    'StreamForge ready',
  );
  const stopped = new Promise<void>((resolve) => {
    const stop = async (signal: string) => {
      app.log.info({ signal }, 'shutting down');
      await server.shutdown();
      resolve();
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
  return { server, url, stopped };
}

/** What the operator can do about a listen that failed: the setting to change, in one line. */
const LISTEN_FAILURES: Record<string, (port: number, host: string) => string> = {
  EADDRINUSE: (port, host) => `port ${port} on ${host} is already in use (set PORT to another port)`,
  EACCES: (port, host) =>
    `no permission to listen on port ${port} on ${host} (set PORT to another port, e.g. one above 1023)`,
  EADDRNOTAVAIL: (_port, host) => `${host} is not an address of this machine (set HOST to one that is)`,
};

function listenError(error: unknown, port: number, host: string): unknown {
  const failure = LISTEN_FAILURES[(error as NodeJS.ErrnoException).code ?? ''];
  return failure ? new ConfigError(`streamforge: ${failure(port, host)}`, { cause: error }) : error;
}

function urlOf({ address, family, port }: AddressInfo): string {
  return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
}
