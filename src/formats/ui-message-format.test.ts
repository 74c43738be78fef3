import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../protocol/index.js';
import { TEST_START } from '../protocol/test-events.js';
import { sseFrames } from './sse-framer.js';
import { createUiMessageEncoder, uiMessageFormat } from './ui-message-format.js';

const start = TEST_START;
const usage = { input_tokens: 3, output_tokens: 2, cost_usd: 0 };
const metrics = { ttft_ms: 1, duration_ms: 5, tokens_per_s: 400 };

const encodeAll = (events: RunEvent[]) => {
  const encode = createUiMessageEncoder();
  return events.flatMap((e) => encode(e));
};

describe('createUiMessageEncoder', () => {
  it('encodes a whole run: progress by step, sources, text split around a component, finish', () => {
    expect(
      encodeAll([
        start,
        { type: 'progress', step: 'search', status: 'started', label: 'Searching', elapsed_ms: 1 },
        { type: 'progress', step: 'search', status: 'completed', label: 'Found 1', elapsed_ms: 2 },
        {
          type: 'sources',
          sources: [
            {
              n: 1,
              document_id: 'doc_1',
              title: 'Kettle',
              chunk_id: 'chk_1',
              snippet: 'Descale…',
              score: 0.5,
            },
          ],
        },
        { type: 'token', delta: 'Here' },
        { type: 'token', delta: ' it is.' },
        { type: 'component', op: 'create', id: 'card-1', kind: 'simple', title: 'Card' },
        { type: 'component', op: 'update', id: 'card-1', kind: 'simple', data: { a: 1 } },
        { type: 'token', delta: ' Done [1].' },
        { type: 'component', op: 'complete', id: 'card-1', kind: 'simple' },
        {
          type: 'done',
          finish_reason: 'stop',
          message_id: 'msg_a',
          conversation_id: 'conv_1',
          usage,
          metrics,
        },
      ]),
    ).toEqual([
      {
        type: 'start',
        messageId: 'msg_a',
        messageMetadata: { run_id: 'run_1', conversation_id: 'conv_1', model: 'local' },
      },
      { type: 'start-step' },
      {
        type: 'data-progress',
        id: 'progress-search',
        data: { step: 'search', status: 'started', label: 'Searching', elapsed_ms: 1 },
      },
      {
        type: 'data-progress',
        id: 'progress-search',
        data: { step: 'search', status: 'completed', label: 'Found 1', elapsed_ms: 2 },
      },
      {
        type: 'source-document',
        sourceId: '1',
        mediaType: 'text/plain',
        title: 'Kettle',
        providerMetadata: {
          streamforge: { n: 1, document_id: 'doc_1', chunk_id: 'chk_1', snippet: 'Descale…', score: 0.5 },
        },
      },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'Here' },
      { type: 'text-delta', id: 'text-1', delta: ' it is.' },
      { type: 'text-end', id: 'text-1' },
      {
        type: 'data-component',
        id: 'card-1',
        data: {
          id: 'card-1',
          kind: 'simple',
          title: 'Card',
          status: 'loading',
          data: {},
          columns: [],
          rows: [],
        },
      },
      {
        type: 'data-component',
        id: 'card-1',
        data: {
          id: 'card-1',
          kind: 'simple',
          title: 'Card',
          status: 'loading',
          data: { a: 1 },
          columns: [],
          rows: [],
        },
      },
      { type: 'text-start', id: 'text-2' },
      { type: 'text-delta', id: 'text-2', delta: ' Done [1].' },
      {
        type: 'data-component',
        id: 'card-1',
        data: {
          id: 'card-1',
          kind: 'simple',
          title: 'Card',
          status: 'complete',
          data: { a: 1 },
          columns: [],
          rows: [],
        },
      },
      { type: 'text-end', id: 'text-2' },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'stop', messageMetadata: { usage, metrics, finish_reason: 'stop' } },
    ]);
  });

  it('ends a cancelled run with abort and a failed one with error, closing the open text first', () => {
    const cancelled = encodeAll([
      start,
      { type: 'token', delta: 'Par' },
      {
        type: 'done',
        finish_reason: 'cancelled',
        message_id: 'msg_a',
        conversation_id: 'conv_1',
        usage,
        metrics,
      },
    ]);
    expect(cancelled.slice(-3)).toEqual([
      { type: 'text-end', id: 'text-1' },
      { type: 'message-metadata', messageMetadata: { usage, metrics, finish_reason: 'cancelled' } },
      { type: 'abort', reason: 'cancelled' },
    ]);
    const failed = encodeAll([
      start,
      { type: 'token', delta: 'Par' },
      { type: 'error', code: 'model_error', message: 'The model failed.', retryable: true },
    ]);
    expect(failed.slice(-3)).toEqual([
      { type: 'text-end', id: 'text-1' },
      { type: 'message-metadata', messageMetadata: { error: { code: 'model_error', retryable: true } } },
      { type: 'error', errorText: 'The model failed.' },
    ]);
  });

  it('sends nothing for a component event the merge ignores (unknown id)', () => {
    const encode = createUiMessageEncoder();
    expect(encode({ type: 'component', op: 'rows', id: 'table-9', kind: 'table', rows: [{ a: 1 }] })).toEqual(
      [],
    );
  });

  it('frames each chunk as one data line, and ends with [DONE] after the terminal chunk', () => {
    const format = uiMessageFormat();
    const logged = { id: 1, type: 'start', data: JSON.stringify(start) } as const;
    expect(sseFrames(format.encode(logged))).toBe(
      'data: {"type":"start","messageId":"msg_a","messageMetadata":{"run_id":"run_1","conversation_id":"conv_1","model":"local"}}\n\n' +
        'data: {"type":"start-step"}\n\n',
    );
    expect(sseFrames(format.trailer ?? [])).toBe('data: [DONE]\n\n');
    expect(format.headers).toEqual({ 'x-vercel-ai-ui-message-stream': 'v1' });
    expect(format.shutdown(1)).toEqual([]);
  });
});
