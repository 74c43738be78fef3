import type { Redis } from 'ioredis';
import { connectRedis, RedisNotReadyError } from '../store/index.js';
import { isTerminal, type RunEvent, type RunEventType } from '../protocol/index.js';
import { eventData, InMemoryRunLog, MAX_BATCH } from './in-memory-run-log.js';
import type { RunBackend } from './run-backend.js';
import { RedisLogWriter } from './redis-log-writer.js';
import { type LoggedEvent, type RunLog, readLog } from './run-log.js';
import { RunLogUnavailableError } from './run-log-unavailable-error.js';

export interface RedisRunBackendOptions {
  url: string;
  /** Prefix of every key and channel, so deployments (or tests) sharing a Redis stay apart. @default "sf:" */
  prefix: string;
  retentionMs: number;
  /** Longest a run's log lives if its instance dies without ending it. */
  maxRunMs: number;
  /** Events kept per run (older ones are trimmed). @default 100000 */
  maxEvents: number;
  /** A run whose events could not be written for this long is stopped (they are still written when Redis returns). */
  outageLimitMs: number;
  /** At close, how long events not yet written may take to go out. */
  closeFlushMs?: number;
  onError: (error: unknown) => void;
}

/** How long a reader waits for a notification before looking again (a lost notification costs this much). */
const POLL_MS = 1000;

/** Stream entries read at once; each holds the events of one event-loop turn. */
const ENTRIES_PER_READ = 64;

/**
 * Appends one batch as one stream entry, renews the stream's expiry and announces the batch: one command per
 * run per event-loop turn, however many events the turn appended. Writing a batch that is there already (its
 * reply was lost to a broken connection, and the writer sent it again) changes nothing: the entry's id is not
 * above the stream's last, which XADD refuses.
 * KEYS[1] the run's stream; ARGV: entry id, payload, max entries, expiry (ms), channel, run id.
 */
const APPEND_BATCH = `
local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[1], 'e', ARGV[2])
if type(added) == 'table' and added.err then
  if not string.find(added.err, 'equal or smaller', 1, true) then return added end
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`;

interface BatchingRedis extends Redis {
  appendBatch(
    key: string,
    entryId: string,
    payload: string,
    maxEntries: number,
    expiryMs: number,
    channel: string,
    runId: string,
  ): Promise<unknown>;
}

/**
 * Run logs as Redis Streams. The owner writes each event-loop turn's events as one stream entry: its id is
 * `0-<id of its last event>`, its payload one line per event (`<type> <stored form>`, see `eventData`), so
 * event ids stay exactly 1..N; the same command announces the batch. Readers on any instance XRANGE the
 * entries after their position, split them back into events, and wait for the next announcement. Cancels
 * travel over pub/sub; presence is a key with an expiry.
 */
export class RedisRunBackend implements RunBackend {
  readonly kind = 'redis';
  readonly #redis: BatchingRedis;
  readonly #sub: Redis;
  readonly #local = new Map<string, InMemoryRunLog>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #writers = new Map<string, RedisLogWriter>();
  readonly #cancelHandlers: ((runId: string) => void)[] = [];
  readonly #lostHandlers: ((runId: string, error: Error) => void)[] = [];

  private constructor(
    private readonly o: RedisRunBackendOptions,
    redis: BatchingRedis,
    sub: Redis,
  ) {
    this.#redis = redis;
    this.#sub = sub;
  }

  static async connect(o: RedisRunBackendOptions): Promise<RedisRunBackend> {
    const redis = (await connectRedis(o.url, o.onError)) as BatchingRedis;
    redis.defineCommand('appendBatch', { numberOfKeys: 1, lua: APPEND_BATCH });
    const sub = await connectRedis(o.url, o.onError);
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

  /**
   * The connection, for one command: while it is not ready (Redis away, reconnecting) this throws at once, so a
   * caller is refused (or a writer retries later) instead of waiting in the reconnect queue.
   */
  #ready(): BatchingRedis {
    if (this.#redis.status !== 'ready') throw new RedisNotReadyError(this.#redis.status);
    return this.#redis;
  }

  #channel(name: 'events' | 'cancel'): string {
    return `${this.o.prefix}runs:${name}`;
  }

  createLog(runId: string): RunLog {
    const key = this.#key(runId, 'events');
    const channel = this.#channel('events');
    const writer = new RedisLogWriter({
      write: async (batch) =>
        this.#ready().appendBatch(
          key,
          `0-${batch.lastId}`,
          batch.payload,
          this.o.maxEvents,
          batch.ended ? this.o.retentionMs : this.o.maxRunMs + this.o.retentionMs,
          channel,
          runId,
        ),
      outageLimitMs: this.o.outageLimitMs,
      onError: this.o.onError,
      onOutage: (error) => {
        const lost = new RunLogUnavailableError(
          `The run log could not be written for ${Math.round(this.o.outageLimitMs / 1000)} s; the answer was stopped.`,
          error,
        );
        for (const handler of this.#lostHandlers) handler(runId, lost);
      },
    });
    const log = new InMemoryRunLog((id, type, stored) =>
      writer.add(id, `${type} ${stored}`, isTerminal(type)),
    );
    this.#local.set(runId, log);
    this.#writers.set(runId, writer);
    return log;
  }

