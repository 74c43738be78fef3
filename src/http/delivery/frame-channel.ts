import type { Frame } from '../../formats/index.js';

/**
 * A transport's half of a sink: where frames go for one client of one run (an HTTP response, a run on a
 * shared WebSocket, a Socket.IO socket), with its own backpressure signal. Sends after the client has gone
 * are dropped on purpose: its follower is ending.
 */
export interface FrameChannel {
  /** Aborts when the client has gone. */
  readonly gone: AbortSignal;
  /** Sends frames in order; false when the transport's buffer is above its mark. */
  send(frames: readonly Frame[]): boolean;
  /** Resolves once the transport takes more, the client has gone, or `signal` aborts. Event driven. */
  writable(signal: AbortSignal): Promise<void>;
  /** This run's stream is over (an HTTP response ends; a socket stays open for the client's other runs). */
  end(): void;
  /** Lets the client go at once. */
  destroy(): void;
}

interface Emitter {
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/**
 * Resolves on the first of `events` from `emitter`, or when any of `signals` aborts, whichever comes first;
 * its listeners are gone once it resolves.
 */
export function untilEvent(
  emitter: Emitter,
  events: readonly string[],
  signals: readonly AbortSignal[],
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const e of events) emitter.off(e, done);
      for (const s of signals) s.removeEventListener('abort', done);
      resolve();
    };
    if (signals.some((s) => s.aborted)) return resolve();
    for (const e of events) emitter.on(e, done);
    for (const s of signals) s.addEventListener('abort', done, { once: true });
  });
}
