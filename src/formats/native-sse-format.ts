import { type LoggedEvent, reconnectNoticeFor } from '../protocol/index.js';
import { PING_FRAME } from './frame.js';
import type { WireFormat } from './wire-format.js';

export interface NativeSseOptions {
  /** Sent first as `retry:`, so an EventSource reconnects after this many ms (resume streams). */
  retryMs?: number;
}

/**
 * StreamForge's own event stream: each run event with its `id:` (the resume position), its type as `event:`
 * and its stored JSON as `data:`. The response names its run in `X-Run-Id`, so a stream cut before its first
 * event can still be resumed; at shutdown the client is told where to resume (`event: reconnect`).
 */
export function nativeSseFormat(runId: string, o: NativeSseOptions = {}): WireFormat {
  return {
    headers: { 'x-run-id': runId },
    opening: o.retryMs === undefined ? [] : [{ retry: o.retryMs }],
    encode: (event: LoggedEvent) => [{ id: event.id, event: event.type, data: event.data }],
    heartbeat: PING_FRAME,
    // No `id:`: the client's Last-Event-ID stays on the last real event.
    shutdown: (lastId) => [{ retry: 1000, event: 'reconnect', data: reconnectNoticeFor(runId, lastId) }],
  };
}
