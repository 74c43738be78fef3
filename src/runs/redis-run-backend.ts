import { Redis } from 'ioredis';
import { isTerminal, type RunEvent, type RunEventType } from '../protocol/index.js';
import { InMemoryRunLog, MAX_BATCH } from './in-memory-run-log.js';
import type { RunBackend } from './run-backend.js';
import { type LoggedEvent, type RunLog, readLog } from './run-log.js';

export interface RedisRunBackendOptions {
  url: string;
  /** Prefix of every key and channel, so deployments (or tests) sharing a Redis stay apart. @default "sf:" */
  prefix: string;
  retentionMs: number;
  /** Longest a run's log lives if its instance dies without ending it. */
  maxRunMs: number;
  /** Events kept per run (older ones are trimmed). @default 100000 */
  maxEvents: number;
  onError: (error: unknown) => void;
}

/** How long a reader waits for a notification before looking again (a lost notification costs this much). */
const POLL_MS = 1000;

/**
 * Run logs as Redis Streams: the owner appends in order (XADD with the event id as stream id, pipelined per
 * tick) and publishes a notification; readers on any instance XRANGE from their position and wait for the
 * next notification. Cancels travel over pub/sub; presence is a key with an expiry.
 */
export class RedisRunBackend implements RunBackend {
  readonly kind = 'redis';
  readonly #redis: Redis;
  readonly #sub: Redis;
  readonly #local = new Map<string, InMemoryRunLog>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #cancelHandlers: ((runId: string) => void)[] = [];

  private constructor(
    private readonly o: RedisRunBackendOptions,
    redis: Redis,
    sub: Redis,
  ) {
    this.#redis = redis;
    this.#sub = sub;
  }

