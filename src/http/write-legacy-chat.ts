import { once } from 'node:events';
import type { Socket } from 'socket.io';
import type {
  ChatCompletePayload,
  LegacyClientEvents,
  LegacyServerEvents,
  RunEvent,
} from '../protocol/index.js';
import type { RunLog } from '../runs/index.js';

export type LegacySocket = Socket<LegacyClientEvents, LegacyServerEvents>;

/** A transport can be swapped (polling → websocket) while a reader waits; it looks again this often. */
const RECHECK_MS = 50;

/**
 * Writes a run to a client of the older Socket.IO API: each `token` as `chat_token` {token, count,
 * partial}, then `chat_complete` from `done`, or `chat_error` from `error`. Other events (progress,
 * sources, components) have no legacy form and are left out. Waits for the transport before reading
 * more, so a slow client never makes the server buffer more than a batch.
 */
export async function writeLegacyChat(
  socket: LegacySocket,
  log: RunLog,
  o: { sessionId: string; signal: AbortSignal; stallMs: number },
): Promise<'ended' | 'gone' | 'stalled'> {
  let count = 0;
  let partial = '';
  for await (const batch of log.read(0, o.signal)) {
    for (const logged of batch) {
      const event = JSON.parse(logged.data) as RunEvent;
      if (event.type === 'token') {
        count++;
        partial += event.delta;
        socket.emit('chat_token', { token: event.delta, count, partial });
      } else if (event.type === 'done') {
        socket.emit('chat_complete', completion(event, o.sessionId));
      } else if (event.type === 'error') {
        // Run errors carry a human message and never internal detail.
        socket.emit('chat_error', { error: event.message });
      }
    }
    if (!(await writable(socket, o.signal, o.stallMs))) return 'stalled';
  }
  return o.signal.aborted ? 'gone' : 'ended';
}

function completion(done: Extract<RunEvent, { type: 'done' }>, sessionId: string): ChatCompletePayload {
  return {
    tokens: done.usage.output_tokens,
    duration: done.metrics.duration_ms / 1000,
    speed: done.metrics.tokens_per_s,
    message_id: done.message_id,
    session_id: sessionId,
  };
}

/** True once the connection's transport can take more (or the client went); false after `stallMs`. */
async function writable(socket: LegacySocket, signal: AbortSignal, stallMs: number): Promise<boolean> {
  const deadline = Date.now() + stallMs;
  while (!socket.conn.transport.writable && !signal.aborted) {
    if (Date.now() >= deadline) return false;
    // The transport says 'drain' when its writes went out.
    const wait = AbortSignal.any([signal, AbortSignal.timeout(RECHECK_MS)]);
    await once(socket.conn.transport, 'drain', { signal: wait }).catch(() => {});
  }
  return true;
}
