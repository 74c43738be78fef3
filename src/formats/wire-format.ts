import type { LoggedEvent, RunEvent } from '../protocol/index.js';
import type { Frame } from './frame.js';

/**
 * What one kind of client receives for a run: each run event as frames, and the frames around them. One
 * instance per stream (a format may remember what it sent: the open text part, the answer so far…), written
 * by any transport through the same follower.
 */
export interface WireFormat {
  /** Response headers beyond the event-stream ones (transports with headers only). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Written before the first event. */
  readonly opening?: readonly Frame[];
  /** The frames one event becomes, in order; none for an event this format has no form for. */
  encode(event: LoggedEvent): readonly Frame[];
  /** What keeps an idle stream open; none where the transport keeps itself alive (WebSocket, Socket.IO). */
  readonly heartbeat?: Frame;
  /** How long a stream stays idle before `heartbeat`; the server's keep-alive when unset. */
  readonly heartbeatMs?: number;
  /** Written after the terminal event. */
  readonly trailer?: readonly Frame[];
  /**
   * What the client is told when the server shuts down before the run ended, given the last event id it
   * received: where to resume, in the protocol's own terms; none when the protocol can only end the stream.
   */
  shutdown(lastId: number): readonly Frame[];
}

/**
 * The run event a logged event holds. The log holds the events this server appended, already validated, so
 * formats read them back without validating again.
 */
export function runEventOf(event: LoggedEvent): RunEvent {
  return JSON.parse(event.data) as RunEvent;
}
