import type { Source } from '../protocol/index.js';
import type { ChunkHit, DocumentStore, TermStats } from '../store/index.js';
import { detectLanguage } from './detect-language.js';
import { hasUnspacedScript, searchText } from './search-text.js';
import { splitSentences } from './sentences.js';
import { stopwordsFor } from './stopwords.js';

/** Turns texts into vectors; built from `EMBEDDING_MODEL` by the models layer. */
export interface Embedder {
  /** The model id, e.g. `openai:text-embedding-3-small`: vectors of different models are never compared. */
  readonly model: string;
  embed(values: string[], signal?: AbortSignal): Promise<number[][]>;
}

/** A retrieved chunk: a source with its whole text. */
export type RetrievedChunk = Source & {
  text: string;
  heading: string | null;
  /** The query terms it holds, in its text and in its heading or title. */
  matched: string[];
  headed: string[];
};

const STOPWORDS = new Set(
  `a an and are as at be but by can could did do does for from had has have how i if in into is it its me my no
   not of on or our should so than that the their them then there these they this to was we were what when
   where which who whom why will with would you your about any all also often many much long tell please
   explain describe know need want give get`.split(/\s+/),
);
/**
 * The best passage must hold more than this share of a question's weight (its terms, weighed by rarity among
 * the user's chunks) for the user's documents to count as relevant to it. Calibrated on the tune half of the
 * public evaluation set (`npm run eval:rag` prints the floor that separates it best): 68 of its 70 questions
 * are decided right; its near misses (questions on a document's own ground that it does not answer) reach
 * 0.53, two answerable questions only 0.51–0.52.
 */
export const RELEVANCE_FLOOR = 0.54;

/** What was found for a question, and whether it is relevant enough to ground the answer in. */
export interface Grounding {
  /** The passages to cite: empty when the documents do not cover the question. */
  chunks: RetrievedChunk[];
  /** The best passage's share of the question's weight, 0–1. */
  relevance: number;
  /** Whether `relevance` is above `RELEVANCE_FLOOR`. */
  grounded: boolean;
}
/** Reciprocal rank fusion constant. @see https://plg.uwaterloo.ca/~gvcormac/cormacksigir09-rrf.pdf */
const RRF_K = 60;

