import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LoggedEvent, RunEvent } from '../protocol/index.js';
import { createRunFollower } from './follow-run.js';
import { InMemoryRunLog, MAX_BATCH } from './in-memory-run-log.js';
import type { RunSink, SinkWrite } from './run-sink.js';

/** A sink that records what the follower asks of it; `full` makes every write fill the transport. */
class RecordingSink implements RunSink {
  readonly calls: string[] = [];
  readonly batches: number[][] = [];
  readonly goneController = new AbortController();
  readonly gone = this.goneController.signal;
  full = false;
  #drained: (() => void) | undefined;

  constructor(
    readonly heartbeatMs?: number,
    /** Which events the client's format has a form for. */
    private readonly says: (e: LoggedEvent) => boolean = () => true,
  ) {}

  write(batch: readonly LoggedEvent[]): SinkWrite {
    this.batches.push(batch.map((e) => e.id));
    if (!batch.some(this.says)) return 'idle';
    this.calls.push(`write ${batch[0]?.id}-${batch.at(-1)?.id}`);
    return this.full ? 'full' : 'written';
  }
  writable(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      this.#drained = resolve;
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  /** The transport emptied: the waiting follower goes on. */
  drain(): void {
    this.#drained?.();
  }
  heartbeat(): void {
    this.calls.push('heartbeat');
  }
  end(): void {
    this.calls.push('end');
  }
  shutdown(lastId: number): void {
    this.calls.push(`shutdown after ${lastId}`);
  }
  abort(): void {
    this.calls.push('abort');
  }
}

const token = (delta: string): RunEvent => ({ type: 'token', delta });
const failed: RunEvent = { type: 'error', code: 'model_error', message: 'failed', retryable: true };
const tick = () => new Promise((resolve) => setImmediate(resolve));

function setup(o: { stallMs?: number } = {}) {
  const shutdown = new AbortController();
  const subscriptions: string[] = [];
  const follow = createRunFollower({
    presence: {
      subscribe: (runId) => {
        subscriptions.push(`+${runId}`);
        return () => subscriptions.push(`-${runId}`);
      },
    },
    stallMs: o.stallMs ?? 30_000,
    shutdown: shutdown.signal,
  });
  return { follow, shutdown, subscriptions, log: new InMemoryRunLog() };
}

describe('following a run', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('replays after the id asked for, follows live, ends after the terminal event and lets go', async () => {
    const { follow, log, subscriptions } = setup();
    log.append(token('a'));
    log.append(token('b'));
    const sink = new RecordingSink();
    const following = follow({ id: 'run_1', log, after: 1 }, sink);
    await tick();
    expect(subscriptions).toEqual(['+run_1']);
    log.append(token('c'));
    log.append(failed);
    expect(await following).toBe('ended');
    expect(sink.batches.flat()).toEqual([2, 3, 4]);
    expect(sink.calls.at(-1)).toBe('end');
    expect(subscriptions).toEqual(['+run_1', '-run_1']);
  });

  it('keeps an idle stream open every heartbeatMs, counted again from each write, never after the end', async () => {
    vi.useFakeTimers();
    const { follow, log } = setup();
    // A client whose format has a form for tokens only.
    const sink = new RecordingSink(1000, (e) => e.type === 'token');
    const following = follow({ id: 'run_1', log, after: 0 }, sink);
    await vi.advanceTimersByTimeAsync(2500);
    expect(sink.calls).toEqual(['heartbeat', 'heartbeat']);
    log.append(token('A'));
    await vi.advanceTimersByTimeAsync(900); // 3.4 s: 0.9 s after A, not yet idle for a second
    expect(sink.calls).toEqual(['heartbeat', 'heartbeat', 'write 1-1']);
    // An event the format has no form for is not a write: the clock keeps running.
    log.append({ type: 'progress', step: 's', status: 'started', label: 's', elapsed_ms: 1 });
    await vi.advanceTimersByTimeAsync(200);
    expect(sink.calls).toEqual(['heartbeat', 'heartbeat', 'write 1-1', 'heartbeat']);
    log.append(failed);
    // Readers are woken at the end of the event-loop turn (an immediate, faked here like the timers).
    await vi.advanceTimersByTimeAsync(1);
    expect(await following).toBe('ended');
    await vi.advanceTimersByTimeAsync(5000);
    expect(sink.calls).toEqual(['heartbeat', 'heartbeat', 'write 1-1', 'heartbeat', 'end']);
  });

  it('reads no further while the transport is full, so a slow client holds at most one batch', async () => {
    const { follow, log } = setup();
    for (let i = 0; i < 1000; i++) log.append(token(`t${i}`));
    log.append(failed);
    const sink = new RecordingSink();
    sink.full = true;
    let finished = false;
    const following = follow({ id: 'run_1', log, after: 0 }, sink).then((end) => {
      finished = true;
      return end;
    });
    await tick();
    await tick();
    // Blocked on the full transport: one batch written, nothing more read until it drains.
    expect(sink.batches).toEqual([Array.from({ length: MAX_BATCH }, (_, i) => i + 1)]);
    let drains = 0;
    while (!finished) {
      sink.drain();
      drains++;
      await tick();
    }
    expect(await following).toBe('ended');
    expect(sink.batches.flat()).toHaveLength(1001);
    expect(drains).toBe(Math.ceil(1001 / MAX_BATCH));
  });

  it('lets go of a client whose transport stays full for the stall limit', async () => {
    vi.useFakeTimers();
    const { follow, log, subscriptions } = setup({ stallMs: 30_000 });
    log.append(token('a'));
    const sink = new RecordingSink(15_000);
    sink.full = true;
    const following = follow({ id: 'run_1', log, after: 0 }, sink);
    await vi.advanceTimersByTimeAsync(29_999);
    // Blocked is not idle: no heartbeat joins a full buffer.
    expect(sink.calls).toEqual(['write 1-1']);
    await vi.advanceTimersByTimeAsync(1);
    expect(await following).toBe('stalled');
    expect(sink.calls).toEqual(['write 1-1', 'abort']);
    expect(subscriptions).toEqual(['+run_1', '-run_1']);
  });

  it('stops as soon as the client goes, writing nothing more', async () => {
    const { follow, log, subscriptions } = setup();
    const sink = new RecordingSink();
    const following = follow({ id: 'run_1', log, after: 0 }, sink);
    log.append(token('a'));
    await tick();
    sink.goneController.abort();
    expect(await following).toBe('gone');
    log.append(token('b'));
    expect(sink.calls).toEqual(['write 1-1', 'abort']);
    expect(subscriptions).toEqual(['+run_1', '-run_1']);
  });

  it('at shutdown tells the client, at once, where to resume: after the last id it was sent', async () => {
    const { follow, log, shutdown, subscriptions } = setup();
    log.append(token('a'));
    log.append(token('b'));
    const sink = new RecordingSink();
    const following = follow({ id: 'run_1', log, after: 0 }, sink);
    await tick();
    shutdown.abort();
    // Synchronously, within the abort: before the server closes any connection.
    expect(sink.calls).toEqual(['write 1-2', 'shutdown after 2']);
    expect(await following).toBe('shutdown');
    expect(subscriptions).toEqual(['+run_1', '-run_1']);

    // A client that comes during the shutdown is told at once, and never subscribed for long.
    const late = new RecordingSink();
    expect(await follow({ id: 'run_1', log, after: 1 }, late)).toBe('shutdown');
    expect(late.calls).toEqual(['shutdown after 1']);
  });

  it('hangs none of its own listeners on the shared shutdown signal, and still tells every client', async () => {
    const { follow, log, shutdown } = setup();
    log.append(token('a'));
    const sinks = Array.from({ length: 50 }, () => new RecordingSink());
    const following = sinks.map((sink) => follow({ id: 'run_1', log, after: 0 }, sink));
    await tick();
    // One for all followers: with one each, every add and remove walks the others' (quadratic in streams).
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(1);
    sinks[0]?.goneController.abort();
    expect(await following[0]).toBe('gone');
    shutdown.abort();
    expect(await Promise.all(following.slice(1))).toEqual(sinks.slice(1).map(() => 'shutdown'));
    for (const sink of sinks.slice(1)) expect(sink.calls).toEqual(['write 1-1', 'shutdown after 1']);
    expect(sinks[0]?.calls).toEqual(['write 1-1', 'abort']);
  });
});
