import type { LoggedEvent, RunEvent } from '../protocol/index.js';

export type { LoggedEvent };

/**
 * The ordered events of one run, in this process or in Redis. The pipeline appends; any number of readers
 * replay from a position and then follow live until the terminal event.
 */
export interface RunLog {
  /** Appends in order and returns the event's id. Appending after `done`/`error` throws. */
  append(event: RunEvent): number;
  /**
   * The events after `after` (at most MAX_BATCH), as soon as there are any: at once when there are, else when
   * some are appended — readers are woken once per event-loop turn, with everything appended in it. Empty once
   * the log has ended with nothing after `after`, or when `signal` aborts.
   */
  next(after: number, signal?: AbortSignal): Promise<LoggedEvent[]>;
  /** Batches of events after `after`, then live ones, ending after the terminal event or when `signal` aborts. */
  read(after: number, signal?: AbortSignal): AsyncIterable<LoggedEvent[]>;
  /** Id of the last appended event (0 when empty). */
  readonly lastId: number;
  /** True once `done` or `error` is appended. */
  readonly ended: boolean;
}

/** `read` in terms of `next`: every log iterates the same way. */
export async function* readLog(
  log: Pick<RunLog, 'next'>,
  after: number,
  signal?: AbortSignal,
): AsyncIterable<LoggedEvent[]> {
  let position = after;
  for (;;) {
    const batch = await log.next(position, signal);
    const last = batch.at(-1);
    if (!last) return;
    position = last.id;
    yield batch;
  }
}
