import { readFileSync } from 'node:fs';
import type { App } from './http/index.js';
import { createHttpApp } from './http/index.js';
import { createServices, type Services, type ServicesOptions } from './services.js';
import { shutdownGracefully } from './shutdown.js';

export const VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

export type CreateServerOptions = ServicesOptions;

/** A StreamForge instance: its services and the app that serves them. */
export interface StreamForge extends Services {
  app: App;
  /** Stops at once: open streams end, running runs stop as cancelled, the database closes. */
  close(): Promise<void>;
  /**
   * Graceful shutdown (SIGTERM): readiness turns 503 for `SHUTDOWN_DRAIN_MS`; then every open stream and socket is told where to resume
   * and closed; running runs get until `SHUTDOWN_DEADLINE_MS` to finish, then the rest are stored
   * `interrupted`; finally the database closes.
   */
  shutdown(): Promise<void>;
}

/** The composition root: the services, then the transports over them, and how they stop. */
export async function createServer(options: CreateServerOptions): Promise<StreamForge> {
  const services = await createServices(options);
  let transports;
  try {
    transports = await createHttpApp(services, VERSION);
  } catch (error) {
    await services.close();
    throw error;
  }
  const { app } = transports;
  return {
    ...services,
    app,
    async close() {
      services.lifecycle.begin();
      await transports.close();
      await services.close();
    },
    shutdown: () =>
      shutdownGracefully({
        lifecycle: services.lifecycle,
        runs: services.runs,
        drainMs: services.config.server.shutdownDrainMs,
        deadlineMs: services.config.server.shutdownDeadlineMs,
        closeTransports: () => transports.close(),
        closeServices: () => services.close(),
      }),
  };
}
