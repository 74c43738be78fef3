import { describe, expect, it } from 'vitest';
import type { RunEvent, Source } from '../protocol/index.js';
import { loggedEvents, TEST_START } from '../protocol/test-events.js';
import { legacyMessageFormat } from './legacy-message-format.js';
import { legacyProgressFormat, type ProgressChatContext } from './legacy-progress-format.js';
import { legacySessionFormat } from './legacy-session-format.js';
import { legacyWordFormat, WordSplitter } from './legacy-word-format.js';
import { pythonJson } from './python-json.js';
import { socketIoFormat } from './socket-io-format.js';
import { sseFrames } from './sse-framer.js';
import type { WireFormat } from './wire-format.js';

const source: Source = {
  n: 1,
  document_id: 'doc_1',
  title: 'Chains',
  chunk_id: 'chk_1',
  snippet: 'Clean the chain every 300 km.',
  score: 0.5,
};
const progress = (step: string, status: 'started' | 'completed'): RunEvent => ({
  type: 'progress',
  step,
  status,
  label: step,
  elapsed_ms: 1,
});
const done: RunEvent = {
  type: 'done',
  finish_reason: 'stop',
  message_id: 'msg_a',
  conversation_id: 'conv_1',
  usage: { input_tokens: 3, output_tokens: 2, cost_usd: 0 },
  metrics: { ttft_ms: 4, duration_ms: 1500, tokens_per_s: 40 },
  sources: [source],
};
/** A run with retrieval, as `runChat` appends it. */
const ragRun: RunEvent[] = [
  TEST_START,
  progress('history', 'started'),
  progress('history', 'completed'),
  progress('prepare_query', 'started'),
  progress('prepare_query', 'completed'),
  progress('select_documents', 'started'),
  progress('select_documents', 'completed'),
  progress('search', 'started'),
  progress('search', 'completed'),
  { type: 'sources', sources: [source, { ...source, n: 2, chunk_id: 'chk_2', title: 'Chains › Storage' }] },
  progress('generate', 'started'),
  { type: 'token', delta: 'Every' },
  { type: 'token', delta: ' 300 km.' },
  progress('generate', 'completed'),
  done,
];
const withoutRetrieval = ragRun.filter(
  (e) => e.type !== 'sources' && !(e.type === 'progress' && /query|documents|search/.test(e.step)),
);
const context: ProgressChatContext = {
  mode: 'traditional',
  query: 'How often?',
  history: undefined,
  memoryEnabled: true,
  documentCount: 1,
  noRetrieval: 'Document auto-loading was disabled',
};

/** The SSE text a format makes of these events, each logged with its id. */
function encode(format: WireFormat, events: RunEvent[]): string {
  return sseFrames(loggedEvents(events).flatMap((e) => format.encode(e)));
}

/** Splits encoded SSE text into frames and reads each as {event, data}. */
function frames(text: string): { event: string; data: unknown }[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const event = /^event: (.+)$/m.exec(frame)?.[1] ?? 'message';
      return { event, data: JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null') };
    });
}

describe('pythonJson: json.dumps with its defaults', () => {
  it('separates with ", " and ": ", escapes non-ASCII and leaves out undefined', () => {
    expect(
      pythonJson({ token: ' שלום', done: false, n: 1.5, none: null, skip: undefined, list: [1, 'é'] }),
    ).toBe(
      '{"token": " \\u05e9\\u05dc\\u05d5\\u05dd", "done": false, "n": 1.5, "none": null, "list": [1, "\\u00e9"]}',
    );
    expect(pythonJson({ emoji: '😀', empty: {}, nested: [{ a: [] }] })).toBe(
      '{"emoji": "\\ud83d\\ude00", "empty": {}, "nested": [{"a": []}]}',
    );
    expect(JSON.parse(pythonJson({ text: 'line\n"quoted" ✓' }))).toEqual({ text: 'line\n"quoted" ✓' });
  });
});

describe('WordSplitter', () => {
  it('gives each word once the whitespace after it arrives, and the last one at the end', () => {
    const words = new WordSplitter();
    const out = [' This', ' is', ' a si', 'mulated\n\n', '- stream', 'ing', ' response.'].map((t) =>
      words.push(t),
    );
    expect(out).toEqual([[], ['This'], ['is', 'a'], ['simulated'], ['-'], [], ['streaming']]);
    expect(words.flush()).toEqual(['response.']);
    expect(words.flush()).toEqual([]);
  });
});

