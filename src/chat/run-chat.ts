import { performance } from 'node:perf_hooks';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { PriceTable } from '../models/index.js';
import type { FinishReason, Metrics, ProgressEvent, Source, Usage } from '../protocol/index.js';
import { type Grounding, RELEVANCE_FLOOR, type RetrievedChunk, type Retriever } from '../rag/index.js';
import { RunInterruptedError, RunLogUnavailableError } from '../runs/index.js';
import type { Run, RunOutcome } from '../runs/index.js';
import {
  DatabaseUnavailableError,
  type MessageStore,
  retryWhileUnavailable,
  type Turn,
} from '../store/index.js';
import type { Checkpoints } from './checkpoints.js';
import { buildPrompt } from './build-prompt.js';
import { classifyModelError, loggableError } from './classify-error.js';
import { ComponentStream } from './component-stream.js';
import { accountAnswer, emptyAnswer, generateAnswer } from './generate-answer.js';
import { promptWithSources, searchQueryFor, systemWithSources } from './sources-prompt.js';
import type { ModelCallPolicy } from './stream-model.js';
import { trimHistory } from './trim-history.js';

/** Where the real cause of a failure goes: the log, never the client. */
export interface ChatLogger {
  error(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

/** What every run of this server shares. */
export interface ChatDeps {
  store: MessageStore;
  prices: PriceTable;
  policy: ModelCallPolicy;
  /** Earlier turns are trimmed, oldest first, to fit this many tokens with the system prompt. */
  historyTokenBudget: number;
  maxOutputTokens: number | undefined;
  /** Components per answer; more are skipped with a notice. @default 5 */
  maxComponents: number;
  /** Pause between a table's rows (and a card's fields). */
  componentRowDelayMs: number;
  retriever: Retriever;
  /** Saves the text of running answers now and then. */
  checkpoints: Checkpoints;
  /** How long an answer's final save is tried again while the database does not answer. */
  saveRetryMs: number;
}

/** Retrieval for one turn, as the turn decided it: whose documents, which of them, how many passages. */
export interface TurnRetrieval {
  /** Whose documents are searched. */
  userId: string;
  topK: number;
  /** Only these documents; all when undefined. */
  documentIds: string[] | undefined;
  /** How many documents the search covers, for the progress label. */
  documentCount: number;
}

/** One turn to answer: stored ids, the model, and the system prompt already resolved. */
export interface ChatTurn extends Turn {
  /** The most output tokens the request asked for (`MAX_OUTPUT_TOKENS` still applies). */
  maxOutputTokens?: number;
  modelId: string;
  model: LanguageModelV3;
  system: string;
  language: string | null;
  /** Undefined: no retrieval for this turn. */
  rag: TurnRetrieval | undefined;
}

/**
 * One generation, from stored turn to final message: appends `start`, `progress`, `token`… and `done` or
 * `error` to the run's log, and stores the assistant message as `complete`, `cancelled` or `failed` with
 * the text produced so far. It knows nothing of the transports that read the log.
 */
export async function runChat(
  deps: ChatDeps,
  logger: ChatLogger,
  run: Run,
  turn: ChatTurn,
): Promise<RunOutcome> {
  const { store } = deps;
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  const progress: Progress = (step, status, label, detail) =>
    run.log.append({ type: 'progress', step, status, label, elapsed_ms: elapsed(), ...detail });

  run.log.append({
    type: 'start',
    run_id: run.id,
    conversation_id: turn.conversationId,
    user_message_id: turn.userMessageId,
    assistant_message_id: turn.assistantMessageId,
    model: turn.modelId,
    language: turn.language,
  });

  const answer = emptyAnswer();
  const components = new ComponentStream(run.log, deps.maxComponents, (title, limit) =>
    progress('components', 'skipped', `Only ${limit} components fit in one answer: "${title}" is not shown`),
  );
  let sources: RetrievedChunk[] = [];
  const untrack = deps.checkpoints.track(turn.assistantMessageId, () => answer.text);
  let ended: Pick<RunOutcome, 'status' | 'errorCode'> = { status: 'failed' };
  let measured: Metrics | undefined;
  try {
    await answerTurn();
  } catch (error) {
    // The database stayed away for the whole retry period: readers learn it (the log keeps every token).
    if (!(error instanceof DatabaseUnavailableError) || run.log.ended) throw error;
    logger.error({ runId: run.id, err: loggableError(error) }, 'chat run could not be saved');
    ended = { status: 'failed', errorCode: error.code };
    run.log.append({
      type: 'error',
      code: error.code,
      message:
        'The answer could not be saved: the database did not answer. Its text stays in this run for a while.',
      retryable: true,
    });
  } finally {
    untrack();
  }
  return {
    model: turn.modelId,
    ...ended,
    tokens: answer.deltas,
    ttftMs: measured?.ttft_ms ?? null,
    durationMs: measured?.duration_ms ?? Math.round(performance.now() - startedAt),
  };

  async function answerTurn(): Promise<void> {
    let step = 'history';
    try {
      progress('history', 'started', 'Loading conversation history');
      // A new conversation's history is this message: no query on the way to the first token.
      const all = turn.newConversation
        ? [{ role: 'user' as const, content: turn.userText }]
        : await store.history(turn.conversationId, turn.userMessageId);
      const { turns, dropped } = trimHistory(turn.system, all, deps.historyTokenBudget);
      const earlier = turns.length - 1;
      progress(
        'history',
        'completed',
        dropped > 0
          ? `Using ${earlier} earlier messages (${dropped} oldest left out to fit the context)`
          : `Using ${earlier} earlier messages`,
      );

      let system = turn.system;
      // Whether the user's documents were searched and found not to cover the question.
      let uncovered = false;
      if (turn.rag) {
        step = 'search';
        const grounding = await retrieve(
          deps.retriever,
          turn.rag,
          searchQueryFor(turns),
          progress,
          run.signal,
        );
        sources = grounding.chunks;
        uncovered = !grounding.grounded;
        run.log.append({ type: 'sources', sources: sources.map(toSource) });
        system = systemWithSources(system, sources, uncovered);
      }

      step = 'generate';
      progress('generate', 'started', 'Generating answer');
      await generateAnswer(run, answer, {
        model: turn.model,
        prompt: promptWithSources(buildPrompt(system, turns), sources),
        // The offline model composes its answer from the passages themselves.
        // It also speaks the question's language in its own sentences.
        providerOptions: {
          local: {
            language: turn.language,
            ...(sources.length
              ? { sources: sources.map((s) => ({ n: s.n, title: s.title, text: s.text })) }
              : uncovered
                ? { uncovered: true }
                : {}),
          },
        },
        policy: deps.policy,
        // The request may ask for less than the server allows, never for more.
        maxOutputTokens: lowest(turn.maxOutputTokens, deps.maxOutputTokens),
        components,
        rowDelayMs: deps.componentRowDelayMs,
        progress,
        warn: (details, message) => logger.warn(details, message),
      });
      progress('generate', 'completed', 'Answer complete');
    } catch (error) {
      if (run.signal.aborted) {
        const reason: unknown = run.signal.reason;
        if (reason instanceof RunInterruptedError) await interrupted();
        else if (reason instanceof RunLogUnavailableError) await stopped(reason);
        else await finish('cancelled');
        return;
      }
      logger.error(
        { runId: run.id, step, model: turn.modelId, err: loggableError(error) },
        'chat run failed',
      );
      progress(step, 'failed', FAILED_LABELS[step] ?? 'Failed');
      await save('failed');
      const client = classifyModelError(error);
      ended = { status: 'failed', errorCode: client.code };
      run.log.append({
        type: 'error',
        code: client.code,
        message: answer.text ? `${client.message} What was generated so far is saved.` : client.message,
        retryable: client.retryable,
      });
      return;
    }
    await finish(answer.finish);
  }

  function account(): { usage: Usage; metrics: Metrics } {
    return accountAnswer(answer, startedAt, (input, output) =>
      deps.prices.costOf(turn.modelId, input, output),
    );
  }

  /**
   * Stores the assistant message as it ends, with the text so far, and its run's end; open components are
   * completed as they stand (for the client too). Stored before the terminal event, so a client that reloads
   * on it finds it: the terminal event is the next one, which the run's row records as its last.
   */
  async function save(status: 'complete' | 'cancelled' | 'failed' | 'interrupted') {
    components.completeAll();
    const { usage, metrics } = account();
    measured = metrics;
    const message = {
      content: answer.text,
      status,
      usage,
      metrics,
      components: components.states(),
      sources: sources.map(toSource),
    };
    const runEnd = { id: run.id, status: RUN_STATUS[status], lastEventId: run.log.lastId + 1 };
    // Nothing generated is lost to a database outage: the save is tried again until it lands (or the limit).
    await retryWhileUnavailable(
      () => store.finish(turn.assistantMessageId, message, runEnd),
      deps.saveRetryMs,
      (error, attempt) =>
        attempt === 1 && logger.warn({ runId: run.id, err: loggableError(error) }, 'saving the answer again'),
    );
    return { usage, metrics };
  }

  /** The run's events could not be written for the outage limit: it stops, and what it made is saved. */
  async function stopped(reason: RunLogUnavailableError): Promise<void> {
    await save('failed');
    ended = { status: 'failed', errorCode: reason.code };
    run.log.append({
      type: 'error',
      code: reason.code,
      message: answer.text ? `${reason.message} What was generated so far is saved.` : reason.message,
      retryable: true,
    });
  }

  /** The instance shuts down: the answer so far is kept as `interrupted`, and readers are told so. */
  async function interrupted(): Promise<void> {
    await save('interrupted');
    ended = { status: 'interrupted', errorCode: 'run_interrupted' };
    run.log.append({
      type: 'error',
      code: 'run_interrupted',
      message:
        'The server running this answer stopped before it finished. What was generated so far is saved.',
      retryable: true,
    });
  }

  async function finish(reason: FinishReason): Promise<void> {
    const { usage, metrics } = await save(reason === 'cancelled' ? 'cancelled' : 'complete');
    ended = { status: reason === 'cancelled' ? 'cancelled' : 'done' };
    run.log.append({
      type: 'done',
      finish_reason: reason,
      message_id: turn.assistantMessageId,
      conversation_id: turn.conversationId,
      usage,
      metrics,
      ...(turn.rag ? { sources: sources.map(toSource) } : {}),
    });
  }
}

/** A run's end, from its answer's. */
const RUN_STATUS = {
  complete: 'done',
  cancelled: 'cancelled',
  failed: 'failed',
  interrupted: 'interrupted',
} as const;

const FAILED_LABELS: Record<string, string> = {
  history: 'Loading history failed',
  search: 'Searching documents failed',
  generate: 'Generation failed',
};

/** Appends a progress event; `detail` is what the completed search step adds. */
type Progress = (
  step: string,
  status: ProgressEvent['status'],
  label: string,
  detail?: Pick<ProgressEvent, 'relevance' | 'grounded'>,
) => void;

/** The retrieval steps users see: preparing the query, selecting documents, searching. */
async function retrieve(
  retriever: Retriever,
  rag: TurnRetrieval,
  query: string,
  progress: Progress,
  signal: AbortSignal,
): Promise<Grounding> {
  progress('prepare_query', 'started', 'Preparing search query');
  progress(
    'prepare_query',
    'completed',
    `Searching for: ${query.length > 80 ? `${query.slice(0, 79)}…` : query}`,
  );
  progress('select_documents', 'started', 'Selecting relevant documents');
  const n = rag.documentCount;
  progress(
    'select_documents',
    'completed',
    `${rag.documentIds ? 'Selected' : 'All'} ${n} document${n === 1 ? '' : 's'}`,
  );
  progress(
    'search',
    'started',
    retriever.mode === 'hybrid' ? 'Searching documents (text and meaning)' : 'Searching documents',
  );
  const grounding = await retriever.ground(rag.userId, query, rag.topK, rag.documentIds, signal);
  const { chunks, relevance, grounded } = grounding;
  progress(
    'search',
    'completed',
    grounded
      ? `Found ${chunks.length} relevant passage${chunks.length === 1 ? '' : 's'} (relevance ${relevance.toFixed(2)})`
      : `Your documents don't cover this (best match ${relevance.toFixed(2)}, needs more than ${RELEVANCE_FLOOR.toFixed(2)})`,
    { relevance, grounded },
  );
  return grounding;
}

function toSource(s: RetrievedChunk): Source {
  return {
    n: s.n,
    document_id: s.document_id,
    title: s.title,
    chunk_id: s.chunk_id,
    snippet: s.snippet,
    score: s.score,
    ...(s.page !== undefined ? { page: s.page } : {}),
  };
}

function lowest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
