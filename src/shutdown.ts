import type { Lifecycle } from './lifecycle.js';
import { RunInterruptedError, type RunRegistry } from './runs/index.js';

export interface GracefulShutdown {
  lifecycle: Lifecycle;
  runs: RunRegistry;
  /** How long readiness answers 503 before anything closes (`SHUTDOWN_DRAIN_MS`), so load balancers see it. */
  drainMs: number;
  /** Running runs get this long to finish before they are stored interrupted (`SHUTDOWN_DEADLINE_MS`). */
  deadlineMs: number;
  /** Refuses new connections and ends the ones left. */
  closeTransports(): Promise<void>;
  /** Closes the services: run backend, budgets, database. */
  closeServices(): Promise<void>;
}

/**
 * The order of a graceful shutdown (SIGTERM): readiness turns 503 for the drain period while the instance still
 * serves; then every follower, on every transport, tells its client where to resume (at once, before any
 * connection closes); the transports close; running runs
 * get until the deadline to finish (with Redis their logs stay resumable on the other instances meanwhile),
 * then the rest are stored `interrupted`; finally the services close.
 */
export async function shutdownGracefully(o: GracefulShutdown): Promise<void> {
  o.lifecycle.drain();
  if (o.drainMs > 0) await new Promise((resolve) => setTimeout(resolve, o.drainMs));
  o.lifecycle.begin();
  await o.closeTransports();
  await finishOrInterrupt(o.runs, o.deadlineMs);
  await o.closeServices();
}

/** Waits up to `deadlineMs` for running runs to finish, then stops the rest as interrupted. */
export async function finishOrInterrupt(runs: RunRegistry, deadlineMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deadlineMs);
  });
  await Promise.race([runs.drain(), deadline]);
  clearTimeout(timer);
  await runs.abortAll(new RunInterruptedError('server shut down'));
}
