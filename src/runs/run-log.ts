import type { LoggedEvent, RunEvent } from '../protocol/index.js';

export type { LoggedEvent };

/**
 * The ordered events of one run. The pipeline appends; any number of readers replay from a position and
 * then follow live until the terminal event. (In-process today; the same interface will front Redis Streams.)
 */
export interface RunLog {
  /** Appends in order and returns the event's id. Appending after `done`/`error` throws. */
  append(event: RunEvent): number;
  /** Batches of events after `after`, then live ones, ending after the terminal event or when `signal` aborts. */
  read(after: number, signal?: AbortSignal): AsyncIterable<LoggedEvent[]>;
  /** Id of the last appended event (0 when empty). */
  readonly lastId: number;
  /** True once `done` or `error` is appended. */
  readonly ended: boolean;
}
