import { performance } from 'node:perf_hooks';
import type { LanguageModelV3, LanguageModelV3FunctionTool, LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { ToolCallEvent, Usage } from '../protocol/index.js';
import type { Run, RunOutcome } from '../runs/index.js';
import { classifyModelError, loggableError } from './classify-error.js';
import { ComponentStream } from './component-stream.js';
import {
  accountAnswer,
  type Answer,
  type CallSettings,
  emptyAnswer,
  generateAnswer,
} from './generate-answer.js';
import type { ChatDeps, ChatLogger } from './run-chat.js';

/** A stateless completion: the client's own messages are the whole context, and nothing is stored. */
export interface CompletionTurn {
  modelId: string;
  model: LanguageModelV3;
  /** The client's messages, as the model reads them (system first). */
  prompt: LanguageModelV3Prompt;
  language: string | null;
  maxOutputTokens?: number;
  settings: CallSettings;
  /** The client's tools; undefined: none (nor the component tools: a stateless client cannot show them). */
  tools?: LanguageModelV3FunctionTool[];
  /** Options for the provider the model belongs to (OpenAI's `user`, `parallelToolCalls`). */
  providerOptions?: Record<string, Record<string, string | boolean>>;
  /**
   * Keeps what the answer produced (a stored Response), before `done` tells the client it is complete; when
   * it fails, the run ends with an error instead.
   */
  record?: (result: CompletionResult) => Promise<void>;
}

/** What a finished completion produced, for `record`. */
export interface CompletionResult {
  runId: string;
  text: string;
  toolCalls: ToolCallEvent[];
  finish: Answer['finish'];
  usage: Usage;
}

/**
 * One stateless generation (OpenAI Chat Completions without `store`): appends `start`, `progress`, `token`…,
 * the client's `tool_call`s and `done` or `error` to the run's log, with no conversation, message or run row
 * behind it. Cancelling and the model's failures end it as they end a stored run.
 */
export async function runCompletion(
  deps: Pick<ChatDeps, 'prices' | 'policy' | 'maxOutputTokens'>,
  logger: ChatLogger,
  run: Run,
  turn: CompletionTurn,
): Promise<RunOutcome> {
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  const answer = emptyAnswer();
  const account = () =>
    accountAnswer(answer, startedAt, (input, output) => deps.prices.costOf(turn.modelId, input, output));
  const outcome = (status: RunOutcome['status'], errorCode?: string): RunOutcome => ({
    model: turn.modelId,
    status,
    ...(errorCode ? { errorCode } : {}),
    tokens: answer.deltas,
    ttftMs: answer.firstTokenAt === undefined ? null : Math.round(answer.firstTokenAt - startedAt),
    durationMs: elapsed(),
  });
  run.log.append({
    type: 'start',
    run_id: run.id,
    conversation_id: null,
    user_message_id: null,
    assistant_message_id: null,
    model: turn.modelId,
    language: turn.language,
  });
  run.log.append({
    type: 'progress',
    step: 'generate',
    status: 'started',
    label: 'Generating answer',
    elapsed_ms: elapsed(),
  });
  const limits = [turn.maxOutputTokens, deps.maxOutputTokens].filter((n): n is number => n !== undefined);
  try {
    await generateAnswer(run, answer, {
      model: turn.model,
      prompt: turn.prompt,
      settings: turn.settings,
      // An empty list offers no tools at all: the component tools need a page that shows them.
      clientTools: turn.tools ?? [],
      providerOptions: { ...turn.providerOptions, local: { language: turn.language } },
      policy: deps.policy,
      maxOutputTokens: limits.length > 0 ? Math.min(...limits) : undefined,
      components: new ComponentStream(run.log, 0, () => {}),
      rowDelayMs: 0,
      progress: () => {},
      warn: (details, message) => logger.warn(details, message),
    });
  } catch (error) {
    if (run.signal.aborted) return done('cancelled');
    logger.error({ runId: run.id, model: turn.modelId, err: loggableError(error) }, 'completion failed');
    const client = classifyModelError(error);
    run.log.append({
      type: 'progress',
      step: 'generate',
      status: 'failed',
      label: 'Generation failed',
      elapsed_ms: elapsed(),
    });
    run.log.append({
      type: 'error',
      code: client.code,
      message: client.message,
      retryable: client.retryable,
    });
    return outcome('failed', client.code);
  }
  if (turn.record) {
    try {
      await turn.record({
        runId: run.id,
        text: answer.text,
        toolCalls: answer.clientCalls ?? [],
        finish: answer.finish,
        usage: account().usage,
      });
    } catch (error) {
      logger.error({ runId: run.id, err: loggableError(error) }, 'storing the response failed');
      run.log.append({
        type: 'error',
        code: 'database_unavailable',
        message: 'The answer could not be stored. Please try again.',
        retryable: true,
      });
      return outcome('failed', 'database_unavailable');
    }
  }
  return done(answer.finish);

  function done(reason: Answer['finish'] | 'cancelled'): RunOutcome {
    const { usage, metrics } = account();
    if (reason !== 'cancelled')
      run.log.append({
        type: 'progress',
        step: 'generate',
        status: 'completed',
        label: 'Answer complete',
        elapsed_ms: elapsed(),
      });
    run.log.append({
      type: 'done',
      finish_reason: reason,
      message_id: null,
      conversation_id: null,
      usage,
      metrics,
    });
    return outcome(reason === 'cancelled' ? 'cancelled' : 'done');
  }
}
