import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { Bm25Index } from './bm25.js';
import { composeAnswer, NO_MATCH_ANSWER } from './compose-answer.js';
import { loadKnowledgeBase, type Passage } from './knowledge-base.js';
import { countTokens, splitTokens } from './text-tokens.js';

export interface LocalModelOptions {
  /** Pause between tokens, to look like a real model. @default 20 */
  tokenDelayMs: number;
  /** The knowledge base; the shipped documentation by default. */
  passages?: Passage[];
}

/**
 * The offline model: answers from the shipped documentation with citations, no key and no network.
 * It speaks the AI SDK language model interface, so the pipeline treats it like any provider.
 */
export class LocalModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'local';
  readonly modelId = 'local';
  readonly supportedUrls = {};
  readonly #index: Bm25Index<Passage>;
  readonly #delayMs: number;

  constructor(options: LocalModelOptions) {
    this.#delayMs = options.tokenDelayMs;
    this.#index = new Bm25Index(options.passages ?? loadKnowledgeBase(), (p) => `${p.title}\n${p.text}`);
  }

  answer(prompt: LanguageModelV3Prompt): string {
    return composeAnswer(this.#index, lastUserText(prompt)) ?? NO_MATCH_ANSWER;
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    options.abortSignal?.throwIfAborted();
    const text = this.answer(options.prompt);
    return {
      content: [{ type: 'text', text }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: usage(promptTokens(options.prompt), countTokens(text)),
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const signal = options.abortSignal;
    signal?.throwIfAborted();
    const tokens = splitTokens(this.answer(options.prompt));
    const inputTokens = promptTokens(options.prompt);
    const delayMs = this.#delayMs;
    let next = 0;
    let started = false;
    // Pull-based: a token is produced only when the consumer asks, so a slow reader slows the model.
    const stream = new ReadableStream<LanguageModelV3StreamPart>({
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue({ type: 'stream-start', warnings: [] });
          controller.enqueue({ type: 'text-start', id: 'text-1' });
          return;
        }
        if (next < tokens.length) {
          if (delayMs > 0 && next > 0) await pause(delayMs, signal);
          signal?.throwIfAborted();
          controller.enqueue({ type: 'text-delta', id: 'text-1', delta: tokens[next++] ?? '' });
          return;
        }
        controller.enqueue({ type: 'text-end', id: 'text-1' });
        controller.enqueue({
          type: 'finish',
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: usage(inputTokens, tokens.length),
        });
        controller.close();
      },
    });
    return { stream };
  }
}

function lastUserText(prompt: LanguageModelV3Prompt): string {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const m = prompt[i];
    if (m?.role === 'user') return m.content.map((p) => (p.type === 'text' ? p.text : '')).join(' ');
  }
  return '';
}

function promptTokens(prompt: LanguageModelV3Prompt): number {
  let n = 0;
  for (const m of prompt) {
    if (m.role === 'system') n += countTokens(m.content);
    else for (const part of m.content) if (part.type === 'text') n += countTokens(part.text);
  }
  return n;
}

function usage(input: number, output: number): LanguageModelV3Usage {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
