import type { RunLog } from './run-log.js';
import type { RunPresence } from './run-presence.js';
import type { RunSink } from './run-sink.js';

/** How following a run ended for its client. */
export type FollowEnd =
  /** The run ended and the client got every event. */
  | 'ended'
  /** The client went away. */
  | 'gone'
  /** The client stopped reading for the stall limit and was let go. */
  | 'stalled'
  /** The server is shutting down; the client was told where to resume. */
  | 'shutdown'
  /** The run's log could not be read (its store does not answer); the client was told where to resume. */
  | 'unavailable';

export interface RunFollowerOptions {
  presence: Pick<RunPresence, 'subscribe'>;
  /** A client whose transport stays full this long is let go (it resumes from the last id it received). */
  stallMs: number;
  /** Aborts when the server begins shutting down. */
  shutdown: AbortSignal;
}

/** One run to follow: its id and log, and the position after which the client wants its events. */
export interface FollowTarget {
  id: string;
  log: RunLog;
  /** Replay the events after this id (0: from the start), then follow live. */
  after: number;
}

/** Follows a run for one client, writing to its sink. */
export type RunFollower = (target: FollowTarget, sink: RunSink) => Promise<FollowEnd>;

/**
 * The one way a client follows a run, for every transport: subscribes (presence, grace, `on_disconnect`),
 * replays the events after `after`, writes batches as they come with event-driven backpressure, keeps an
 * idle stream open, lets go of a client that stops reading for `stallMs`, stops when the client goes, and at
 * shutdown, or when the log cannot be read (Redis does not answer), tells the client where to resume. The subscription is released however it ends.
 */
export function createRunFollower(o: RunFollowerOptions): RunFollower {
  // One listener on the shared shutdown signal for all followers. A listener each would make every add and
  // remove walk all the others' (an EventTarget keeps a list): quadratic, seconds of CPU at 10 000 streams.
  const atShutdown = new Set<() => void>();
  o.shutdown.addEventListener(
    'abort',
    () => {
      for (const f of atShutdown) f();
    },
    { once: true },
  );
  return (target, sink) => followRun(target, sink, o, atShutdown);
}

async function followRun(
  target: FollowTarget,
  sink: RunSink,
  o: RunFollowerOptions,
  atShutdown: Set<() => void>,
): Promise<FollowEnd> {
  const release = o.presence.subscribe(target.id);
  let lastId = target.after;
  // At shutdown, at once (before the server closes connections): the notice, then the end.
  const onShutdown = () => {
    if (!sink.gone.aborted) sink.shutdown(lastId);
  };
  if (o.shutdown.aborted) {
    onShutdown();
    release();
    return 'shutdown';
  }
  // One signal for the reader: the client went, or the server shuts down.
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  const shutdown = () => {
    onShutdown();
    stop();
  };
  atShutdown.add(shutdown);
  sink.gone.addEventListener('abort', stop, { once: true });
  if (sink.gone.aborted) stop();
  let blocked = false;
  // Sent after every `heartbeatMs` in which nothing was written: each write starts the count again. A blocked
  // transport is not idle: a heartbeat would only add to its buffer.
  const ping =
    sink.heartbeatMs === undefined
      ? undefined
      : setInterval(() => {
          if (!blocked && !stopping.signal.aborted) sink.heartbeat();
        }, sink.heartbeatMs);
  try {
    let position = target.after;
    for (;;) {
      let batch;
      try {
        batch = await target.log.next(position, stopping.signal);
      } catch {
        if (stopping.signal.aborted) break;
        // Never an end in silence: the client resumes after what it has, here or on another instance.
        sink.shutdown(lastId);
        return 'unavailable';
      }
      const last = batch.at(-1);
      if (!last || stopping.signal.aborted) break;
      position = last.id;
      lastId = last.id;
      const written = sink.write(batch);
      if (written === 'idle') continue;
      ping?.refresh();
      if (written === 'full') {
        blocked = true;
        if (!(await writableWithin(sink, o.stallMs, stopping.signal))) {
          sink.abort();
          return 'stalled';
        }
        blocked = false;
      }
    }
    if (o.shutdown.aborted) return 'shutdown';
    if (sink.gone.aborted) {
      // What is left of the transport is let go of, writing nothing more.
      sink.abort();
      return 'gone';
    }
    sink.end();
    return 'ended';
  } finally {
    clearInterval(ping);
    atShutdown.delete(shutdown);
    sink.gone.removeEventListener('abort', stop);
    release();
  }
}

/** True once the sink takes more (or the follower stops anyway); false when it stays full for `stallMs`. */
async function writableWithin(sink: RunSink, stallMs: number, stop: AbortSignal): Promise<boolean> {
  const waiting = new AbortController();
  let stalled = false;
  const timer = setTimeout(() => {
    stalled = true;
    waiting.abort();
  }, stallMs);
  const onStop = () => waiting.abort();
  stop.addEventListener('abort', onStop, { once: true });
  try {
    await sink.writable(waiting.signal);
    return !stalled || stop.aborted;
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}
