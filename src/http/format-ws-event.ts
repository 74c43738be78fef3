import type { LoggedEvent } from '../runs/index.js';

/**
 * One run event as a WebSocket text frame: the event's JSON exactly as SSE sends it in `data`, with
 * `run_id` and `id` (and, on the first event answering a client message, its `request_id`) appended.
 * The stored JSON is extended rather than parsed and serialised again, so every subscriber shares the
 * pipeline's one serialisation.
 */
export function formatWsEvent(event: LoggedEvent, runId: string, requestId?: string): string {
  // `start` already names its run; a second `run_id` key would make the object ambiguous.
  let extra = event.type === 'start' ? '' : `,"run_id":${JSON.stringify(runId)}`;
  extra += `,"id":${event.id}`;
  if (requestId !== undefined) extra += `,"request_id":${JSON.stringify(requestId)}`;
  // `data` is always a JSON object, so it ends with its closing brace.
  return `${event.data.slice(0, -1)}${extra}}`;
}
