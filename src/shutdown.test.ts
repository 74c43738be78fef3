import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle.js';
import { MemoryRunBackend, RunRegistry } from './runs/index.js';
import { shutdownGracefully } from './shutdown.js';

describe('graceful shutdown', () => {
  it('drains first: readiness is off while everything still serves, and only then do the transports close', async () => {
    const lifecycle = new Lifecycle();
    const runs = new RunRegistry({ backend: new MemoryRunBackend(1_000) });
    const started = performance.now();
    let closedAfter = 0;
    const stopping = shutdownGracefully({
      lifecycle,
      runs,
      drainMs: 200,
      deadlineMs: 0,
      closeTransports: async () => {
        closedAfter = performance.now() - started;
      },
      closeServices: async () => {},
    });
    // At once: not ready, but not yet shutting down, and nothing closed.
    expect(lifecycle.ready).toBe(false);
    expect(lifecycle.shuttingDown).toBe(false);
    expect(closedAfter).toBe(0);
    await stopping;
    expect(lifecycle.shuttingDown).toBe(true);
    // A timer never fires early: the transports closed no sooner than the drain period.
    expect(closedAfter).toBeGreaterThanOrEqual(195);
  });

  it('with no drain period, goes on to close the transports and then the services', async () => {
    const lifecycle = new Lifecycle();
    const runs = new RunRegistry({ backend: new MemoryRunBackend(1_000) });
    const seen: string[] = [];
    await shutdownGracefully({
      lifecycle,
      runs,
      drainMs: 0,
      deadlineMs: 0,
      closeTransports: async () => {
        seen.push(`close transports (shutting down: ${lifecycle.shuttingDown})`);
      },
      closeServices: async () => {
        seen.push('close services');
      },
    });
    expect(seen).toEqual(['close transports (shutting down: true)', 'close services']);
  });
});
