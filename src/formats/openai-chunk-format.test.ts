import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../protocol/index.js';
import { loggedEvents, TEST_START } from '../protocol/test-events.js';
import { type OpenaiChunkOptions, openaiChunkFormat } from './openai-chunk-format.js';
import { sseFrames } from './sse-framer.js';
import type { WireFormat } from './wire-format.js';

const start = TEST_START;
const head =
  '"id":"chatcmpl-run_1","object":"chat.completion.chunk","created":1700000000,"model":"local","system_fingerprint":null';
const options: OpenaiChunkOptions = {
  runId: 'run_1',
  conversationId: 'conv_1',
  created: 1_700_000_000,
  includeUsage: false,
};

/** The bytes a whole run becomes: every event's frames, then the trailer after the terminal one. */
function streamOf(format: WireFormat, events: RunEvent[]): string {
  const frames = loggedEvents(events).flatMap((e) => format.encode(e));
  const ended = events.some((e) => e.type === 'done' || e.type === 'error');
  return sseFrames([...frames, ...(ended ? (format.trailer ?? []) : [])]);
}

describe('openaiChunkFormat', () => {
  it('ends a failed run with an OpenAI error object and [DONE], after the tokens sent', () => {
    const text = streamOf(openaiChunkFormat(options), [
      start,
      { type: 'progress', step: 'generate', status: 'started', label: 'Generating', elapsed_ms: 1 },
      { type: 'token', delta: 'Half' },
      { type: 'error', code: 'model_error', message: 'The model failed.', retryable: true },
    ]);
    expect(text).toBe(
      `data: {${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"streamforge":{"run_id":"run_1","conversation_id":"conv_1"}}\n\n` +
        `data: {${head},"choices":[{"index":0,"delta":{"content":"Half"},"logprobs":null,"finish_reason":null}]}\n\n` +
        'data: {"error":{"message":"The model failed.","type":"server_error","param":null,"code":"model_error"}}\n\n' +
        'data: [DONE]\n\n',
    );
  });

  it('finishes a cancelled run with "stop", and carries the sources on the finishing chunk', () => {
    const source = {
      n: 1,
      document_id: 'doc_1',
      title: 'Guide',
      chunk_id: 'chk_1',
      snippet: 'Oil it',
      score: 1,
    };
    const text = streamOf(openaiChunkFormat(options), [
      start,
      {
        type: 'done',
        finish_reason: 'cancelled',
        message_id: 'msg_a',
        conversation_id: 'conv_1',
        usage: { input_tokens: 3, output_tokens: 1, cost_usd: 0 },
        metrics: { ttft_ms: 1, duration_ms: 2, tokens_per_s: 500 },
        sources: [source],
      },
    ]);
    expect(text.split('\n\n').slice(1).join('\n\n')).toBe(
      `data: {${head},"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],` +
        `"streamforge":{"run_id":"run_1","conversation_id":"conv_1","message_id":"msg_a","cost_usd":0,"sources":[${JSON.stringify(source)}]}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  it('adds the usage chunk when asked for, with usage: null on the chunks before it', () => {
    const text = streamOf(openaiChunkFormat({ ...options, includeUsage: true }), [
      start,
      {
        type: 'done',
        finish_reason: 'stop',
        message_id: 'msg_a',
        conversation_id: 'conv_1',
        usage: { input_tokens: 3, output_tokens: 1, cost_usd: 0 },
        metrics: { ttft_ms: 1, duration_ms: 2, tokens_per_s: 500 },
      },
    ]);
    const chunks = text
      .split('\n\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
    expect(chunks.map((c) => c.usage)).toEqual([
      null,
      null,
      { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    ]);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('gives components, progress and sources events no chunk of their own', () => {
    expect(
      streamOf(openaiChunkFormat(options), [
        { type: 'sources', sources: [] },
        { type: 'component', op: 'create', id: 'card-1', kind: 'simple', title: 'A card' },
      ]),
    ).toBe('');
  });

  it('ends a stream cut by a shutdown with an error the client raises, then [DONE]', () => {
    expect(sseFrames(openaiChunkFormat(options).shutdown(4))).toBe(
      'data: {"error":{"message":"The server is restarting; send the request again.","type":"server_error","param":null,"code":"server_restarting"}}\n\n' +
        'data: [DONE]\n\n',
    );
  });
});
