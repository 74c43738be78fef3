import { performance } from 'node:perf_hooks';
import type { LanguageModelV3, LanguageModelV3FinishReason, LanguageModelV3Usage } from '@ai-sdk/provider';
import type { PriceTable } from '../models/index.js';
import type { FinishReason, Metrics, ProgressEvent, Usage } from '../protocol/index.js';
import type { Run } from '../runs/index.js';
import type { ChatStore, Turn } from '../store/index.js';
import { buildPrompt } from './build-prompt.js';
import { classifyModelError, loggableError } from './classify-error.js';
import { type ModelCallPolicy, streamModel } from './stream-model.js';
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

  let text = '';
  let deltas = 0;
  let firstTokenAt: number | undefined;
  let reported: { usage?: LanguageModelV3Usage; finish?: LanguageModelV3FinishReason } = {};
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
    const parts = streamModel(
      turn.model,
      { prompt: buildPrompt(turn.system, turns), maxOutputTokens: deps.maxOutputTokens },
      run.signal,
      deps.policy,
      (attempt, delayMs, error) =>
        logger.warn({ runId: run.id, attempt, delayMs, err: loggableError(error) }, 'retrying model call'),
    );
    for await (const part of parts) {
      if (part.type === 'text-delta') {
        if (part.delta === '') continue;
        firstTokenAt ??= performance.now();
        text += part.delta;
        deltas++;
        run.log.append({ type: 'token', delta: part.delta });
      } else if (part.type === 'finish') {
        reported = { usage: part.usage, finish: part.finishReason };
      }
    }
    progress('generate', 'completed', 'Answer complete');
  } catch (error) {
    if (run.signal.aborted) {
      await finish('cancelled');
      return;
    }
    logger.error({ runId: run.id, step, model: turn.modelId, err: loggableError(error) }, 'chat run failed');
    progress(step, 'failed', step === 'generate' ? 'Generation failed' : 'Loading history failed');
    const { usage, metrics } = account();
    await store.finishMessage(turn.assistantMessageId, { content: text, status: 'failed', usage, metrics });
    const client = classifyModelError(error);
    run.log.append({
      type: 'error',
      code: client.code,
      message: text ? `${client.message} What was generated so far is saved.` : client.message,
      retryable: client.retryable,
    });
    return;
  }
  await finish(reported.finish?.unified === 'length' ? 'length' : 'stop');

  function account(): { usage: Usage; metrics: Metrics } {
    const end = performance.now();
    const input = reported.usage?.inputTokens.total ?? 0;
    const output = reported.usage?.outputTokens.total ?? deltas;
    const usage = {
      input_tokens: input,
      output_tokens: output,
      cost_usd: deps.prices.costOf(turn.modelId, input, output),
    };
    const streamingMs = firstTokenAt === undefined ? 0 : end - firstTokenAt;
    return {
      usage,
      metrics: {
        ttft_ms: firstTokenAt === undefined ? null : Math.round(firstTokenAt - startedAt),
        duration_ms: Math.round(end - startedAt),
        tokens_per_s: streamingMs > 0 ? round2((output * 1000) / streamingMs) : 0,
      },
    };
  }

  async function finish(reason: FinishReason): Promise<void> {
    const { usage, metrics } = account();
    const status = reason === 'cancelled' ? 'cancelled' : 'complete';
    // Stored before `done` is sent: a client that reloads on `done` finds the final message.
    await store.finishMessage(turn.assistantMessageId, { content: text, status, usage, metrics });
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
