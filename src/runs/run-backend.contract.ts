import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../protocol/index.js';
import { MAX_BATCH } from './in-memory-run-log.js';
import type { RunBackend } from './run-backend.js';
import type { LoggedEvent, RunLog } from './run-log.js';

/**
 * Two instances of one backend sharing state: in memory both are the same object; on Redis they are two
 * connections with the same url and prefix, as two servers of one deployment would be.
 */
export interface RunBackendInstances {
  /** The instance that runs the run: it creates and appends to the log. */
  owner: RunBackend;
  /** Another instance of the deployment: it reads, cancels and interrupts from elsewhere. */
  other: RunBackend;
  /** Closes both; rejects when a backend reported an error while the test ran. */
  close(): Promise<void>;
}

export interface RunBackendFactoryOptions {
  /** How long a retained log stays readable. */
  retentionMs: number;
}

/** Opens fresh instances for one test; if it throws it must have closed whatever it opened. */
export type RunBackendFactory = (options: RunBackendFactoryOptions) => Promise<RunBackendInstances>;

/** Bound on every wait: long enough that a loaded machine never hits it, short of vitest's test timeout. */
const WAIT_MS = 10_000;
/** Retention for tests that are not about retention: nothing of theirs expires while they run. */
const LONG_RETENTION_MS = 60_000;

