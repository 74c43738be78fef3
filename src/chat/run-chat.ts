import { performance } from 'node:perf_hooks';
import type { LanguageModelV3, LanguageModelV3FinishReason } from '@ai-sdk/provider';
import type { FinishReason, Metrics, ProgressEvent, Usage } from '../protocol/index.js';
import type { Run } from '../runs/index.js';
import type { ChatStore, Turn } from '../store/index.js';
import { buildPrompt } from './build-prompt.js';

/** Where the real cause of a failure goes: the log, never the client. */
export interface ChatLogger {
  error(details: Record<string, unknown>, message: string): void;
}

export interface ChatTurn extends Turn {
  modelId: string;
  model: LanguageModelV3;
  system: string | undefined;
}

/**
 * One generation, from stored turn to final message: appends `start`, `progress`, `token`… and `done` or
 * `error` to the run's log, and stores the assistant message as `complete`, `cancelled` or `failed` with
 * the text produced so far. It knows nothing of the transports that read the log.
 */
export async function runChat(store: ChatStore, logger: ChatLogger, run: Run, turn: ChatTurn): Promise<void> {
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
  });

  let text = '';
  let deltas = 0;
  let firstTokenAt: number | undefined;
  let reported: { usage?: Usage; finish?: LanguageModelV3FinishReason } = {};
  let step = 'history';
  try {
    progress('history', 'started', 'Loading conversation history');
    const turns = await store.history(turn.conversationId, turn.userMessageId);
    progress('history', 'completed', `Loaded ${turns.length - 1} earlier messages`);

    step = 'generate';
    progress('generate', 'started', 'Generating answer');
    const { stream } = await turn.model.doStream({
      prompt: buildPrompt(turn.system, turns),
      abortSignal: run.signal,
    });
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value: part } = await reader.read();
        if (done) break;
        if (part.type === 'text-delta') {
          if (part.delta === '') continue;
          firstTokenAt ??= performance.now();
          text += part.delta;
          deltas++;
          run.log.append({ type: 'token', delta: part.delta });
        } else if (part.type === 'finish') {
          reported = { usage: toUsage(part.usage), finish: part.finishReason };
        } else if (part.type === 'error') {
          throw part.error;
        }
      }
    } finally {
      reader.releaseLock();
    }
    run.signal.throwIfAborted();
    progress('generate', 'completed', 'Answer complete');
  } catch (error) {
    if (run.signal.aborted) {
      await finish('cancelled');
      return;
    }
    logger.error({ err: error, runId: run.id, step }, 'chat run failed');
    progress(step, 'failed', step === 'generate' ? 'Generation failed' : 'Loading history failed');
    const { usage, metrics } = account();
    await store.finishMessage(turn.assistantMessageId, { content: text, status: 'failed', usage, metrics });
    run.log.append({
      type: 'error',
      code: 'model_error',
      message: 'The model failed while generating the answer. What was generated so far is saved.',
      retryable: true,
    });
    return;
  }
  await finish(reported.finish?.unified === 'length' ? 'length' : 'stop');

  function account(): { usage: Usage; metrics: Metrics } {
    const end = performance.now();
    const usage = {
      input_tokens: reported.usage?.input_tokens ?? 0,
      output_tokens: reported.usage?.output_tokens ?? deltas,
    };
    const streamingMs = firstTokenAt === undefined ? 0 : end - firstTokenAt;
    return {
      usage,
      metrics: {
        ttft_ms: firstTokenAt === undefined ? null : Math.round(firstTokenAt - startedAt),
        duration_ms: Math.round(end - startedAt),
        tokens_per_s: streamingMs > 0 ? round2((usage.output_tokens * 1000) / streamingMs) : 0,
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

function toUsage(usage: {
  inputTokens: { total: number | undefined };
  outputTokens: { total: number | undefined };
}): Usage | undefined {
  const input = usage.inputTokens.total;
  const output = usage.outputTokens.total;
  if (input === undefined || output === undefined) return undefined;
  return { input_tokens: input, output_tokens: output };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
