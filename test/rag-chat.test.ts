import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeUpstream, startFakeUpstream } from './helpers/fake-upstream.js';
import { readJson } from './helpers/read-json.js';
import { postChatStream } from './helpers/sse-client.js';
import { ENGINES, startTestServer, type TestServer } from './helpers/test-server.js';
import { upload } from './helpers/upload.js';

const corpus = (name: string) => readFileSync(new URL(`../eval/corpus/${name}`, import.meta.url), 'utf8');

describe.each(ENGINES)('answers grounded in the user’s documents (%s)', (engine) => {
  let t: TestServer;
  let upstream: FakeUpstream;
  let bikes: string;
  let bees: string;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    t = await startTestServer({
      engine,
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${upstream.url}/v1` },
    });
    const { body } = await upload(t.url, [
      { name: 'bicycle-maintenance.md', content: corpus('bicycle-maintenance.md') },
      { name: 'urban-beekeeping.txt', content: corpus('urban-beekeeping.txt') },
    ]);
    [bikes, bees] = body.files.map((f: { document: { id: string } }) => f.document.id);
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it('streams the retrieval steps, then sources before the first token, and cites them', async () => {
    const { events } = await postChatStream(t.url, {
      message: 'What pressure should I run in a 28 mm road tyre?',
    });
    const order = events.map((e) => (e.event === 'progress' ? `${e.data.step}:${e.data.status}` : e.event));
    const firstToken = order.indexOf('token');
    expect(order.slice(0, firstToken)).toEqual([
      'start',
      'history:started',
      'history:completed',
      'prepare_query:started',
      'prepare_query:completed',
      'select_documents:started',
      'select_documents:completed',
      'search:started',
      'search:completed',
      'sources',
      'generate:started',
    ]);
    expect(order.slice(-2)).toEqual(['generate:completed', 'done']);
    const elapsed = events.filter((e) => e.event === 'progress').map((e) => Number(e.data.elapsed_ms));
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));

    const sources = events.find((e) => e.event === 'sources')?.data.sources as {
      n: number;
      document_id: string;
      chunk_id: string;
      snippet: string;
      title: string;
    }[];
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.map((s) => s.n)).toEqual(sources.map((_, i) => i + 1));
    expect(sources[0]).toMatchObject({
      document_id: bikes,
      title: expect.stringMatching(/^Bicycle Maintenance for Everyday Riders › /),
    });

    const text = events
      .filter((e) => e.event === 'token')
      .map((e) => e.data.delta)
      .join('');
    const cited = [...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    expect(cited.length).toBeGreaterThan(0);
    for (const n of cited) expect(sources.some((s) => s.n === n)).toBe(true);
    expect(text).toMatch(/28-millimetre/);

    const done = events.at(-1)?.data;
    expect(done?.sources).toEqual(sources);
    const conversation = await fetch(`${t.url}/v1/conversations/${done?.conversation_id}`).then(readJson);
    expect(conversation.messages[1].sources).toEqual(sources);
  });

  it('searches only the named documents, and none when retrieval is off', async () => {
    const only = await postChatStream(t.url, {
      message: 'How often should each colony be inspected?',
      rag: { document_ids: [bees], top_k: 2 },
    });
    const sources = only.events.find((e) => e.event === 'sources')?.data.sources as { document_id: string }[];
    expect(sources).toHaveLength(2);
    expect(sources.every((s) => s.document_id === bees)).toBe(true);
    expect(
      only.events.find((e) => e.data.step === 'select_documents' && e.data.status === 'completed')?.data
        .label,
    ).toBe('Selected 1 document');

    const off = await postChatStream(t.url, {
      message: 'How often should each colony be inspected?',
      rag: { enabled: false },
    });
    expect(off.events.some((e) => e.event === 'sources' || e.data.step === 'search')).toBe(false);
    expect(off.events.at(-1)?.data.sources).toBeUndefined();
  });

  it('answers 404 for an unknown document id and writes nothing', async () => {
    const before = await t.db.query('select count(*)::int as n from messages');
    const response = await fetch(`${t.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi', rag: { document_ids: ['doc_nope'] } }),
    });
    expect(response.status).toBe(404);
    expect(await readJson(response)).toMatchObject({ code: 'document_not_found' });
    expect(await t.db.query('select count(*)::int as n from messages')).toEqual(before);
  });

  it('gives a real model the passages in its prompt with instructions to cite them', async () => {
    upstream.script({ tokens: ['Run about 80 psi [1].'] });
    const { events } = await postChatStream(t.url, {
      message: 'What pressure should I run in a 28 mm road tyre?',
      model: 'openai:gpt-4o-mini',
    });
    const request = await upstream.nextRequest();
    const system: string = request.body.messages[0].content;
    expect(system).toMatch(/cite it as \[n\]/);
    const sources = events.find((e) => e.event === 'sources')?.data.sources as { n: number; title: string }[];
    for (const s of sources) expect(system).toContain(`[${s.n}] ${s.title}\n`);
    expect(events.at(-1)?.data.sources).toEqual(sources);
  });
});
