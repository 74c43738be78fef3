import type { Writable } from 'node:stream';
import { drained } from '../sse-writer.js';

export interface WriteLegacyFramesOptions {
  heartbeat: string;
  heartbeatMs: number;
  stallMs: number;
  /** Aborts when the client has gone (or the server shuts down); the writer stops at once. */
  signal: AbortSignal;
}

/**
 * Writes encoded frames until the source ends or the client goes, with a heartbeat after every
 * `heartbeatMs` in which nothing else was written (an event resets the clock). Respects backpressure like
 * `writeSse`: a full socket is waited on (`drain`) before more is read, for at most `stallMs`.
 */
export async function writeLegacyFrames(
  res: Writable,
  frames: AsyncIterable<string>,
  o: WriteLegacyFramesOptions,
): Promise<'ended' | 'gone' | 'stalled'> {
  let blocked = false;
  const beat = setInterval(() => {
    // A blocked socket is not idle; a heartbeat would only add to its buffer.
    if (!blocked && !res.writableEnded && !o.signal.aborted) res.write(o.heartbeat);
  }, o.heartbeatMs);
  try {
    for await (const text of frames) {
      if (o.signal.aborted) return 'gone';
      if (text === '') continue;
      beat.refresh();
      if (res.write(text)) continue;
      blocked = true;
      if (!(await drained(res, o.signal, o.stallMs))) return 'stalled';
      blocked = false;
    }
    return o.signal.aborted ? 'gone' : 'ended';
  } finally {
    clearInterval(beat);
  }
}
