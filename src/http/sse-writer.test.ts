import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryRunLog, MAX_BATCH } from '../runs/index.js';
import { formatSseEvent, SSE_PING, writeSse } from './sse-writer.js';

/** A response whose socket accepts `capacity` bytes until the test drains it. */
class FakeResponse extends EventEmitter {
  written = '';
  buffered = 0;
  maxBuffered = 0;
  writableEnded = false;
  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {
    super();
  }
  write(chunk: string): boolean {
    this.written += chunk;
    this.buffered += Buffer.byteLength(chunk);
    this.maxBuffered = Math.max(this.maxBuffered, this.buffered);
    return this.buffered < this.capacity;
  }
  drain(): void {
    this.buffered = 0;
    this.emit('drain');
  }
}
const asResponse = (r: FakeResponse) => r as unknown as ServerResponse;

describe('formatSseEvent', () => {
  it('frames id, event and one data line, ended by a blank line', () => {
    expect(formatSseEvent({ id: 3, type: 'token', data: '{"type":"token","delta":"hi\\n"}' })).toBe(
      'id: 3\nevent: token\ndata: {"type":"token","delta":"hi\\n"}\n\n',
    );
  });
});

describe('writeSse', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes a whole run byte for byte and returns after the terminal event', async () => {
    const log = new InMemoryRunLog();
    const res = new FakeResponse();
    const writing = writeSse(asResponse(res), log.read(0), {
      keepAliveMs: 15_000,
      signal: new AbortController().signal,
    });
    log.append({ type: 'token', delta: 'Hel' });
    log.append({ type: 'token', delta: 'lo' });
    log.append({ type: 'error', code: 'model_error', message: 'failed', retryable: true });
    await writing;
    expect(res.written).toBe(
      'id: 1\nevent: token\ndata: {"type":"token","delta":"Hel"}\n\n' +
        'id: 2\nevent: token\ndata: {"type":"token","delta":"lo"}\n\n' +
        'id: 3\nevent: error\ndata: {"type":"error","code":"model_error","message":"failed","retryable":true}\n\n',
    );
  });

  it('sends a `: ping` comment every keep-alive interval while the run is idle', async () => {
    vi.useFakeTimers();
    const log = new InMemoryRunLog();
    const res = new FakeResponse();
    const writing = writeSse(asResponse(res), log.read(0), {
      keepAliveMs: 15_000,
      signal: new AbortController().signal,
    });
    await vi.advanceTimersByTimeAsync(14_999);
    expect(res.written).toBe('');
    await vi.advanceTimersByTimeAsync(1);
    expect(res.written).toBe(SSE_PING);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(res.written).toBe(SSE_PING.repeat(3));
    log.append({ type: 'token', delta: 'x' });
    log.append({ type: 'error', code: 'c', message: 'm', retryable: false });
    await writing;
    await vi.advanceTimersByTimeAsync(60_000);
    // No ping after the stream ended: the interval is cleared.
    expect(res.written.match(/: ping/g)).toHaveLength(3);
  });

  it('stops reading the log while the socket is full, so a slow client buffers at most one batch', async () => {
    const log = new InMemoryRunLog();
    for (let i = 0; i < 1000; i++) log.append({ type: 'token', delta: `token-${i}` });
    log.append({ type: 'error', code: 'c', message: 'm', retryable: false });
    const res = new FakeResponse(200);
    let finished = false;
    const writing = writeSse(asResponse(res), log.read(0), {
      keepAliveMs: 15_000,
      signal: new AbortController().signal,
    }).then(() => {
      finished = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    const blockedAt = res.written.match(/event: token/g)?.length;
    await new Promise((resolve) => setImmediate(resolve));
    // Blocked on the full socket: nothing more is read or written until it drains.
    expect(res.written.match(/event: token/g)?.length).toBe(blockedAt);
    expect(blockedAt).toBe(MAX_BATCH);
    let drains = 0;
    while (!finished) {
      res.drain();
      drains++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writing;
    expect(res.written.match(/event: token/g)).toHaveLength(1000);
    expect(drains).toBe(Math.ceil(1001 / MAX_BATCH));
  });

  it('returns as soon as the client goes away, without writing more', async () => {
    const log = new InMemoryRunLog();
    const res = new FakeResponse();
    const gone = new AbortController();
    const writing = writeSse(asResponse(res), log.read(0, gone.signal), {
      keepAliveMs: 15_000,
      signal: gone.signal,
    });
    log.append({ type: 'token', delta: 'a' });
    await new Promise((resolve) => setImmediate(resolve));
    gone.abort();
    await writing;
    log.append({ type: 'token', delta: 'b' });
    expect(res.written).toBe('id: 1\nevent: token\ndata: {"type":"token","delta":"a"}\n\n');
  });

  it('sends a given heartbeat after every idle interval, counted again from each write', async () => {
    vi.useFakeTimers();
    const log = new InMemoryRunLog();
    const res = new FakeResponse();
    // A format that has something to say about tokens only (as the earlier APIs' encoders do).
    const writing = writeSse(asResponse(res), log.read(0), {
      keepAliveMs: 1000,
      heartbeat: 'HB\n',
      signal: new AbortController().signal,
      format: (e) => (e.type === 'token' ? `${JSON.parse(e.data).delta}\n` : ''),
    });
    await vi.advanceTimersByTimeAsync(2500);
    expect(res.written).toBe('HB\nHB\n');
    log.append({ type: 'token', delta: 'A' });
    await vi.advanceTimersByTimeAsync(900); // 3.4 s: 0.9 s after A, not yet idle for a second
    expect(res.written).toBe('HB\nHB\nA\n');
    // An event with no form in this format is not a write: the clock keeps running.
    log.append({ type: 'progress', step: 's', status: 'started', label: 's', elapsed_ms: 1 });
    await vi.advanceTimersByTimeAsync(200);
    expect(res.written).toBe('HB\nHB\nA\nHB\n');
    log.append({ type: 'error', code: 'c', message: 'm', retryable: false });
    expect(await writing).toBe('ended');
    await vi.advanceTimersByTimeAsync(5000);
    expect(res.written).toBe('HB\nHB\nA\nHB\n');
  });
});
