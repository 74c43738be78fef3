import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** POSTs JSON and reads the whole event stream as a real SSE parser sees it. */
async function postStream(url: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (e) => void events.push(e) }).feed(await response.text());
  // Heartbeats come whenever a step takes a second: not part of the sequence under test.
  return { response, events: events.filter((e) => e.event !== 'heartbeat') };
}

interface Progress {
  step: string;
  message: string;
  progress: number;
  timestamp: string;
  details: Record<string, number> | null;
}

const progressOf = (events: EventSourceMessage[]) =>
  events.filter((e) => e.event === 'progress').map((e) => JSON.parse(e.data) as Progress);
const resultOf = (events: EventSourceMessage[]) => JSON.parse(events.at(-1)?.data ?? 'null');

const CHAIN_CARE = `# Bicycle chain care

Clean the bicycle chain every 300 kilometres with a degreaser and a stiff brush. Dry it, then put one
drop of lubricant on each roller and wipe off the excess after a minute.

## Storage

Keep the bicycle indoors in winter so the chain does not rust.
`;

describe('POST /chat/stream and /fast_chat/stream: document chat with progress events', () => {
  let t: TestServer;
  let document: { id: string; title: string };
  beforeAll(async () => {
    t = await startTestServer();
    const form = new FormData();
    form.append('file', new Blob([CHAIN_CARE], { type: 'text/markdown' }), 'chain-care.md');
    const uploaded = await fetch(`${t.url}/v1/documents`, { method: 'POST', body: form }).then(readJson);
    document = uploaded.files[0].document;
  });
  afterAll(() => t.close());

  async function storedAnswer() {
    const { data } = await fetch(`${t.url}/v1/conversations?limit=1`).then(readJson);
    const conversation = await fetch(`${t.url}/v1/conversations/${data[0].id}`).then(readJson);
    return conversation.messages[1];
  }

  it('/chat/stream: start, loading documents, generating, finalizing, complete, then the whole answer', async () => {
    const { response, events } = await postStream(`${t.url}/chat/stream`, {
      query: 'How often should I clean the bicycle chain?',
      auto_load_documents: true,
    });

    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(events.map((e) => e.event)).toEqual([...Array(6).fill('progress'), 'result']);
    const steps = progressOf(events);
    expect(steps.map((p) => [p.step, p.progress, p.message, p.details])).toEqual([
      ['start', 5, 'Starting chat processing...', null],
      ['doc_loading', 20, 'Loading relevant documents...', null],
      ['doc_loading', 60, 'Loaded 1 document', { documents_loaded: 1 }],
      ['ai_generation', 80, 'Generating AI response...', null],
      ['finalizing', 95, 'Finalizing response...', null],
      ['complete', 100, 'Response generation complete!', null],
    ]);
    for (const p of steps) expect(Date.parse(p.timestamp)).not.toBeNaN();

    const answer = await storedAnswer();
    const result = resultOf(events);
    expect(result).toEqual({
      response: answer.content,
      documents_loaded: [document.title],
      document_selection_message: expect.stringMatching(/^\d+ passages? retrieved from 1 document\.$/),
      conversation_history: [
        { role: 'user', content: 'How often should I clean the bicycle chain?' },
        { role: 'assistant', content: answer.content },
      ],
    });
    expect(answer.status).toBe('complete');
    expect(result.response).toContain('300 kilometres');
    expect(answer.sources[0]).toMatchObject({ document_id: document.id });
  });

  it('/fast_chat/stream: a progress event for each search step', async () => {
    const { events } = await postStream(`${t.url}/fast_chat/stream`, {
      query: 'How should I store the bicycle in winter?',
    });

    const steps = progressOf(events);
    expect(steps.map((p) => [p.step, p.progress, p.message])).toEqual([
      ['start', 5, 'Starting chat processing...'],
      ['query_prep', 10, 'Preparing search query...'],
      ['doc_selection', 25, 'Selecting relevant documents...'],
      ['doc_selection', 35, 'Selected 1 document to search'],
      ['vector_search', 50, 'Searching vector database...'],
      ['vector_search', 65, expect.stringMatching(/^Retrieved \d+ passages? from vector database$/)],
      ['ai_generation', 80, 'Generating AI response...'],
      ['finalizing', 95, 'Finalizing response...'],
      ['complete', 100, 'Response generation complete!'],
    ]);
    expect(steps[5]?.details).toMatchObject({ documents_found: 1 });
    const answer = await storedAnswer();
    expect(resultOf(events)).toMatchObject({ response: answer.content, documents_loaded: [document.title] });
    expect(answer.content).toMatch(/indoors/);
  });

  it('auto_load_documents: false answers without the documents; memory_enabled: false returns no history', async () => {
    const { events } = await postStream(`${t.url}/chat/stream`, {
      query: 'How do I cancel a generation?',
      auto_load_documents: false,
      memory_enabled: false,
    });

    expect(progressOf(events).map((p) => [p.step, p.message])).toEqual([
      ['start', 'Starting chat processing...'],
      ['doc_loading', 'Document auto-loading was disabled'],
      ['ai_generation', 'Generating AI response...'],
      ['finalizing', 'Finalizing response...'],
      ['complete', 'Response generation complete!'],
    ]);
    const answer = await storedAnswer();
    expect(resultOf(events)).toEqual({
      response: answer.content,
      documents_loaded: null,
      document_selection_message: 'Document auto-loading was disabled',
      conversation_history: null,
    });
    expect(answer.sources).toEqual([]);
  });

  it('echoes the conversation_history it was sent, extended by this turn', async () => {
    const history = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello! Ask me about your documents.' },
    ];
    const { events } = await postStream(`${t.url}/fast_chat/stream`, {
      query: 'What lubricant amount goes on each roller?',
      conversation_history: history,
      memory_enabled: true,
    });
    const result = resultOf(events);
    expect(result.conversation_history).toEqual([
      ...history,
      { role: 'user', content: 'What lubricant amount goes on each roller?' },
      { role: 'assistant', content: result.response },
    ]);
  });
});
