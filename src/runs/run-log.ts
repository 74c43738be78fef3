import type { RunEvent, RunEventType } from '../protocol/index.js';

/** An event as stored in a run's log: its position and its JSON, serialised once for every subscriber. */
export interface LoggedEvent {
  /** 1, 2, 3… within the run; the SSE `id:` and the resume position. */
  id: number;
  type: RunEventType;
  /** The event as JSON, `type` included. */
  data: string;
}

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
