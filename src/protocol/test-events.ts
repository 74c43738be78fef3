import type { LoggedEvent } from './logged-event.js';
import type { RunEvent, StartEvent } from './events.js';

/** Test fixtures: the `start` of run `run_1` in conversation `conv_1`, answering in English. */
export const TEST_START: StartEvent = {
  type: 'start',
  run_id: 'run_1',
  conversation_id: 'conv_1',
  user_message_id: 'msg_u',
  assistant_message_id: 'msg_a',
  model: 'local',
  language: 'en',
};

/** Events as a run's log holds them: numbered 1, 2, 3… with their JSON. */
export function loggedEvents(events: readonly RunEvent[]): LoggedEvent[] {
  return events.map((e, i) => ({ id: i + 1, type: e.type, data: JSON.stringify(e) }));
}
