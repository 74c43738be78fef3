import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryRunBackend } from './memory-run-backend.js';
import { RunPresence } from './run-presence.js';
import { type DisconnectPolicy, type Run, type RunOutcome, RunRegistry } from './run-registry.js';

/** A registry whose runs wait until aborted (then end with a terminal event), and presence over it. */
function setup(graceMs = 1000) {
  const backend = new MemoryRunBackend(60_000);
  const runs = new RunRegistry({ backend });
  const presence = new RunPresence({ backend, runs, graceMs });
  const start = (id: string, policy: DisconnectPolicy): Run =>
    runs.start(
      id as Run['id'],
      (run) =>
        new Promise<RunOutcome>((resolve) =>
          run.signal.addEventListener('abort', () => {
            run.log.append({
              type: 'error',
              code: 'cancelled',
              message: String(run.signal.reason),
              retryable: false,
            });
            resolve({ model: 'test', status: 'cancelled', tokens: 0, ttftMs: null, durationMs: 0 });
          }),
        ),
      () => {},
      policy,
    );
  return { runs, presence, start, close: () => backend.close() };
}

describe('RunPresence', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stops a `cancel` run as soon as its last subscriber leaves', async () => {
    const { presence, start, close } = setup();
    const run = start('run_c', 'cancel');
    const first = presence.subscribe(run.id);
    const second = presence.subscribe(run.id);
    first();
    expect(run.signal.aborted).toBe(false);
    second();
    second(); // a second release changes nothing
    expect(run.signal.aborted).toBe(true);
    expect(presence.count(run.id)).toBe(0);
    await close();
  });

  it('gives a `continue` run the grace period, and a subscriber who comes back in time keeps it going', async () => {
    vi.useFakeTimers();
    const { presence, start, runs, close } = setup(1000);
    const run = start('run_g', 'continue');
    presence.subscribe(run.id)();
    await vi.advanceTimersByTimeAsync(900);
    const back = presence.subscribe(run.id);
    await vi.advanceTimersByTimeAsync(5000);
    expect(run.signal.aborted).toBe(false);
    back();
    await vi.advanceTimersByTimeAsync(999);
    expect(run.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.signal.aborted).toBe(true);
    expect(run.signal.reason).toEqual(new Error('no subscriber for the grace period'));
    await runs.whenSettled(run.id);
    await close();
  });

  it('tells how many read each run, on every change', async () => {
    const { presence, close } = setup();
    const changes: [string, number][] = [];
    presence.on('subscribers', (id, n) => changes.push([id, n]));
    const a = presence.subscribe('run_x');
    const b = presence.subscribe('run_x');
    a();
    b();
    expect(changes).toEqual([
      ['run_x', 1],
      ['run_x', 2],
      ['run_x', 1],
      ['run_x', 0],
    ]);
    await close();
  });
});
