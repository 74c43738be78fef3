import { performance } from 'node:perf_hooks';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { PriceTable } from '../models/index.js';
import type { FinishReason, Metrics, ProgressEvent, Usage } from '../protocol/index.js';
import type { Run } from '../runs/index.js';
import type { ChatStore, Turn } from '../store/index.js';
import { buildPrompt } from './build-prompt.js';
import { classifyModelError, loggableError } from './classify-error.js';
import { ComponentStream } from './component-stream.js';
import { type Answer, generateAnswer } from './generate-answer.js';
import type { ModelCallPolicy } from './stream-model.js';
import { trimHistory } from './trim-history.js';

/** Where the real cause of a failure goes: the log, never the client. */
export interface ChatLogger {
  error(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

/** What every run of this server shares. */
export interface ChatDeps {
  store: ChatStore;
  prices: PriceTable;
  policy: ModelCallPolicy;
  /** Earlier turns are trimmed, oldest first, to fit this many tokens with the system prompt. */
  historyTokenBudget: number;
  maxOutputTokens: number | undefined;
  /** Components per answer; more are skipped with a notice. @default 5 */
  maxComponents: number;
  /** Pause between a table's rows (and a card's fields). */
  componentRowDelayMs: number;
}

/** One turn to answer: stored ids, the model, and the system prompt already resolved. */
export interface ChatTurn extends Turn {
  modelId: string;
  model: LanguageModelV3;
  system: string;
  language: string | null;
}

/**
 * One generation, from stored turn to final message: appends `start`, `progress`, `token`… and `done` or
 * `error` to the run's log, and stores the assistant message as `complete`, `cancelled` or `failed` with
 * the text produced so far. It knows nothing of the transports that read the log.
 */
export async function runChat(deps: ChatDeps, logger: ChatLogger, run: Run, turn: ChatTurn): Promise<void> {
  const { store } = deps;
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  const progress = (step: string, status: ProgressEvent['status'], label: string) =>
    run.log.append({ type: 'progress', step, status, label, elapsed_ms: elapsed() });

  run.log.append({
    type: 'start',
    run_id: run.id,
    conversation_id: turn.conversationId,
    user_message_id: turn.userMessageId,
    assistant_message_id: turn.assistantMessageId,
    model: turn.modelId,
    language: turn.language,
  });

  const answer: Answer = {
    text: '',
    deltas: 0,
    firstTokenAt: undefined,
    inputTokens: undefined,
    outputTokens: undefined,
    finish: 'stop',
  };
  const components = new ComponentStream(run.log, deps.maxComponents, (title, limit) =>
    progress('components', 'skipped', `Only ${limit} components fit in one answer: "${title}" is not shown`),
  );
  let step = 'history';
  try {
    progress('history', 'started', 'Loading conversation history');
    const all = await store.history(turn.conversationId, turn.userMessageId);
    const { turns, dropped } = trimHistory(turn.system, all, deps.historyTokenBudget);
    const earlier = turns.length - 1;
    progress(
      'history',
      'completed',
      dropped > 0
        ? `Using ${earlier} earlier messages (${dropped} oldest left out to fit the context)`
        : `Using ${earlier} earlier messages`,
    );

    step = 'generate';
    progress('generate', 'started', 'Generating answer');
    await generateAnswer(run, answer, {
      model: turn.model,
      prompt: buildPrompt(turn.system, turns),
      policy: deps.policy,
      maxOutputTokens: deps.maxOutputTokens,
      components,
      rowDelayMs: deps.componentRowDelayMs,
      progress,
      warn: (details, message) => logger.warn(details, message),
    });
    progress('generate', 'completed', 'Answer complete');
  } catch (error) {
    if (run.signal.aborted) {
      await finish('cancelled');
      return;
    }
    logger.error({ runId: run.id, step, model: turn.modelId, err: loggableError(error) }, 'chat run failed');
    progress(step, 'failed', step === 'generate' ? 'Generation failed' : 'Loading history failed');
    components.completeAll();
    const { usage, metrics } = account();
    await store.finishMessage(turn.assistantMessageId, {
      content: answer.text,
      status: 'failed',
      usage,
      metrics,
      components: components.states(),
    });
    const client = classifyModelError(error);
    run.log.append({
      type: 'error',
      code: client.code,
      message: answer.text ? `${client.message} What was generated so far is saved.` : client.message,
      retryable: client.retryable,
    });
    return;
  }
  await finish(answer.finish);

  function account(): { usage: Usage; metrics: Metrics } {
    const end = performance.now();
    const input = answer.inputTokens ?? 0;
    const output = answer.outputTokens ?? answer.deltas;
    const usage = {
      input_tokens: input,
      output_tokens: output,
      cost_usd: deps.prices.costOf(turn.modelId, input, output),
    };
    const first = answer.firstTokenAt;
    const streamingMs = first === undefined ? 0 : end - first;
    return {
      usage,
      metrics: {
        ttft_ms: first === undefined ? null : Math.round(first - startedAt),
        duration_ms: Math.round(end - startedAt),
        tokens_per_s: streamingMs > 0 ? round2((output * 1000) / streamingMs) : 0,
      },
    };
  }

  async function finish(reason: FinishReason): Promise<void> {
    // A cancelled answer's open components are stored as they stand, and closed for the client too.
    components.completeAll();
    const { usage, metrics } = account();
    const status = reason === 'cancelled' ? 'cancelled' : 'complete';
    // Stored before `done` is sent: a client that reloads on `done` finds the final message.
    await store.finishMessage(turn.assistantMessageId, {
      content: answer.text,
      status,
      usage,
      metrics,
      components: components.states(),
    });
    run.log.append({
      type: 'done',
      finish_reason: reason,
      message_id: turn.assistantMessageId,
      conversation_id: turn.conversationId,
      usage,
      metrics,
    });
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
