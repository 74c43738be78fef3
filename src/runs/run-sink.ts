import type { LoggedEvent } from '../protocol/index.js';

/** What a sink did with a batch. */
export type SinkWrite =
  /** Written, and the transport takes more. */
  | 'written'
  /** Written, but the transport's buffer is above its mark: wait for `writable` before reading more. */
  | 'full'
  /** Nothing to write (the client's format has no form for these events): the stream stays idle. */
  | 'idle';

/**
 * Where `followRun` delivers a run to one client: a transport carrying the client's wire format. A sink
 * knows how to write; the follower decides when (replay, live batches, keep-alive, stall, shutdown). Writes
 * after the client has gone are ignored.
 */
export interface RunSink {
  /** Aborts when the client has gone (its connection closed): the follower stops and lets go. */
  readonly gone: AbortSignal;
  /** How long the stream may stay idle before `heartbeat`; undefined: the transport keeps itself alive. */
  readonly heartbeatMs?: number;
  /** Writes a batch of events in the client's format. */
  write(batch: readonly LoggedEvent[]): SinkWrite;
  /** Resolves once the transport takes more, the client has gone, or `signal` aborts. Event driven. */
  writable(signal: AbortSignal): Promise<void>;
  /** Keeps an idle stream open. */
  heartbeat(): void;
  /** The run ended: what the format writes after the terminal event, then the end of the stream. */
  end(): void;
  /**
   * The stream cannot go on here (the server shuts down, or the run's log does not answer): tells the client
   * where to resume (after `lastId`), then ends. Synchronous.
   */
  shutdown(lastId: number): void;
  /**
   * Lets go of the client at once, writing nothing more: it stopped reading (it resumes from the last id it
   * received) or it has gone.
   */
  abort(): void;
}