/** The words of a query worth searching for: letters and digits (and versions) only, stopwords dropped. */
export function queryTerms(query: string): string[] {
  const words =
    searchText(query)
      .toLowerCase()
      // A version ("1.6.39") is one word, as PostgreSQL's parser reads it.
      .match(/\p{N}+(?:\.\p{N}+)+|[\p{L}\p{N}]+/gu) ?? [];
  // A question in another language drops its own small words too ("quelle", "la", "de").
  const own = stopwordsFor(detectLanguage(query));
  // One Chinese or Japanese character is a word; one Latin letter is not.
  const word = (w: string) => w.length > 1 || hasUnspacedScript(w);
  return [...new Set(words.filter((w) => word(w) && !STOPWORDS.has(w) && !own.has(w)))];
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

  /**
   * The passages that ground an answer to `query`: the search below, kept only when the best of them
   * covers enough of the question (`RELEVANCE_FLOOR`), and then only the passages that cover some of it
   * (a passage that holds one common word of the question is no source for it). Same text is cited once.
   */
  async ground(
    userId: string,
    query: string,
    topK: number,
    documentIds?: readonly string[],
    signal?: AbortSignal,
  ): Promise<Grounding> {
    const asked = queryTerms(query);
    const depth = searchDepth(topK);
    const [first, exact] = await Promise.all([
      this.#search(userId, query, asked, depth, documentIds, signal),
      this.documents.termStats(userId, asked, documentIds),
    ]);
    const { terms, stats } = await this.#widen(userId, asked, exact, documentIds);
    // Searched again only when a word was widened.
    const found =
      terms === asked ? first : await this.#search(userId, query, terms, depth, documentIds, signal);
    const weights = termWeights(terms, stats);
    // The candidates that hold more of what is asked come first; the search's own order decides among
    // those that hold about as much (the passage with all ten words of a question beats one with its
    // three commonest words repeated).
    const scored = found
      .map((chunk, rank) => ({ chunk, rank, coverage: coverage(chunk, weights) }))
      .sort((a, b) => bucket(b.coverage) - bucket(a.coverage) || a.rank - b.rank);
    const relevance = Math.max(0, ...scored.map((s) => s.coverage));
    const grounded = relevance > RELEVANCE_FLOOR;
    const seen = new Set<string>();
    const chunks = grounded
      ? scored
          .filter((s) => s.coverage >= relevance / 2)
          .map((s) => s.chunk)
          .filter((c) => !seen.has(c.text.trim()) && seen.add(c.text.trim()))
          .slice(0, topK)
          .map((c, i) => ({ ...c, n: i + 1 }))
      : [];
    return { chunks, relevance: Math.round(relevance * 100) / 100, grounded };
  }

  /**
   * A word of the question that no passage holds, in another form of the same word ("affichage" against
   * "afficher", "répéter" against "répétition"): searched by its beginning instead (`affich:*`, all but its
   * last three letters, at least five), when that beginning is in some passage. Its weight is then that
   * prefix's rarity, as for any term. Only words of six letters or more, so short words never widen.
   */
  async #widen(
    userId: string,
    terms: string[],
    stats: TermStats,
    documentIds: readonly string[] | undefined,
  ): Promise<{ terms: string[]; stats: TermStats }> {
    const unknown = terms.filter((t) => stats.frequency.get(t) === 0 && /^\p{L}{6,}$/u.test(t));
    if (unknown.length === 0) return { terms, stats };
    const prefixOf = new Map(unknown.map((t) => [t, `${t.slice(0, Math.max(5, t.length - 3))}:*`]));
    const wider = await this.documents.termStats(userId, [...prefixOf.values()], documentIds);
    const widened = terms.map((t) => {
      const prefix = prefixOf.get(t);
      return prefix && (wider.frequency.get(prefix) ?? 0) > 0 ? prefix : t;
    });
    return {
      terms: widened,
      stats: { chunks: stats.chunks, frequency: new Map([...stats.frequency, ...wider.frequency]) },
    };
  }

  async search(
    userId: string,
    query: string,
    topK: number,
    documentIds?: readonly string[],
    signal?: AbortSignal,
  ): Promise<RetrievedChunk[]> {
    return this.#search(userId, query, queryTerms(query), topK, documentIds, signal);
  }

  /** `search` with the query's terms already worked out (`ground` needs them for its weights too). */
  async #search(
    userId: string,
    query: string,
    terms: string[],
    topK: number,
    documentIds: readonly string[] | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RetrievedChunk[]> {
    // Each list is searched deeper than top_k so fusion has something to reorder.
    const depth = searchDepth(topK);
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
      ...(hit.page !== null && hit.page !== undefined ? { page: hit.page } : {}),
      text: hit.content,
      heading: hit.heading,
      matched: hit.matched ?? [],
      headed: hit.headed ?? [],
    }));
  }
}

/** How many candidates a search of `topK` passages looks at. */
const searchDepth = (topK: number) => Math.max(topK * 4, 20);

/** Coverage in steps of a tenth: differences smaller than that are left to the search's rank. */
const bucket = (coverage: number) => Math.round(coverage * 10);

/**
 * Each searchable term's weight: its inverse document frequency among the searched chunks. A term no chunk
 * holds weighs as much as one only a single chunk holds: the question asks about something the documents
 * never mention.
 */
function termWeights(terms: readonly string[], stats: TermStats): Map<string, number> {
  const n = stats.chunks;
  const weights = new Map<string, number>();
  for (const term of terms) {
    const df = stats.frequency.get(term);
    if (df === undefined) continue; // a stopword of the text-search configuration: never searched for
    weights.set(term, Math.log(1 + (n - Math.max(df, 1) + 0.5) / (Math.max(df, 1) + 0.5)));
  }
  return weights;
}

/**
 * The share of the question's weight a passage holds. A question of one term is covered only by a
 * passage about it (the term in its heading or title): one mention in passing answers no "What is X?".
 */
function coverage(chunk: RetrievedChunk, weights: Map<string, number>): number {
  let total = 0;
  let held = 0;
  for (const [term, weight] of weights) {
    total += weight;
    // A word of its document's title counts as held: "the bicycle" in a question about a bicycle manual.
    if (chunk.matched.includes(term) || chunk.headed.includes(term)) held += weight;
  }
  if (total === 0) return 0;
  if (weights.size === 1 && !chunk.headed.some((t) => weights.has(t))) return 0;
  return held / total;
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
