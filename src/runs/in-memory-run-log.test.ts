import { describe, expect, it } from 'vitest';
import { InMemoryRunLog } from './in-memory-run-log.js';
import type { LoggedEvent } from './run-log.js';

async function collect(source: AsyncIterable<LoggedEvent[]>): Promise<number[]> {
  const ids: number[] = [];
  for await (const batch of source) ids.push(...batch.map((e) => e.id));
  return ids;
}

describe('InMemoryRunLog', () => {
  it('numbers events 1, 2, 3… and stores each as JSON with its type', () => {
    const log = new InMemoryRunLog();
    expect(log.append({ type: 'token', delta: 'a' })).toBe(1);
    expect(log.append({ type: 'token', delta: 'b' })).toBe(2);
    expect(log.lastId).toBe(2);
  });

  it('replays after a position, follows live appends, and ends after the terminal event', async () => {
    const log = new InMemoryRunLog();
    log.append({ type: 'token', delta: 'a' });
    log.append({ type: 'token', delta: 'b' });
    const fromStart = collect(log.read(0));
    const fromOne = collect(log.read(1));
    log.append({ type: 'token', delta: 'c' });
    log.append({ type: 'error', code: 'x', message: 'y', retryable: false });
    expect(await fromStart).toEqual([1, 2, 3, 4]);
    expect(await fromOne).toEqual([2, 3, 4]);
    expect(await collect(log.read(4))).toEqual([]);
    expect(log.ended).toBe(true);
  });

  it('refuses appends after the terminal event', () => {
    const log = new InMemoryRunLog();
    log.append({
      type: 'done',
      finish_reason: 'stop',
      message_id: 'm',
      conversation_id: 'c',
      usage: { input_tokens: 0, output_tokens: 0, cost_usd: null },
      metrics: { ttft_ms: null, duration_ms: 0, tokens_per_s: 0 },
    });
    expect(() => log.append({ type: 'token', delta: 'late' })).toThrow(/already ended/);
  });

  it('ends a waiting reader when its signal aborts', async () => {
    const log = new InMemoryRunLog();
    log.append({ type: 'token', delta: 'a' });
    const stop = new AbortController();
    const reading = collect(log.read(0, stop.signal));
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    expect(await reading).toEqual([1]);
  });

  it('wakes a waiting reader once per event-loop turn, with everything appended in it', async () => {
    const log = new InMemoryRunLog();
    const batches: number[][] = [];
    const reading = (async () => {
      for await (const batch of log.read(0)) batches.push(batch.map((e) => e.id));
    })();
    await new Promise((resolve) => setImmediate(resolve));
    // A burst within one turn, as a model's chunk brings several tokens.
    for (let i = 0; i < 5; i++) log.append({ type: 'token', delta: `t${i}` });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    log.append({ type: 'error', code: 'x', message: 'y', retryable: false });
    await reading;
    expect(batches).toEqual([[1, 2, 3, 4, 5], [6]]);
  });

  it('keeps waiting a reader that already read what a pending wake-up is for', async () => {
    const log = new InMemoryRunLog();
    const first = log.next(0);
    log.append({ type: 'token', delta: 'a' });
    // Before the wake-up fires, a second reader reads event 1 at once and waits after it.
    expect((await log.next(0)).map((e) => e.id)).toEqual([1]);
    const second = log.next(1);
    expect((await first).map((e) => e.id)).toEqual([1]);
    log.append({ type: 'token', delta: 'b' });
    expect((await second).map((e) => e.id)).toEqual([2]);
  });

  it('gives every event back as it was appended, a token compactly stored or not', async () => {
    const log = new InMemoryRunLog();
    const events = [
      { type: 'token', delta: 'a "quoted"\n line' },
      { type: 'progress', step: 's', status: 'started', label: 'Go', elapsed_ms: 1 },
      { type: 'token', delta: '' },
      { type: 'error', code: 'x', message: 'y', retryable: false },
    ] as const;
    for (const e of events) log.append(e);
    const read = (await log.next(0)).map((e) => [e.id, e.type, JSON.parse(e.data)]);
    expect(read).toEqual(events.map((e, i) => [i + 1, e.type, e]));
  });
});
