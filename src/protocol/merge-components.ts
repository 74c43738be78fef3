import type { ComponentEvent, ComponentState } from './components.js';

/**
 * Applies one `component` event to the states so far (by id, in creation order) and returns them.
 * The one merge both sides use: clients render with it, the server stores what it produces.
 * Events for an unknown id or after `complete` change nothing, so a replayed or reordered stream cannot
 * corrupt what was already shown.
 */
export function applyComponentEvent(
  states: Map<string, ComponentState>,
  event: ComponentEvent,
): Map<string, ComponentState> {
  const current = states.get(event.id);
  if (event.op === 'create') {
    if (current) return states;
    states.set(event.id, {
      id: event.id,
      kind: event.kind,
      title: event.title,
      status: 'loading',
      data: {},
      columns: event.columns ?? [],
      rows: [],
    });
    return states;
  }
  if (!current || current.status === 'complete' || current.kind !== event.kind) return states;
  switch (event.op) {
    case 'update':
      states.set(event.id, { ...current, data: { ...current.data, ...event.data } });
      break;
    case 'rows':
      states.set(event.id, { ...current, rows: [...current.rows, ...event.rows] });
      break;
    case 'complete':
      states.set(event.id, { ...current, status: 'complete' });
      break;
  }
  return states;
}

/** The final state of every component in a list of events, in creation order. */
export function mergeComponents(events: Iterable<ComponentEvent>): ComponentState[] {
  const states = new Map<string, ComponentState>();
  for (const event of events) applyComponentEvent(states, event);
  return [...states.values()];
}