  async openLog(runId: string): Promise<RunLog | undefined> {
    const local = this.#local.get(runId);
    if (local) return local;
    const last = await this.lastEvent(runId);
    return last ? new RemoteRunLog(this, runId, last.id, isTerminal(last.type)) : undefined;
  }

  retain(runId: string): void {
    const writer = this.#writers.get(runId);
    void writer?.flushed().then(() => {
      if (!writer.pending && this.#writers.get(runId) === writer) this.#writers.delete(runId);
    });
    // The stream expires by itself (set with the terminal event); the local copy goes after the same time, and
    // with it whatever an outage as long as that kept from being written.
    setTimeout(() => {
      this.#local.delete(runId);
      this.#writers.get(runId)?.stop();
      this.#writers.delete(runId);
    }, this.o.retentionMs).unref();
  }

  async interrupt(runId: string, event: RunEvent): Promise<string | undefined> {
    const local = this.#local.get(runId);
    // Our own log: append through it, so readers here end, later appends throw and the mirror writes it out.
    if (local) return interruptLocal(local, event);
    const key = this.#key(runId, 'events');
    const entries = (await unavailableIfFails(() => this.#ready().xrange(key, '-', '+'))) as StreamEntry[];
    if (entries.length === 0) return undefined;
    let text = '';
    const events = splitEntries(entries, 0);
    for (const e of events) {
      if (e.type === 'token') text += (JSON.parse(e.data) as { delta: string }).delta;
      if (isTerminal(e.type)) return text;
    }
    const last = events.at(-1)?.id ?? 0;
    await unavailableIfFails(() =>
      this.#ready().appendBatch(
        key,
        `0-${last + 1}`,
        `${event.type} ${JSON.stringify(event)}`,
        this.o.maxEvents,
        this.o.retentionMs,
        this.#channel('events'),
        runId,
      ),
    );
    return text;
  }

  async requestCancel(runId: string): Promise<void> {
    await unavailableIfFails(() => this.#ready().publish(this.#channel('cancel'), runId));
  }

  onCancel(handler: (runId: string) => void): void {
    this.#cancelHandlers.push(handler);
  }

  onLost(handler: (runId: string, error: Error) => void): void {
    this.#lostHandlers.push(handler);
  }

  async touch(runId: string): Promise<void> {
    await this.#ready().set(this.#key(runId, 'seen'), String(Date.now()), 'PX', this.o.maxRunMs);
  }

  async lastSeen(runId: string): Promise<number | undefined> {
    const value = await this.#ready().get(this.#key(runId, 'seen'));
    return value ? Number(value) : undefined;
  }

  async ping(): Promise<void> {
    await unavailableIfFails(() => this.#ready().ping());
  }

  async close(): Promise<void> {
    // What the last runs appended goes out first (bounded: Redis may be the reason for the shutdown).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.#writers.values()].map((w) => w.flushed())),
      new Promise((resolve) => (timer = setTimeout(resolve, this.o.closeFlushMs ?? 5_000))),
    ]);
    clearTimeout(timer);
    for (const writer of this.#writers.values()) writer.stop();
    for (const waiters of this.#waiters.values()) for (const wake of waiters) wake();
    this.#sub.disconnect();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  /** Events after `after`, at most MAX_BATCH of them. */
  async range(runId: string, after: number): Promise<LoggedEvent[]> {
    const entries = (await unavailableIfFails(() =>
      this.#ready().xrange(this.#key(runId, 'events'), `(0-${after}`, '+', 'COUNT', ENTRIES_PER_READ),
    )) as StreamEntry[];
    const events = splitEntries(entries, after);
    return events.length > MAX_BATCH ? events.slice(0, MAX_BATCH) : events;
  }

  /** The run's last stored event; undefined when its log is unknown or expired. */
  async lastEvent(runId: string): Promise<{ id: number; type: RunEventType } | undefined> {
    const [last] = (await unavailableIfFails(() =>
      this.#ready().xrevrange(this.#key(runId, 'events'), '+', '-', 'COUNT', 1),
    )) as StreamEntry[];
    if (!last) return undefined;
    const payload = last[1][1] ?? '';
    const line = payload.slice(payload.lastIndexOf('\n') + 1);
    return { id: entryLastId(last), type: line.slice(0, line.indexOf(' ')) as RunEventType };
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

/** A Redis failure as the refusal it is to the caller: the run log is unavailable for now. */
async function unavailableIfFails<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    throw new RunLogUnavailableError(undefined, error);
  }
}

/** A stream entry as XRANGE gives it: its id and its fields (`e`, the batch's payload). */
type StreamEntry = [id: string, fields: string[]];

function entryLastId(entry: StreamEntry): number {
  return Number(entry[0].slice(entry[0].indexOf('-') + 1));
}

/** The events of `entries` after `after`: each entry's lines numbered back from the id of its last event. */
function splitEntries(entries: StreamEntry[], after: number): LoggedEvent[] {
  const events: LoggedEvent[] = [];
  for (const entry of entries) {
    const lines = (entry[1][1] ?? '').split('\n');
    const first = entryLastId(entry) - lines.length + 1;
    for (let i = Math.max(0, after - first + 1); i < lines.length; i++) {
      const line = lines[i] as string;
      const space = line.indexOf(' ');
      const type = line.slice(0, space) as RunEventType;
      events.push({ id: first + i, type, data: eventData(type, line.slice(space + 1)) });
    }
  }
  return events;
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
