import { describe, expect, it } from 'vitest';
import { Bm25Index, terms } from './bm25.js';

describe('terms', () => {
  it('lower-cases, drops stopwords and meets word forms', () => {
    expect(terms('How is the Streaming of streams streamed?')).toEqual(['stream', 'stream', 'stream']);
    expect(terms('stored stores storing')).toEqual(['stor', 'stor', 'stor']);
    expect(terms('cancel cancelled cancelling')).toEqual(['cancel', 'cancel', 'cancel']);
    expect(terms('Ünïcode wörter zählen')).toEqual(['ünïcod', 'wörter', 'zählen']);
  });

  it('splits identifiers into their words, keeping the whole', () => {
    expect(terms('telescope.aperture_mm')).toEqual(['telescop', 'apertur', 'mm']);
    expect(terms('focalLength PostgreSQL')).toEqual([
      'focallength',
      'focal',
      'length',
      'postgresql',
      'postgr',
      'sql',
    ]);
  });
});

describe('Bm25Index', () => {
  const docs = [
    'PostgreSQL stores conversations when DATABASE_URL is set',
    'The local model streams tokens with citations',
    'Tokens tokens tokens: a document that repeats one word without saying much else at all really',
    'Rate limits and authentication',
  ];
  const index = new Bm25Index(docs, (d) => d);

  it('ranks the document that shares the rarest terms first and leaves out non-matches', () => {
    const hits = index.search('which database stores conversations', 10);
    expect(hits.map((h) => h.item)).toEqual([docs[0]]);
  });

  it('saturates term frequency and normalises length', () => {
    const hits = index.search('local model tokens', 10);
    expect(hits[0]?.item).toBe(docs[1]);
    expect(hits.map((h) => h.item)).toContain(docs[2]);
  });

  it('measures how much of a question a text covers, by weight', () => {
    expect(index.coverage('conversations postgresql', docs[0] ?? '')).toBe(1);
    expect(index.coverage('postgresql lasagne', docs[0] ?? '')).toBeLessThan(0.5);
    expect(index.coverage('lasagne', docs[0] ?? '')).toBe(0);
  });

  it('gives rare terms more weight than common ones', () => {
    expect(index.idf('postgresql')).toBeGreaterThan(index.idf('token'));
  });
});
