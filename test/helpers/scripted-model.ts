import { setTimeout as delay } from 'node:timers/promises';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';

export interface ScriptedModelOptions {
  /** Text deltas to stream. */
  deltas: string[];
  /** After this many deltas, error the stream with `failWith`. */
  failAfter?: number;
  failWith?: Error;
  /** After this many deltas, stop and wait until the call's abort signal fires. */
  hangAfter?: number;
  usage?: { input: number; output: number };
  finishReason?: 'stop' | 'length';
  /** Pause before each delta, so a run stays live while a test reconnects. */
  delayMs?: number;
  /** After this many deltas, wait for `resumeWhen` (or the abort signal) before going on. */
  pauseAfter?: number;
  resumeWhen?: Promise<unknown>;
  /**
   * Tool calls the first call ends with (after its deltas, finishing `tool-calls`); every later call, the
   * model continuing from the tools' results, streams `followUp` instead.
   */
  toolCalls?: { toolName: string; input: unknown }[];
  followUp?: string[];
}

/**
 * A language model whose stream the test scripts. It records every call (prompt, abort signal) and
 * exposes `aborted`, a promise that resolves when a call's abort signal fires.
 */
export class ScriptedModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'test';
  readonly modelId = 'scripted';
  readonly supportedUrls = {};
  readonly calls: LanguageModelV3CallOptions[] = [];
  readonly aborted: Promise<unknown>;
  #onAbort!: (reason: unknown) => void;

  constructor(private readonly script: ScriptedModelOptions) {
    this.aborted = new Promise((resolve) => {
      this.#onAbort = resolve;
    });
  }

  async doGenerate(): Promise<LanguageModelV3GenerateResult> {
    throw new Error('ScriptedModel only streams');
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    this.calls.push(options);
    if (this.script.toolCalls) return this.#toolStream(this.calls.length === 1);
    const signal = options.abortSignal;
    signal?.addEventListener('abort', () => this.#onAbort(signal.reason), { once: true });
    const { deltas, failAfter, failWith, hangAfter, usage, finishReason, delayMs, pauseAfter, resumeWhen } =
      this.script;
    let i = 0;
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      async pull(controller) {
        if (i === hangAfter) {
          await new Promise((_, reject) => {
            if (signal?.aborted) reject(signal.reason);
            signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          });
        }
        if (i === pauseAfter && resumeWhen) {
          await new Promise((resolve, reject) => {
            if (signal?.aborted) reject(signal.reason);
            signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
            void resumeWhen.then(resolve);
          });
        }
        if (i === failAfter) {
          controller.error(failWith ?? new Error('upstream exploded: secret-internal-detail'));
          return;
        }
        if (i < deltas.length) {
          if (delayMs) {
            // Rejects with the abort reason, and leaves no listener behind either way.
            await delay(delayMs, undefined, signal ? { signal } : {}).catch((error: unknown) => {
              throw signal?.aborted ? signal.reason : error;
            });
          }
          controller.enqueue({ type: 'text-delta', id: 't', delta: deltas[i++] ?? '' });
          return;
        }
        controller.enqueue({
          type: 'finish',
          finishReason: { unified: finishReason ?? 'stop', raw: finishReason ?? 'stop' },
          usage: {
            inputTokens: {
              total: usage?.input ?? 7,
              noCache: undefined,
              cacheRead: undefined,
              cacheWrite: undefined,
            },
            outputTokens: { total: usage?.output ?? deltas.length, text: undefined, reasoning: undefined },
          },
        });
        controller.close();
      },
    });
    return { stream };
  }

  /** The first call: deltas, then the tool calls; a later one: the follow-up text. */
  #toolStream(first: boolean): LanguageModelV3StreamResult {
    const { deltas, toolCalls = [], followUp = [] } = this.script;
    const texts = first ? deltas : followUp;
    const parts: LanguageModelV3StreamPart[] = texts.map((delta) => ({ type: 'text-delta', id: 't', delta }));
    if (first) {
      toolCalls.forEach((call, i) =>
        parts.push({
          type: 'tool-call',
          toolCallId: `call-${i}`,
          toolName: call.toolName,
          input: JSON.stringify(call.input),
        }),
      );
    }
    parts.push({
      type: 'finish',
      finishReason: first ? { unified: 'tool-calls', raw: 'tool_calls' } : { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: 7, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: {
          total: texts.length + (first ? toolCalls.length : 0),
          text: undefined,
          reasoning: undefined,
        },
      },
    });
    return {
      stream: new ReadableStream({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
    };
  }
}