describe('progress encoder (/chat/stream, /fast_chat/stream)', () => {
  const steps = (text: string) =>
    frames(text).map((f) =>
      f.event === 'progress'
        ? `${(f.data as { step: string }).step}:${(f.data as { progress: number }).progress}`
        : f.event,
    );

  it('traditional: start, loading documents, generating, finalizing, complete, then the result', () => {
    const text = encode(legacyProgressFormat(context), ragRun);
    expect(steps(text)).toEqual([
      'start:5',
      'doc_loading:20',
      'doc_loading:60',
      'ai_generation:80',
      'finalizing:95',
      'complete:100',
      'result',
    ]);
    expect(frames(text).at(-1)?.data).toEqual({
      response: 'Every 300 km.',
      documents_loaded: ['Chains'],
      document_selection_message: '2 passages retrieved from 1 document.',
      conversation_history: [
        { role: 'user', content: 'How often?' },
        { role: 'assistant', content: 'Every 300 km.' },
      ],
    });
  });

  it('fast: every search step, with the documents searched and the passages found', () => {
    const text = encode(legacyProgressFormat({ ...context, mode: 'fast', documentCount: 3 }), ragRun);
    expect(steps(text)).toEqual([
      'start:5',
      'query_prep:10',
      'doc_selection:25',
      'doc_selection:35',
      'vector_search:50',
      'vector_search:65',
      'ai_generation:80',
      'finalizing:95',
      'complete:100',
      'result',
    ]);
    expect(frames(text)[3]?.data).toMatchObject({
      message: 'Selected 3 documents to search',
      details: { documents: 3 },
    });
    expect(frames(text)[5]?.data).toMatchObject({
      message: 'Retrieved 2 passages from vector database',
      details: { documents_found: 1, passages: 2 },
    });
  });

  it('without retrieval the document step says why, and memory off returns no history', () => {
    const text = encode(legacyProgressFormat({ ...context, memoryEnabled: false }), withoutRetrieval);
    expect(steps(text)).toEqual([
      'start:5',
      'doc_loading:30',
      'ai_generation:80',
      'finalizing:95',
      'complete:100',
      'result',
    ]);
    expect(frames(text)[1]?.data).toMatchObject({ message: 'Document auto-loading was disabled' });
    expect(frames(text).at(-1)?.data).toEqual({
      response: 'Every 300 km.',
      documents_loaded: null,
      document_selection_message: 'Document auto-loading was disabled',
      conversation_history: null,
    });
  });

  it('writes progress as pydantic did (compact, a float percentage) and the result as json.dumps', () => {
    const text = encode(legacyProgressFormat(context), [ragRun[0] as RunEvent]);
    expect(text).toMatch(
      /^event: progress\ndata: \{"step":"start","message":"Starting chat processing...","progress":5\.0,"timestamp":"\d{4}-\d\d-\d\dT[\d:.]+Z","details":null\}\n\n$/,
    );
    const error = encode(legacyProgressFormat(context), [
      { type: 'error', code: 'model_error', message: 'The model failed.', retryable: true },
    ]);
    expect(error).toBe('event: error\ndata: {"error": "The model failed."}\n\n');
  });
});

describe('token encoders', () => {
  const tokensThenDone = ragRun.filter((e) => e.type === 'token' || e.type === 'done');

  it('/api/chat/stream: {token, count, partial}, then done with the totals', () => {
    const text = encode(legacySessionFormat('s-1'), tokensThenDone);
    expect(text.startsWith('data: {"token": "Every", "count": 1, "partial": "Every"}\n\n')).toBe(true);
    expect(frames(text).map((f) => f.data)).toEqual([
      { token: 'Every', count: 1, partial: 'Every' },
      { token: ' 300 km.', count: 2, partial: 'Every 300 km.' },
      {
        done: true,
        tokens: 2,
        duration: 1.5,
        speed: 40,
        tokens_per_second: 40,
        full_response: 'Every 300 km.',
        message_id: 'msg_a',
        session_id: 's-1',
        timestamp: expect.stringMatching(/Z$/),
      },
    ]);
  });

  it('/chat/message/stream: {token, done: false}, then the message, conversation and sources', () => {
    const text = encode(legacyMessageFormat(), tokensThenDone);
    expect(frames(text).map((f) => f.data)).toEqual([
      { token: 'Every', done: false },
      { token: ' 300 km.', done: false },
      {
        token: null,
        done: true,
        message_id: 'msg_a',
        conversation_id: 'conv_1',
        sources: [
          {
            document_id: 'doc_1',
            document_name: 'Chains',
            page_number: null,
            confidence: 0.5,
            excerpt: 'Clean the chain every 300 km.',
          },
        ],
      },
    ]);
  });

  it('Socket.IO: chat_token with the same fields as /api/chat/stream, then chat_complete', () => {
    const format = socketIoFormat('s-1');
    const frames = loggedEvents(tokensThenDone).flatMap((e) => format.encode(e));
    expect(frames).toEqual([
      { event: 'chat_token', data: { token: 'Every', count: 1, partial: 'Every' } },
      { event: 'chat_token', data: { token: ' 300 km.', count: 2, partial: 'Every 300 km.' } },
      {
        event: 'chat_complete',
        data: { tokens: 2, duration: 1.5, speed: 40, message_id: 'msg_a', session_id: 's-1' },
      },
    ]);
  });

  it('/chat: one data line per word, and an error event after the words so far', () => {
    const text = encode(legacyWordFormat(), [
      { type: 'token', delta: 'Every' },
      { type: 'token', delta: ' 300 km' },
      { type: 'error', code: 'model_error', message: 'The model failed.', retryable: true },
    ]);
    expect(text).toBe(
      'data: Every\n\ndata: 300\n\ndata: km\n\nevent: error\ndata: {"error": "The model failed."}\n\n',
    );
  });
});

describe('what each earlier API is told at shutdown', () => {
  const restarting = 'The server is restarting; please send your message again.';
  it('ends with an error in its own shape: they cannot resume, so the client asks again', () => {
    const word = legacyWordFormat();
    word.encode({ id: 1, type: 'token', data: JSON.stringify({ type: 'token', delta: 'Half' }) });
    expect(sseFrames(word.shutdown(1))).toBe(
      `data: Half\n\nevent: error\ndata: {"error": "${restarting}"}\n\n`,
    );
    expect(sseFrames(legacySessionFormat('s').shutdown(1))).toBe(`data: {"error": "${restarting}"}\n\n`);
    expect(sseFrames(legacyMessageFormat().shutdown(1))).toBe(
      `data: {"error": "${restarting}", "done": true}\n\n`,
    );
    expect(sseFrames(legacyProgressFormat(context).shutdown(1))).toBe(
      `event: error\ndata: {"error": "${restarting}"}\n\n`,
    );
    expect(socketIoFormat('s').shutdown(1)).toEqual([{ event: 'chat_error', data: { error: restarting } }]);
  });
});
