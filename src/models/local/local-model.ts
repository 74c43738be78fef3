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
import { describeTableResult } from './describe-table-result.js';
import { parseTableRequest } from './parse-table-request.js';
import { composeAnswer, composeFromSources, type GivenSource, NO_MATCH_ANSWER } from './compose-answer.js';
import { loadKnowledgeBase, type Passage } from './knowledge-base.js';
import { phrasesFor } from './phrases.js';
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

  /**
   * What to say, and whether to call a tool first: a request for a sample table (when the caller offers
   * `show_table`) becomes a tool call; after the tool ran, its result is described; anything else is
   * answered from the knowledge base.
   */
  plan(options: LanguageModelV3CallOptions): { text: string; toolCall?: { name: string; input: unknown } } {
    const planned = this.#compose(options);
    // A stop sequence ends the answer before it, as a real model's would (and the tool call with it).
    const stops = (options.stopSequences ?? []).map((s) => planned.text.indexOf(s)).filter((i) => i >= 0);
    return stops.length > 0 ? { text: planned.text.slice(0, Math.min(...stops)) } : planned;
  }

  #compose(options: LanguageModelV3CallOptions): {
    text: string;
    toolCall?: { name: string; input: unknown };
  } {
    // Its own sentences in the question's language (detected when the turn started; English otherwise).
    const say = phrasesFor(options.providerOptions?.local?.language as string | undefined);
    const last = options.prompt.at(-1);
    if (last?.role === 'tool') return { text: describeTableResult(options.prompt, say) };
    const offersTable = options.tools?.some((t) => t.type === 'function' && t.name === 'show_table');
    const query = offersTable ? parseTableRequest(lastUserText(options.prompt)) : undefined;
    if (query) return { text: say.tableIntro, toolCall: { name: 'show_table', input: query } };
    // Retrieved passages from the user's documents come first; the shipped documentation is the fallback.
    const sources = options.providerOptions?.local?.sources as GivenSource[] | undefined;
    const question = lastUserText(options.prompt);
    const fromSources = sources?.length ? composeFromSources(question, sources) : undefined;
    if (fromSources) return { text: fromSources };
    // The user's documents were searched and do not cover the question: say so, rather than quote
    // something nearby; a question about StreamForge itself is still answered from its documentation.
    if (options.providerOptions?.local?.uncovered === true) {
      return { text: composeAnswer(this.#index, question, say) ?? say.uncovered };
    }
    return { text: composeAnswer(this.#index, question, say) ?? say.noMatch };
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    options.abortSignal?.throwIfAborted();
    const { text, toolCall } = this.plan(options);
    return {
      content: [
        { type: 'text', text },
        ...(toolCall
          ? [
              {
                type: 'tool-call' as const,
                toolCallId: 'local-call-1',
                toolName: toolCall.name,
                input: JSON.stringify(toolCall.input),
              },
            ]
          : []),
      ],
      finishReason: toolCall
        ? { unified: 'tool-calls', raw: 'tool_calls' }
        : { unified: 'stop', raw: 'stop' },
      usage: usage(promptTokens(options.prompt), countTokens(text) + (toolCall ? 1 : 0)),
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const signal = options.abortSignal;
    signal?.throwIfAborted();
    const planned = this.plan(options);
    const all = splitTokens(planned.text);
    // A tool call counts as one token (below); past the caller's limit the answer is cut, as a real model's.
    const limit = options.maxOutputTokens ?? Infinity;
    const cut = all.length + (planned.toolCall ? 1 : 0) > limit;
    const tokens = cut ? all.slice(0, limit) : all;
    const toolCall = cut ? undefined : planned.toolCall;
    const callId = `local-call-${options.prompt.length}`;
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
        if (toolCall) {
          controller.enqueue({
            type: 'tool-call',
            toolCallId: callId,
            toolName: toolCall.name,
            input: JSON.stringify(toolCall.input),
          });
        }
        controller.enqueue({
          type: 'finish',
          finishReason: cut
            ? { unified: 'length', raw: 'length' }
            : toolCall
              ? { unified: 'tool-calls', raw: 'tool_calls' }
              : { unified: 'stop', raw: 'stop' },
          // A tool call counts as one token: it is one thing the model sent.
          usage: usage(inputTokens, tokens.length + (toolCall ? 1 : 0)),
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