/** Resolves like `promise`, or rejects naming `what` if it takes longer than `WAIT_MS`. */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${WAIT_MS} ms`)), WAIT_MS);
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns a value (for state that announces no event, such as expiry). */
async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not so after ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Reads a log in the background and records what arrived, so a test can wait on the reader itself. */
class Reader {
  readonly events: LoggedEvent[] = [];
  readonly batchSizes: number[] = [];
  ended = false;
  /** Every event read, once the read ends. */
  readonly finished: Promise<LoggedEvent[]>;
  readonly #listeners = new Set<() => void>();

  constructor(log: RunLog, after: number, signal: AbortSignal) {
    this.finished = this.#read(log, after, signal);
    // A test that fails early never awaits it; afterEach does, so the rejection is not lost.
    this.finished.catch(() => {});
  }

  async #read(log: RunLog, after: number, signal: AbortSignal): Promise<LoggedEvent[]> {
    try {
      for await (const batch of log.read(after, signal)) {
        this.batchSizes.push(batch.length);
        this.events.push(...batch);
        for (const listener of this.#listeners) listener();
      }
      return this.events;
    } finally {
      this.ended = true;
      for (const listener of this.#listeners) listener();
    }
  }

  get lastId(): number {
    return this.events.at(-1)?.id ?? 0;
  }

  /** Resolves once event `id` has arrived; rejects if the read ends before it. */
  reached(id: number): Promise<void> {
    const arrived = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.lastId >= id) resolve();
        else if (this.ended) reject(new Error(`the read ended at event ${this.lastId}, before event ${id}`));
        else return;
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
    return within(arrived, `waiting for event ${id}`);
  }
}

const token = (delta: string): RunEvent => ({ type: 'token', delta });
const progress = (): RunEvent => ({
  type: 'progress',
  step: 'generate',
  status: 'started',
  label: 'Generating answer',
  elapsed_ms: 3,
});
const done = (): RunEvent => ({
  type: 'done',
  finish_reason: 'stop',
  message_id: 'msg_contract',
  conversation_id: 'conv_contract',
  usage: { input_tokens: 5, output_tokens: 2, cost_usd: null },
  metrics: { ttft_ms: 4, duration_ms: 9, tokens_per_s: 222 },
});
const failure = (code = 'model_error'): RunEvent => ({
  type: 'error',
  code,
  message: 'The model stopped answering.',
  retryable: true,
});
const terminals = { done, error: failure };

/** The events as a log stores them: numbered from 1, serialised once. */
const logged = (events: RunEvent[]): LoggedEvent[] =>
  events.map((event, i) => ({ id: i + 1, type: event.type, data: JSON.stringify(event) }));

/**
 * The behaviour every `RunBackend` shares, declared once and run against each implementation
 * (pattern of vercel/resumable-stream `__tests__/tests.ts`).
 */
export function runBackendContract(name: string, open: RunBackendFactory): void {
  describe(`${name} (RunBackend contract)`, () => {
    let opened: RunBackendInstances[] = [];
    let readers: Reader[] = [];
    let stop: AbortController;

    beforeEach(() => {
      opened = [];
      readers = [];
      stop = new AbortController();
    });

    afterEach(async () => {
      // Readers end before their backends close, so none reads from a closed connection.
      stop.abort();
      const results = [
        ...(await Promise.allSettled([
          within(Promise.allSettled(readers.map((r) => r.finished)), 'readers ending after the test'),
        ])),
        ...(await Promise.allSettled(opened.map((i) => i.close()))),
      ];
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    });

    async function instances(retentionMs = LONG_RETENTION_MS): Promise<RunBackendInstances> {
      const pair = await open({ retentionMs });
      opened.push(pair);
      return pair;
    }

    function read(log: RunLog, after: number, signal?: AbortSignal): Reader {
      const reader = new Reader(log, after, signal ? AbortSignal.any([stop.signal, signal]) : stop.signal);
      readers.push(reader);
      return reader;
    }

    /** The run's log as another instance sees it, once the appends up to `lastId` have reached it. */
    function openWhenVisible(backend: RunBackend, runId: string, lastId: number): Promise<RunLog> {
      return until(async () => {
        const log = await backend.openLog(runId);
        return log && log.lastId >= lastId ? log : undefined;
      }, `run ${runId} visible up to event ${lastId}`);
    }

    it('numbers appended events 1..N and reports lastId and ended, here and on another instance', async () => {
      const { owner, other } = await instances();
      const runId = randomUUID();
      const log = owner.createLog(runId);
      const here = await owner.openLog(runId);
      expect({ lastId: here?.lastId, ended: here?.ended }).toEqual({ lastId: 0, ended: false });

      expect([progress(), token('a'), token('b')].map((e) => log.append(e))).toEqual([1, 2, 3]);
      expect({ lastId: log.lastId, ended: log.ended }).toEqual({ lastId: 3, ended: false });
      expect(log.append(done())).toBe(4);
      expect({ lastId: log.lastId, ended: log.ended }).toEqual({ lastId: 4, ended: true });

      const elsewhere = await openWhenVisible(other, runId, 4);
      expect({ lastId: elsewhere.lastId, ended: elsewhere.ended }).toEqual({ lastId: 4, ended: true });
    });

    it('replays from 0 and from every id exactly the events after it, in order, in batches', async () => {
      const { owner, other } = await instances();
      const runId = randomUUID();
      const log = owner.createLog(runId);
      // More than one batch's worth, so a replay from the start needs several.
      const events = [...Array.from({ length: MAX_BATCH + 44 }, (_, i) => token(`t${i}`)), done()];
      for (const event of events) log.append(event);
      const all = logged(events);
      await openWhenVisible(other, runId, all.length);

      for (const [where, backend] of [
        ['owner', owner],
        ['other', other],
      ] as const) {
        const reopened = await backend.openLog(runId);
        if (!reopened) throw new Error(`run ${runId} not open on ${where}`);
        for (let after = 0; after <= all.length; after++) {
          const reader = read(reopened, after);
          const events = await within(reader.finished, `replay on ${where} from ${after}`);
          expect(events, `replay on ${where} from ${after}`).toEqual(all.slice(after));
          for (const size of reader.batchSizes) {
            expect(size).toBeGreaterThan(0);
            expect(size).toBeLessThanOrEqual(MAX_BATCH);
          }
        }
      }
    });

    it('wakes readers waiting at the end, on another instance too, when the run appends', async () => {
      const { owner, other } = await instances();
      const runId = randomUUID();
      const log = owner.createLog(runId);
      const events = [progress(), token('a'), token('b'), token('c'), done()];
      log.append(events[0]!);
      log.append(events[1]!);
      const here = read(log, 0);
      const there = read(await openWhenVisible(other, runId, 2), 0);
      await Promise.all([here.reached(2), there.reached(2)]);
      expect([here.ended, there.ended]).toEqual([false, false]);

      log.append(events[2]!);
      await Promise.all([here.reached(3), there.reached(3)]);
      expect([here.ended, there.ended]).toEqual([false, false]);

      log.append(events[3]!);
      log.append(events[4]!);
      expect(await within(here.finished, 'reader on the owner')).toEqual(logged(events));
      expect(await within(there.finished, 'reader on the other instance')).toEqual(logged(events));
    });

    for (const [type, terminal] of Object.entries(terminals)) {
      it(`ends reading after a terminal ${type} event and refuses appends after it`, async () => {
        const { owner, other } = await instances();
        const runId = randomUUID();
        const log = owner.createLog(runId);
        const events = [token('a'), token('b'), terminal()];
        log.append(events[0]!);
        const there = read(await openWhenVisible(other, runId, 1), 0);
        await there.reached(1);
        log.append(events[1]!);
        log.append(events[2]!);

        expect(() => log.append(token('late'))).toThrow();
        expect(() => log.append(failure('late'))).toThrow();
        expect({ lastId: log.lastId, ended: log.ended }).toEqual({ lastId: 3, ended: true });
        expect(await within(there.finished, 'reader on the other instance')).toEqual(logged(events));
        expect(await within(read(log, 0).finished, 'replay on the owner')).toEqual(logged(events));
        const reopened = await openWhenVisible(other, runId, 3);
        expect(await within(read(reopened, 0).finished, 'replay on the other')).toEqual(logged(events));
      });
    }

    it('ends a reader whose signal aborts, here and on another instance', async () => {
      const { owner, other } = await instances();
      const runId = randomUUID();
      const log = owner.createLog(runId);
      const events = [token('a'), token('b')];
      for (const event of events) log.append(event);
      const leave = new AbortController();
      const here = read(log, 0, leave.signal);
      const there = read(await openWhenVisible(other, runId, 2), 0, leave.signal);
      await Promise.all([here.reached(2), there.reached(2)]);
      expect([here.ended, there.ended]).toEqual([false, false]);

      leave.abort();
      expect(await within(here.finished, 'aborted reader on the owner')).toEqual(logged(events));
      expect(await within(there.finished, 'aborted reader on the other instance')).toEqual(logged(events));
      expect(log.ended).toBe(false);
      // A reader that starts aborted reads nothing.
      expect(await within(read(log, 0, leave.signal).finished, 'reader aborted before it read')).toEqual([]);
    });

    it('opens no log for an unknown run', async () => {
      const { owner, other } = await instances();
      expect(await owner.openLog(randomUUID())).toBeUndefined();
      expect(await other.openLog(randomUUID())).toBeUndefined();
    });

    it('keeps a retained log readable from every instance', async () => {
      const { owner, other } = await instances();
      const runId = randomUUID();
      const log = owner.createLog(runId);
      const events = [token('a'), done()];
      for (const event of events) log.append(event);
      owner.retain(runId);

      for (const backend of [owner, other]) {
        const reopened = await openWhenVisible(backend, runId, 2);
        expect(await within(read(reopened, 0).finished, 'replay of a retained log')).toEqual(logged(events));
      }
    });

    it('lets a retained log go after the retention period (the HTTP layer answers 410)', async () => {
      const { owner, other } = await instances(300);
      const runId = randomUUID();
      const log = owner.createLog(runId);
      log.append(token('a'));
      log.append(done());
      owner.retain(runId);
      // Looked up before any timer can run: retaining does not drop the log at once.
      expect(await owner.openLog(runId)).toBe(log);

      await until(async () => {
        const logs = await Promise.all([owner.openLog(runId), other.openLog(runId)]);
        return logs.every((l) => l === undefined) ? true : undefined;
      }, `run ${runId} gone from every instance`);
      expect(await other.interrupt(runId, failure('run_interrupted'))).toBeUndefined();
    });

    it('delivers a cancel requested on another instance to every handler of the instance running the run', async () => {
      const { owner, other } = await instances();
      const runId = randomUUID();
      const first = new Promise<string>((resolve) => owner.onCancel((id) => id === runId && resolve(id)));
      const second = new Promise<string>((resolve) => owner.onCancel((id) => id === runId && resolve(id)));
      await other.requestCancel(runId);
      expect(await within(Promise.all([first, second]), 'cancel handlers called')).toEqual([runId, runId]);
    });

    it('interrupts an unfinished run from another instance: its readers there end, its text comes back', async () => {
      const { owner, other } = await instances();
      const runId = randomUUID();
      const log = owner.createLog(runId);
      const events = [progress(), token('Hel'), token('lo')];
      for (const event of events) log.append(event);
      const there = read(await openWhenVisible(other, runId, 3), 0);
      await there.reached(3);

      const interruption = failure('run_interrupted');
      expect(await other.interrupt(runId, interruption)).toBe('Hello');
      const all = logged([...events, interruption]);
      expect(await within(there.finished, 'reader of the interrupted run')).toEqual(all);
      // A second interrupt finds the run ended: same text, no second terminal event.
      expect(await other.interrupt(runId, failure('again'))).toBe('Hello');
      const reopened = await openWhenVisible(other, runId, 4);
      expect({ lastId: reopened.lastId, ended: reopened.ended }).toEqual({ lastId: 4, ended: true });
      expect(await within(read(reopened, 0).finished, 'replay after the interrupt')).toEqual(all);
    });

    it('interrupts an unfinished run on the instance holding its log: readers end, appends are refused', async () => {
      const { owner } = await instances();
      const runId = randomUUID();
      const log = owner.createLog(runId);
      const events = [token('Hel'), token('lo')];
      for (const event of events) log.append(event);
      const here = read(log, 0);
      await here.reached(2);

      const interruption = failure('run_interrupted');
      expect(await owner.interrupt(runId, interruption)).toBe('Hello');
      expect(await within(here.finished, 'reader of the interrupted run')).toEqual(
        logged([...events, interruption]),
      );
      expect({ lastId: log.lastId, ended: log.ended }).toEqual({ lastId: 3, ended: true });
      expect(() => log.append(token('late'))).toThrow();
    });

    it('interrupts a finished run without appending, and an unknown one not at all', async () => {
      const { owner, other } = await instances();
      const runId = randomUUID();
      const log = owner.createLog(runId);
      const events = [token('Hel'), token('lo'), done()];
      for (const event of events) log.append(event);
      await openWhenVisible(other, runId, 3);

      expect(await other.interrupt(runId, failure('run_interrupted'))).toBe('Hello');
      expect(await owner.interrupt(runId, failure('run_interrupted'))).toBe('Hello');
      const reopened = await openWhenVisible(other, runId, 3);
      expect(await within(read(reopened, 0).finished, 'replay after the interrupt')).toEqual(logged(events));
      expect(await other.interrupt(randomUUID(), failure('run_interrupted'))).toBeUndefined();
      expect(await owner.interrupt(randomUUID(), failure('run_interrupted'))).toBeUndefined();
    });

    it('shows presence touched on one instance to the other', async () => {
      const { owner, other } = await instances();
      const runId = randomUUID();
      expect(await other.lastSeen(runId)).toBeUndefined();

      const before = Date.now();
      await owner.touch(runId);
      const seen = await other.lastSeen(runId);
      expect(seen).toBeGreaterThanOrEqual(before);
      expect(seen).toBeLessThanOrEqual(Date.now());

      await other.touch(runId);
      expect(await owner.lastSeen(runId)).toBeGreaterThanOrEqual(seen ?? Infinity);
    });
  });
}
