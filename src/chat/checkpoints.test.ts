import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageId } from '../protocol/index.js';
import { CHECKPOINT_CHUNK, Checkpoints } from './checkpoints.js';

describe('Checkpoints', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('saves every running answer whose text changed in one statement per interval, until it ends', async () => {
    vi.useFakeTimers();
    const saves: Record<string, string>[] = [];
    const checkpoints = new Checkpoints(
      { saveProgress: async (texts) => void saves.push(Object.fromEntries(texts)) },
      2000,
      { error: () => {} },
    );
    let a = 'Hel';
    let b = '';
    const untrackA = checkpoints.track('msg_a' as MessageId, () => a);
    const untrackB = checkpoints.track('msg_b' as MessageId, () => b);
    await vi.advanceTimersByTimeAsync(2000);
    expect(saves).toEqual([{ msg_a: 'Hel' }]);
    a = 'Hello';
    b = 'Wor';
    await vi.advanceTimersByTimeAsync(2000);
    // Nothing changed: nothing to save.
    await vi.advanceTimersByTimeAsync(2000);
    expect(saves).toEqual([{ msg_a: 'Hel' }, { msg_a: 'Hello', msg_b: 'Wor' }]);
    untrackA();
    untrackB();
    b = 'World';
    await vi.advanceTimersByTimeAsync(10_000);
    expect(saves).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('saves many answers in chunks, letting the event loop run between them', async () => {
    const log: string[] = [];
    const checkpoints = new Checkpoints(
      {
        saveProgress: async (texts) => {
          log.push(`save ${texts.size}`);
          // Work queued by others while a chunk is saved (a connection, a token) runs before the next chunk.
          setImmediate(() => log.push('loop'));
        },
      },
      60_000,
      { error: () => {} },
    );
    const n = 2 * CHECKPOINT_CHUNK + 1;
    const untrack = Array.from({ length: n }, (_, i) =>
      checkpoints.track(`msg_${i}` as MessageId, () => `t${i}`),
    );
    await checkpoints.save();
    expect(log.slice(0, 5)).toEqual([
      `save ${CHECKPOINT_CHUNK}`,
      'loop',
      `save ${CHECKPOINT_CHUNK}`,
      'loop',
      'save 1',
    ]);
    for (const u of untrack) u();
  });

  it('logs a failed save and goes on saving', async () => {
    vi.useFakeTimers();
    const errors: string[] = [];
    let fail = true;
    const saved: string[] = [];
    const checkpoints = new Checkpoints(
      {
        saveProgress: async (texts) => {
          if (fail) throw new Error('database down');
          saved.push(...texts.values());
        },
      },
      1000,
      { error: (_details, message) => errors.push(message) },
    );
    let text = 'a';
    checkpoints.track('msg_a' as MessageId, () => text);
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toEqual(['saving the text of running answers failed']);
    fail = false;
    text = 'ab';
    await vi.advanceTimersByTimeAsync(1000);
    expect(saved).toEqual(['ab']);
  });
});
