import { describe, expect, it } from 'vitest';
import { OpenaiChunkEncoder } from './openai-chunk-encoder.js';

const start = {
  type: 'start',
  run_id: 'run_1',
  conversation_id: 'conv_1',
  user_message_id: 'msg_u',
  assistant_message_id: 'msg_a',
  model: 'local',
  language: 'en',
} as const;
const head =
  '"id":"chatcmpl-run_1","object":"chat.completion.chunk","created":1700000000,"model":"local","system_fingerprint":null';

function encoder() {
  return new OpenaiChunkEncoder({
    runId: 'run_1',
    conversationId: 'conv_1',
    created: 1_700_000_000,
    includeUsage: false,
  });
}

describe('OpenaiChunkEncoder', () => {
  it('ends a failed run with an OpenAI error object and [DONE], after the tokens sent', () => {
    const e = encoder();
    const text = [
      start,
      { type: 'progress', step: 'generate', status: 'started', label: 'Generating', elapsed_ms: 1 } as const,
      { type: 'token', delta: 'Half' } as const,
      { type: 'error', code: 'model_error', message: 'The model failed.', retryable: true } as const,
    ]
      .map((event) => e.encode(event))
      .join('');
    expect(text).toBe(
      `data: {${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"streamforge":{"run_id":"run_1","conversation_id":"conv_1"}}\n\n` +
        `data: {${head},"choices":[{"index":0,"delta":{"content":"Half"},"logprobs":null,"finish_reason":null}]}\n\n` +
        'data: {"error":{"message":"The model failed.","type":"server_error","param":null,"code":"model_error"}}\n\n' +
        'data: [DONE]\n\n',
    );
  });

  it('finishes a cancelled run with "stop", and carries the sources on the finishing chunk', () => {
    const e = encoder();
    e.encode(start);
    const source = {
      n: 1,
      document_id: 'doc_1',
      title: 'Guide',
      chunk_id: 'chk_1',
      snippet: 'Oil it',
      score: 1,
    };
    const text = e.encode({
      type: 'done',
      finish_reason: 'cancelled',
      message_id: 'msg_a',
      conversation_id: 'conv_1',
      usage: { input_tokens: 3, output_tokens: 1, cost_usd: 0 },
      metrics: { ttft_ms: 1, duration_ms: 2, tokens_per_s: 500 },
      sources: [source],
    });
    expect(text).toBe(
      `data: {${head},"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],` +
        `"streamforge":{"run_id":"run_1","conversation_id":"conv_1","message_id":"msg_a","cost_usd":0,"sources":[${JSON.stringify(source)}]}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  it('gives components, progress and sources events no chunk of their own', () => {
    const e = encoder();
    e.encode(start);
    expect(e.encode({ type: 'sources', sources: [] })).toBe('');
    expect(e.encode({ type: 'component', op: 'create', id: 'card-1', kind: 'simple', title: 'A card' })).toBe(
      '',
    );
  });
});
