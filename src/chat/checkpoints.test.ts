import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageId } from '../protocol/index.js';
import { Checkpoints } from './checkpoints.js';

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
