import type { LoggedEvent, ProgressEvent, Source } from '../protocol/index.js';
import type { Frame } from './frame.js';
import { LEGACY_RESTARTING } from './legacy-restarting.js';
import { pythonJson } from './python-json.js';
import { runEventOf, type WireFormat } from './wire-format.js';

/** `/chat/stream` loads documents then answers; `/fast_chat/stream` shows each step of a vector search. */
export type ProgressChatMode = 'traditional' | 'fast';

export interface ProgressChatContext {
  mode: ProgressChatMode;
  query: string;
  /** The turns the client sent; echoed back, extended by this one, when `memory_enabled`. */
  history: { role: string; content: string }[] | undefined;
  memoryEnabled: boolean;
  /** Documents searched; 0 when there is no retrieval. */
  documentCount: number;
  /** Why there is no retrieval, when there is none (shown as the document step and in the result). */
  noRetrieval: string;
}

/** What `/chat/stream` and `/fast_chat/stream` clients wait for between progress events. */
export const PROGRESS_HEARTBEAT: Frame = { event: 'heartbeat', data: '{}' };

/**
 * Idle time after which a progress stream sends `event: heartbeat`: the earlier backend sent one whenever
 * a second passed without an update (its queue read timed out after 1.0 s), and its clients expect that.
 */
export const PROGRESS_HEARTBEAT_MS = 1000;

/**
 * The document-chat streams of the earlier Jacie backend: named SSE events `progress` {step, message,
 * progress (percent), timestamp, details}, then `result` {response, documents_loaded,
 * document_selection_message, conversation_history}, or `error` {error}; `heartbeat` {} while idle.
 * Its steps, from the run's: `start` (5) → traditional: `doc_loading` (20 at select_documents completed,
 * 60 with the passages found) / fast: `query_prep` (10), `doc_selection` (25, 35), `vector_search` (50, 65)
 * → `ai_generation` (80) → `finalizing` (95) → `complete` (100). Tokens have no form here: the answer comes
 * whole in `result`.
 */
export function legacyProgressFormat(
  c: ProgressChatContext,
  heartbeatMs = PROGRESS_HEARTBEAT_MS,
): WireFormat {
  const fast = c.mode === 'fast';
  let answer = '';
  let sources: Source[] | undefined;
  // One name per document searched: a passage's title is "Document › Section".
  const titles = () => [
    ...new Map((sources ?? []).map((s) => [s.document_id, s.title.split(' › ')[0] ?? s.title])).values(),
  ];

  const onProgress = (e: ProgressEvent): Frame[] => {
    switch (`${e.step}:${e.status}`) {
      case 'prepare_query:started':
        return fast ? progress('query_prep', 'Preparing search query...', 10) : [];
      case 'select_documents:started':
        return fast ? progress('doc_selection', 'Selecting relevant documents...', 25) : [];
      case 'select_documents:completed':
        return fast
          ? progress('doc_selection', `Selected ${plural(c.documentCount, 'document')} to search`, 35, {
              documents: c.documentCount,
            })
          : progress('doc_loading', 'Loading relevant documents...', 20);
      case 'search:started':
        return fast ? progress('vector_search', 'Searching vector database...', 50) : [];
      case 'generate:started':
        return [
          ...(sources || fast ? [] : progress('doc_loading', c.noRetrieval, 30)),
          ...progress('ai_generation', 'Generating AI response...', 80),
        ];
      case 'generate:completed':
        return progress('finalizing', 'Finalizing response...', 95);
      default:
        return [];
    }
  };

  const onSources = (found: Source[]): Frame[] => {
    sources = found;
    const documents = titles().length;
    return fast
      ? progress('vector_search', `Retrieved ${plural(found.length, 'passage')} from vector database`, 65, {
          documents_found: documents,
          passages: found.length,
        })
      : progress('doc_loading', `Loaded ${plural(documents, 'document')}`, 60, {
          documents_loaded: documents,
        });
  };

  const result = () => {
    const loaded = titles();
    const selection = sources
      ? `${plural(sources.length, 'passage')} retrieved from ${plural(loaded.length, 'document')}.`
      : c.noRetrieval;
    return named('result', {
      response: answer,
      documents_loaded: fast || loaded.length > 0 ? loaded : null,
      document_selection_message: selection,
      conversation_history: c.memoryEnabled
        ? [...(c.history ?? []), { role: 'user', content: c.query }, { role: 'assistant', content: answer }]
        : null,
    });
  };

  return {
    encode(logged: LoggedEvent): Frame[] {
      const event = runEventOf(logged);
      switch (event.type) {
        case 'start':
          return progress('start', 'Starting chat processing...', 5);
        case 'progress':
          return onProgress(event);
        case 'sources':
          return onSources(event.sources);
        case 'token':
          answer += event.delta;
          return [];
        case 'done':
          return [...progress('complete', 'Response generation complete!', 100), result()];
        case 'error':
          return [named('error', { error: event.message })];
        default:
          return [];
      }
    },
    heartbeat: PROGRESS_HEARTBEAT,
    heartbeatMs,
    shutdown: () => [named('error', { error: LEGACY_RESTARTING })],
  };
}

/**
 * A progress event as the backend's pydantic model serialised it (`model_dump_json`: compact, `progress`
 * a float, `timestamp` ISO 8601 UTC with `Z`, `details` null when there are none).
 */
function progress(step: string, message: string, percent: number, details?: Record<string, number>): Frame[] {
  const data =
    `{"step":${JSON.stringify(step)},"message":${JSON.stringify(message)},` +
    `"progress":${percent.toFixed(1)},"timestamp":${JSON.stringify(new Date().toISOString())},` +
    `"details":${details ? JSON.stringify(details) : 'null'}}`;
  return [{ event: 'progress', data }];
}

/** `result` and `error` went out through `json.dumps`. */
function named(event: 'result' | 'error', data: Record<string, unknown>): Frame {
  return { event, data: pythonJson(data) };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
