import type { RunEventType } from './events.js';

/**
 * A run event as its log keeps it and every transport sends it: its position in the run and its JSON,
 * serialised once for every subscriber.
 */
export interface LoggedEvent {
  /** 1, 2, 3… within the run; the SSE `id:` and the resume position. */
  id: number;
  type: RunEventType;
  /** The event as JSON, `type` included. */
  data: string;
}
