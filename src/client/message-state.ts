import type {
  ComponentState,
  ErrorEvent,
  FinishReason,
  Metrics,
  ProgressStatus,
  RunEvent,
  Source,
  Usage,
} from '../protocol/index.js';
import { applyComponentEvent } from '../protocol/merge-components.js';

/** One pipeline step as a client shows it: its latest status, in the order steps first appeared. */
export interface ProgressStep {
  step: string;
  label: string;
  status: ProgressStatus;
  elapsed_ms: number;
}

/** `streaming` until the terminal event; then how the run ended. */
export type MessageStatus = 'streaming' | 'done' | 'cancelled' | 'failed';

/** An assistant answer as it stands after the events so far: what a client renders. */
export interface MessageState {
  run_id: string | null;
  conversation_id: string | null;
  message_id: string | null;
  model: string | null;
  language: string | null;
  status: MessageStatus;
  text: string;
  progress: ProgressStep[];
  /** Each component's state, merged with the server's own `applyComponentEvent`, in creation order. */
  components: ComponentState[];
  sources: Source[];
  usage: Usage | null;
  metrics: Metrics | null;
  finish_reason: FinishReason | null;
  error: Pick<ErrorEvent, 'code' | 'message' | 'retryable'> | null;
}

export function emptyMessageState(): MessageState {
  return {
    run_id: null,
    conversation_id: null,
    message_id: null,
    model: null,
    language: null,
    status: 'streaming',
    text: '',
    progress: [],
    components: [],
    sources: [],
    usage: null,
    metrics: null,
    finish_reason: null,
    error: null,
  };
}

/**
 * The state after one more event, as a new object (the old one is left as it was, so a UI can compare).
 * Applying a run's events in order from `emptyMessageState()` gives the same state however the stream was
 * split across connections, as long as no event is applied twice (the stream reader drops repeats by id).
 */
export function applyRunEvent(state: MessageState, event: RunEvent): MessageState {
  switch (event.type) {
    case 'start':
      return {
        ...state,
        run_id: event.run_id,
        conversation_id: event.conversation_id,
        message_id: event.assistant_message_id,
        model: event.model,
        language: event.language,
      };
    case 'progress': {
      const step: ProgressStep = {
        step: event.step,
        label: event.label,
        status: event.status,
        elapsed_ms: event.elapsed_ms,
      };
      const at = state.progress.findIndex((p) => p.step === event.step);
      const progress = at < 0 ? [...state.progress, step] : state.progress.with(at, step);
      return { ...state, progress };
    }
    case 'sources':
      return { ...state, sources: event.sources };
    case 'token':
      return { ...state, text: state.text + event.delta };
    case 'component': {
      const byId = new Map(state.components.map((c) => [c.id, c]));
      return { ...state, components: [...applyComponentEvent(byId, event).values()] };
    }
    case 'tool_call':
      // Calls of a client's own tools happen only on stateless OpenAI completions, which this state never sees.
      return state;
    case 'done':
      return {
        ...state,
        status: event.finish_reason === 'cancelled' ? 'cancelled' : 'done',
        message_id: event.message_id,
        conversation_id: event.conversation_id,
        usage: event.usage,
        metrics: event.metrics,
        finish_reason: event.finish_reason,
        sources: event.sources ?? state.sources,
      };
    case 'error':
      return {
        ...state,
        status: 'failed',
        error: { code: event.code, message: event.message, retryable: event.retryable },
      };
  }
}
