import { describe, expect, it } from 'vitest';
import { decideRetrieval } from './decide-retrieval.js';

describe('decideRetrieval', () => {
  it('searches the user’s documents when there are any, unless the request says not to', () => {
    expect(decideRetrieval('u', undefined, 0)).toBeUndefined();
    expect(decideRetrieval('u', undefined, 3)).toEqual({
      userId: 'u',
      topK: 5,
      documentIds: undefined,
      documentCount: 3,
    });
    expect(decideRetrieval('u', { enabled: false, top_k: 5 }, 3)).toBeUndefined();
    expect(decideRetrieval('u', { enabled: true, top_k: 2 }, 0)).toMatchObject({ topK: 2, documentCount: 0 });
  });

  it('searches only the documents a request names', () => {
    expect(decideRetrieval('u', { top_k: 4, document_ids: ['doc_a', 'doc_b'] }, 9)).toEqual({
      userId: 'u',
      topK: 4,
      documentIds: ['doc_a', 'doc_b'],
      documentCount: 2,
    });
  });
});
