import type { Source } from '../protocol/index.js';
import type { ChunkHit, DocumentStore } from '../store/index.js';
import { splitSentences } from './sentences.js';

/** Turns texts into vectors; built from `EMBEDDING_MODEL` by the models layer. */
export interface Embedder {
  /** The model id, e.g. `openai:text-embedding-3-small`: vectors of different models are never compared. */
  readonly model: string;
  embed(values: string[], signal?: AbortSignal): Promise<number[][]>;
}

/** A retrieved chunk: a source with its whole text. */
export type RetrievedChunk = Source & { text: string; heading: string | null };

const STOPWORDS = new Set(
  `a an and are as at be but by can could did do does for from had has have how i if in into is it its me my no
   not of on or our should so than that the their them then there these they this to was we were what when
   where which who whom why will with would you your about any all also`.split(/\s+/),
);
/** Reciprocal rank fusion constant. @see https://plg.uwaterloo.ca/~gvcormac/cormacksigir09-rrf.pdf */
const RRF_K = 60;

/** The words of a query worth searching for: letters and digits only, stopwords dropped. */
export function queryTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words.filter((w) => w.length > 1 && !STOPWORDS.has(w)))];
}

/**
 * Hybrid retrieval: PostgreSQL full-text search, plus vector similarity when an embedding model and
 * pgvector are both there, fused by reciprocal rank. Lexical alone otherwise.
 */
export class Retriever {
  constructor(
    private readonly documents: DocumentStore,
    private readonly embedder: Embedder | undefined,
  ) {}

  get mode(): 'lexical' | 'hybrid' {
    return this.embedder ? 'hybrid' : 'lexical';
  }

  async search(
    userId: string,
    query: string,
    topK: number,
    documentIds?: readonly string[],
    signal?: AbortSignal,
  ): Promise<RetrievedChunk[]> {
    const terms = queryTerms(query);
    // Each list is searched deeper than top_k so fusion has something to reorder.
    const depth = Math.max(topK * 4, 20);
    const lexical = await this.documents.searchLexical(userId, terms, depth, documentIds);
    let ranked: { hit: ChunkHit; score: number }[];
    if (this.embedder) {
      const [vector] = await this.embedder.embed([query], signal);
      const semantic = vector
        ? await this.documents.searchVector(userId, this.embedder.model, vector, depth, documentIds)
        : [];
      ranked = fuse([lexical, semantic]);
    } else {
      ranked = lexical.map((hit) => ({ hit, score: hit.score }));
    }
    return ranked.slice(0, topK).map(({ hit, score }, i) => ({
      n: i + 1,
      document_id: hit.document_id,
      title: titleOf(hit),
      chunk_id: hit.chunk_id,
      snippet: snippet(hit.content, terms),
      score: Math.round(score * 1e6) / 1e6,
      text: hit.content,
      heading: hit.heading,
    }));
  }
}

/** Reciprocal rank fusion: each list votes 1 / (k + rank) for its chunks. */
export function fuse(lists: readonly ChunkHit[][]): { hit: ChunkHit; score: number }[] {
  const byId = new Map<string, { hit: ChunkHit; score: number }>();
  for (const list of lists) {
    list.forEach((hit, rank) => {
      const entry = byId.get(hit.chunk_id) ?? { hit, score: 0 };
      entry.score += 1 / (RRF_K + rank + 1);
      byId.set(hit.chunk_id, entry);
    });
  }
  return [...byId.values()].sort((a, b) => b.score - a.score);
}

/** The sentence of a chunk that holds the most query terms, cut to about 240 characters. */
export function snippet(text: string, terms: readonly string[]): string {
  const sentences = splitSentences(text);
  let best = sentences[0] ?? '';
  let bestScore = -1;
  for (const s of sentences) {
    const lower = s.toLowerCase();
    const score = terms.filter((t) => lower.includes(t)).length;
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  const trimmed = best.trim();
  return trimmed.length > 240 ? `${trimmed.slice(0, 237).trimEnd()}…` : trimmed;
}

/** "Document › Section"; a heading path that starts with the document's own title does not repeat it. */
function titleOf(hit: ChunkHit): string {
  if (!hit.heading) return hit.title;
  const heading = hit.heading.startsWith(`${hit.title} › `)
    ? hit.heading.slice(hit.title.length + 3)
    : hit.heading;
  return heading === hit.title ? hit.title : `${hit.title} › ${heading}`;
}
