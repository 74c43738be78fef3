import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRagEval } from '../eval/rag-eval.js';
import { loadConfig } from '../src/config/index.js';
import { createEmbedder } from '../src/models/index.js';
import { type FakeUpstream, startFakeUpstream } from './helpers/fake-upstream.js';
import { readJson } from './helpers/read-json.js';
import { startTestServer } from './helpers/test-server.js';
import { upload } from './helpers/upload.js';

describe('retrieval quality on the evaluation set', () => {
  it('lexical: recall@5 ≥ 0.9, MRR ≥ 0.8, and the local model cites a right passage for ≥ 80 % of questions', async () => {
    const report = await runRagEval();
    expect(report.mode).toBe('lexical');
    expect(report.questions).toBe(40);
    expect(report.recallAt5).toBeGreaterThanOrEqual(0.9);
    expect(report.mrr).toBeGreaterThanOrEqual(0.8);
    expect(report.localCitedRight).toBeGreaterThanOrEqual(0.8);
  });
});

describe('the vector path (PGlite with pgvector, embeddings from a fake OpenAI server)', () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());

  it('hybrid retrieval embeds every chunk and keeps recall@5 ≥ 0.9', async () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${upstream.url}/v1` });
    const report = await runRagEval(createEmbedder('openai:text-embedding-3-small', config.models.providers));
    expect(report.mode).toBe('hybrid');
    expect(report.recallAt5).toBeGreaterThanOrEqual(0.9);
    expect(upstream.embeddingCalls).toBeGreaterThan(40);
  });

  it('a server with EMBEDDING_MODEL stores a vector per chunk and answers search in hybrid mode', async () => {
    const t = await startTestServer({
      env: {
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        EMBEDDING_MODEL: 'openai:text-embedding-3-small',
      },
      vector: true,
    });
    try {
      const { body } = await upload(t.url, [
        {
          name: 'note.md',
          content:
            '# Batteries\n\nSolar batteries store energy for the night.\n\n# Coffee\n\nGrind espresso beans fine.',
        },
      ]);
      const id = body.files[0].document.id;
      const [row] = await t.db.query<{ n: number }>(
        'select count(*)::int as n from chunk_embeddings e join chunks c on c.id = e.chunk_id where c.document_id = $1',
        [id],
      );
      expect(row?.n).toBe(body.files[0].document.chunk_count);
      const found = await fetch(`${t.url}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'battery storage', top_k: 1 }),
      }).then(readJson);
      expect(found.mode).toBe('hybrid');
      // "battery storage" shares no word with the text, only a stem: the vector finds it.
      expect(found.results[0].title).toBe('Batteries');
    } finally {
      await t.close();
    }
  });

  it('an upload whose embedding fails stores nothing', async () => {
    const t = await startTestServer({
      env: {
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        EMBEDDING_MODEL: 'openai:text-embedding-3-small',
      },
      vector: true,
    });
    upstream.failEmbeddings(500);
    try {
      const result = await upload(t.url, [{ name: 'x.md', content: '# X\n\nSomething to embed.' }]);
      expect(result.status).toBe(502);
      const [row] = await t.db.query<{ n: number }>('select count(*)::int as n from documents');
      expect(row?.n).toBe(0);
    } finally {
      upstream.failEmbeddings(null);
      await t.close();
    }
  });
});
