import { describe, expect, it } from 'vitest';
import type { RunInfo } from '../protocol/index.js';
import type { RunStore } from '../store/index.js';
import { openRun, RunExpiredError } from './open-run.js';
import type { RunLog } from './run-log.js';
import type { RunRegistry } from './run-registry.js';

const info = (status: RunInfo['status']): RunInfo => ({
  id: 'run_1',
  conversation_id: 'conv_1',
  message_id: 'msg_1',
  status,
  last_event_id: null,
  created_at: new Date().toISOString(),
  finished_at: null,
});

/** A registry whose log appears only after `missing` lookups, as a run's log does on another instance. */
function registryWithLogAfter(missing: number): { runs: RunRegistry; lookups: () => number } {
  let calls = 0;
  const log = { ended: false } as unknown as RunLog;
  const runs = { openLog: async () => (++calls > missing ? log : undefined) } as unknown as RunRegistry;
  return { runs, lookups: () => calls };
}

const storeWith = (run: RunInfo) => ({ get: async () => run }) as unknown as RunStore;

describe('openRun', () => {
  it("waits for a running run's first events to reach the shared log, rather than calling it expired", async () => {
    const { runs, lookups } = registryWithLogAfter(3);
    const opened = await openRun(runs, storeWith(info('running')), 'ann', 'run_1');
    expect(opened.log).toBeDefined();
    expect(lookups()).toBe(4);
  });

  it('calls a finished run whose events are gone expired at once', async () => {
    const { runs, lookups } = registryWithLogAfter(Infinity);
    await expect(openRun(runs, storeWith(info('done')), 'ann', 'run_1')).rejects.toBeInstanceOf(
      RunExpiredError,
    );
    expect(lookups()).toBe(1);
  });
});