  static async connect(o: RedisRunBackendOptions): Promise<RedisRunBackend> {
    const redis = new Redis(o.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    const sub = redis.duplicate();
    redis.on('error', o.onError);
    sub.on('error', o.onError);
    await redis.connect();
    await sub.connect();
    const backend = new RedisRunBackend(o, redis, sub);
    await sub.subscribe(backend.#channel('events'), backend.#channel('cancel'));
    sub.on('message', (channel: string, runId: string) => {
      if (channel === backend.#channel('events')) backend.#wake(runId);
      else for (const handler of backend.#cancelHandlers) handler(runId);
    });
    return backend;
  }

  #key(runId: string, part: 'events' | 'seen'): string {
    return `${this.o.prefix}run:${runId}:${part}`;
  }

  #channel(name: 'events' | 'cancel'): string {
    return `${this.o.prefix}runs:${name}`;
  }

  createLog(runId: string): RunLog {
    const key = this.#key(runId, 'events');
    let pending: LoggedEvent[] = [];
    let chain = Promise.resolve();
    const flush = () => {
      const batch = pending;
      pending = [];
      chain = chain
        .then(async () => {
          const multi = this.#redis.multi();
          let ended = false;
          for (const e of batch) {
            multi.xadd(key, 'MAXLEN', '~', this.o.maxEvents, `0-${e.id}`, 't', e.type, 'd', e.data);
            ended ||= isTerminal(e.type);
          }
          multi.pexpire(key, ended ? this.o.retentionMs : this.o.maxRunMs + this.o.retentionMs);
          multi.publish(this.#channel('events'), runId);
          await multi.exec();
        })
        .catch(this.o.onError);
    };
    const log = new InMemoryRunLog((event) => {
      // One round trip per tick, however many events the tick appended; order is kept by the chain.
      if (pending.length === 0) setImmediate(flush);
      pending.push(event);
    });
    this.#local.set(runId, log);
    return log;
  }

  async openLog(runId: string): Promise<RunLog | undefined> {
    const local = this.#local.get(runId);
    if (local) return local;
    const last = await this.lastEvent(runId);
    return last ? new RemoteRunLog(this, runId, last.id, isTerminal(last.type)) : undefined;
  }

  retain(runId: string): void {
    // The stream expires by itself (set with the terminal event); the local copy goes after the same time.
    setTimeout(() => this.#local.delete(runId), this.o.retentionMs).unref();
  }

  async interrupt(runId: string, event: RunEvent): Promise<string | undefined> {
    const local = this.#local.get(runId);
    // Our own log: append through it, so readers here end, later appends throw and the mirror writes it out.
    if (local) return interruptLocal(local, event);
    const key = this.#key(runId, 'events');
    const entries = (await this.#redis.xrange(key, '-', '+')) as [string, string[]][];
    if (entries.length === 0) return undefined;
    let text = '';
    for (const [, fields] of entries) {
      if (fields[1] === 'token') text += (JSON.parse(fields[3] ?? '{}') as { delta: string }).delta;
      if (isTerminal(fields[1] as RunEventType)) return text;
    }
    const last = Number(entries.at(-1)?.[0].split('-')[1] ?? 0);
    await this.#redis
      .multi()
      .xadd(key, `0-${last + 1}`, 't', event.type, 'd', JSON.stringify(event))
      .pexpire(key, this.o.retentionMs)
      .publish(this.#channel('events'), runId)
      .exec();
    return text;
  }

  async requestCancel(runId: string): Promise<void> {
    await this.#redis.publish(this.#channel('cancel'), runId);
  }

  onCancel(handler: (runId: string) => void): void {
    this.#cancelHandlers.push(handler);
  }

  async touch(runId: string): Promise<void> {
    await this.#redis.set(this.#key(runId, 'seen'), String(Date.now()), 'PX', this.o.maxRunMs);
  }

  async lastSeen(runId: string): Promise<number | undefined> {
    const value = await this.#redis.get(this.#key(runId, 'seen'));
    return value ? Number(value) : undefined;
  }

  async close(): Promise<void> {
    for (const waiters of this.#waiters.values()) for (const wake of waiters) wake();
    this.#sub.disconnect();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  /** Events after `after`, at most one batch. */
  async range(runId: string, after: number): Promise<LoggedEvent[]> {
    const entries = (await this.#redis.xrange(
      this.#key(runId, 'events'),
      `(0-${after}`,
      '+',
      'COUNT',
      MAX_BATCH,
    )) as [string, string[]][];
    return entries.map(([id, f]) => ({
      id: Number(id.split('-')[1]),
      type: f[1] as RunEventType,
      data: f[3] ?? '{}',
    }));
  }

  /** The run's last stored event; undefined when its log is unknown or expired. */
  async lastEvent(runId: string): Promise<{ id: number; type: RunEventType } | undefined> {
    const [last] = (await this.#redis.xrevrange(this.#key(runId, 'events'), '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    return last ? { id: Number(last[0].split('-')[1]), type: last[1][1] as RunEventType } : undefined;
  }

  /** Resolves on the next notification for `runId`, after POLL_MS, or when `signal` aborts. */
  waitForEvents(runId: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      // Aborted while the caller queried Redis: its 'abort' event has fired already and would not wake us.
      if (signal?.aborted) return resolve();
      const set = this.#waiters.get(runId) ?? new Set();
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.#waiters.delete(runId);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, POLL_MS);
      set.add(done);
      this.#waiters.set(runId, set);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #wake(runId: string): void {
    for (const wake of [...(this.#waiters.get(runId) ?? [])]) wake();
  }
}

/** A run log read from Redis on an instance that does not run it. */
class RemoteRunLog implements RunLog {
  #ended = false;

  constructor(
    private readonly backend: RedisRunBackend,
    private readonly runId: string,
    readonly lastId: number,
    ended: boolean,
  ) {
    this.#ended = ended;
  }

  get ended(): boolean {
    return this.#ended;
  }

  append(): number {
    throw new Error('a remote run log is read-only');
  }

  async next(after: number, signal?: AbortSignal): Promise<LoggedEvent[]> {
    while (!signal?.aborted) {
      const batch = await this.backend.range(this.runId, after);
      if (batch.length > 0) {
        const end = batch.findIndex((e) => isTerminal(e.type));
        if (end === -1) return batch;
        this.#ended = true;
        return batch.slice(0, end + 1);
      }
      const last = await this.backend.lastEvent(this.runId);
      // Expired while we read: nothing more will come.
      if (!last) return [];
      // Appended since the range: read it now rather than wait for its notification.
      if (last.id > after) continue;
      // Ended at or before `after` (a resume after the terminal event): nothing more will come.
      if (isTerminal(last.type)) return [];
      await this.backend.waitForEvents(this.runId, signal);
    }
    return [];
  }

  read(after: number, signal?: AbortSignal): AsyncIterable<LoggedEvent[]> {
    return readLog(this, after, signal);
  }
}

/** `interrupt` of a log this instance holds, as the memory backend does it. */
async function interruptLocal(log: InMemoryRunLog, event: RunEvent): Promise<string> {
  if (!log.ended) log.append(event);
  let text = '';
  for await (const batch of log.read(0)) {
    for (const e of batch) if (e.type === 'token') text += (JSON.parse(e.data) as { delta: string }).delta;
  }
  return text;
}
