import { performance } from 'node:perf_hooks';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FunctionTool,
  LanguageModelV3Prompt,
  SharedV3ProviderOptions,
} from '@ai-sdk/provider';
import type { Metrics, ProgressEvent, ToolCallEvent, Usage } from '../protocol/index.js';
import type { Run } from '../runs/index.js';
import { loggableError } from './classify-error.js';
import type { ComponentStream } from './component-stream.js';
import { type ModelCallPolicy, streamModel } from './stream-model.js';
import { COMPONENT_TOOLS, runTool, type ToolCall } from './tools.js';

/** Model calls per answer: each tool round trip is one more. */
export const MAX_STEPS = 5;

/** The answer so far, kept up to date as it streams so a failure can store what was produced. */
export interface Answer {
  text: string;
  /** Text deltas sent. */
  deltas: number;
  firstTokenAt: number | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  finish: 'stop' | 'length' | 'tool_calls';
  /** The calls of the client's tools it ended with (only when the client offered tools). */
  clientCalls?: ToolCallEvent[];
}

/** An answer before its first token. */
export function emptyAnswer(): Answer {
  return {
    text: '',
    deltas: 0,
    firstTokenAt: undefined,
    inputTokens: undefined,
    outputTokens: undefined,
    finish: 'stop',
  };
}

/** What a client asks of the model beside the prompt (OpenAI's sampling and output parameters). */
export type CallSettings = Pick<
  LanguageModelV3CallOptions,
  | 'temperature'
  | 'topP'
  | 'seed'
  | 'stopSequences'
  | 'presencePenalty'
  | 'frequencyPenalty'
  | 'responseFormat'
  | 'toolChoice'
>;

export interface GenerateOptions {
  model: LanguageModelV3;
  prompt: LanguageModelV3Prompt;
  policy: ModelCallPolicy;
  maxOutputTokens: number | undefined;
  /** Passed to every call; providers ignore the keys that are not theirs. */
  providerOptions?: SharedV3ProviderOptions;
  settings?: CallSettings;
  /**
   * The client's own tools, offered instead of the component tools: their calls are not run here but end the
   * answer as `tool_call` events (`finish: 'tool_calls'`), for the client to run.
   */
  clientTools?: LanguageModelV3FunctionTool[];
  components: ComponentStream;
  rowDelayMs: number;
  progress: (step: string, status: ProgressEvent['status'], label: string) => void;
  warn: (details: Record<string, unknown>, message: string) => void;
}

/**
 * Streams the model's answer into the run's log as `token` events, running the component tools it calls
 * between its text (each call streams its component, the model continues from a short result), for at most
 * MAX_STEPS model calls.
 */
export async function generateAnswer(run: Run, answer: Answer, o: GenerateOptions): Promise<void> {
  let prompt = o.prompt;
  // The output limit is for the whole answer: each step gets what the steps before it left.
  let budget = o.maxOutputTokens;
  for (let step = 1; step <= MAX_STEPS; step++) {
    const calls: ToolCall[] = [];
    let stepText = '';
    let stepOutput: number | undefined;
    await streamModel(
      o.model,
      {
        ...o.settings,
        prompt,
        tools: o.clientTools ?? COMPONENT_TOOLS,
        maxOutputTokens: budget,
        providerOptions: o.providerOptions,
      },
      run.signal,
      o.policy,
      (part) => {
        if (part.type === 'text-delta') {
          if (part.delta === '') return;
          let delta = part.delta;
          // Text resumed after a component: keep it a separate paragraph rather than glued to the last word.
          if (stepText === '' && answer.text !== '' && !/\s$/.test(answer.text) && !/^\s/.test(delta)) {
            delta = `\n\n${delta}`;
          }
          answer.firstTokenAt ??= performance.now();
          answer.text += delta;
          stepText += delta;
          answer.deltas++;
          run.log.append({ type: 'token', delta });
        } else if (part.type === 'tool-call') {
          calls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
        } else if (part.type === 'finish') {
          answer.inputTokens = add(answer.inputTokens, part.usage.inputTokens.total);
          stepOutput = part.usage.outputTokens.total;
          answer.outputTokens = add(answer.outputTokens, stepOutput);
          answer.finish = part.finishReason.unified === 'length' ? 'length' : 'stop';
        }
      },
      (attempt, delayMs, error) =>
        o.warn({ runId: run.id, attempt, delayMs, err: loggableError(error) }, 'retrying model call'),
    );
    if (o.clientTools && calls.length > 0) {
      for (const call of calls) {
        const event: ToolCallEvent = {
          type: 'tool_call',
          tool_call_id: call.toolCallId,
          name: call.toolName,
          arguments: call.input || '{}',
        };
        (answer.clientCalls ??= []).push(event);
        run.log.append(event);
      }
      answer.finish = 'tool_calls';
      return;
    }
    if (calls.length === 0 || step === MAX_STEPS || answer.finish === 'length') return;
    if (budget !== undefined && stepOutput !== undefined) {
      budget -= stepOutput;
      if (budget <= 0) {
        answer.finish = 'length';
        return;
      }
    }

    const results = [];
    for (const call of calls) {
      o.progress(
        'components',
        'started',
        `Preparing ${call.toolName === 'show_table' ? 'a table' : 'a card'}`,
      );
      const output = await runTool(call, {
        components: o.components,
        rowDelayMs: o.rowDelayMs,
        signal: run.signal,
      });
      run.signal.throwIfAborted();
      o.progress(
        'components',
        'completed',
        output.type.startsWith('error') ? 'Component not shown' : 'Component ready',
      );
      results.push({
        type: 'tool-result' as const,
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        output,
      });
    }
    prompt = [
      ...prompt,
      {
        role: 'assistant',
        content: [
          ...(stepText ? [{ type: 'text' as const, text: stepText }] : []),
          ...calls.map((c) => ({
            type: 'tool-call' as const,
            toolCallId: c.toolCallId,
            toolName: c.toolName,
            input: parseInput(c.input),
          })),
        ],
      },
      { role: 'tool', content: results },
    ];
  }
}

function add(a: number | undefined, b: number | undefined): number | undefined {
  return b === undefined ? a : (a ?? 0) + b;
}

function parseInput(input: string): unknown {
  try {
    return JSON.parse(input || '{}');
  } catch {
    return {};
  }
}

/** The usage and timing of an answer that ends now: tokens as the provider reported them, cost from the price. */
export function accountAnswer(
  answer: Answer,
  startedAt: number,
  costOf: (input: number, output: number) => number | null,
): { usage: Usage; metrics: Metrics } {
  const end = performance.now();
  const input = answer.inputTokens ?? 0;
  const output = answer.outputTokens ?? answer.deltas;
  const first = answer.firstTokenAt;
  const streamingMs = first === undefined ? 0 : end - first;
  return {
    usage: { input_tokens: input, output_tokens: output, cost_usd: costOf(input, output) },
    metrics: {
      ttft_ms: first === undefined ? null : Math.round(first - startedAt),
      duration_ms: Math.round(end - startedAt),
      tokens_per_s: streamingMs > 0 ? Math.round(((output * 1000) / streamingMs) * 100) / 100 : 0,
    },
  };
}
