import { type LoggedEvent, reconnectNoticeFor } from '../protocol/index.js';
import type { WireFormat } from './wire-format.js';

/**
 * StreamForge's WebSocket messages: each run event as one JSON text message, the event exactly as SSE sends it
 * in `data` with its run and id added (several runs interleave on one socket), and on the first message that
 * answers a client's message its `request_id`. At shutdown: the `reconnect` notice for the run.
 */
export function nativeWsFormat(runId: string, requestId?: string): WireFormat {
  let echo = requestId;
  return {
    encode(event: LoggedEvent) {
      const data = wsEventText(event, runId, echo);
      echo = undefined;
      return [{ data }];
    },
    shutdown: (lastId) => [{ data: reconnectNoticeFor(runId, lastId) }],
  };
}

/**
 * The stored JSON extended rather than parsed and serialised again, so every subscriber shares the pipeline's
 * one serialisation.
 */
export function wsEventText(event: LoggedEvent, runId: string, requestId?: string): string {
  // `start` already names its run; a second `run_id` key would make the object ambiguous.
  let extra = event.type === 'start' ? '' : `,"run_id":${JSON.stringify(runId)}`;
  extra += `,"id":${event.id}`;
  if (requestId !== undefined) extra += `,"request_id":${JSON.stringify(requestId)}`;
  // `data` is always a JSON object, so it ends with its closing brace.
  return `${event.data.slice(0, -1)}${extra}}`;
}
