import { Bm25Index } from './bm25.js';
import { type CitablePassage, chooseSentences, withCitation } from './choose-sentences.js';
import type { Passage } from './knowledge-base.js';
import { type Phrases, phrasesFor } from './phrases.js';

const MAX_SOURCES = 3;
const MAX_SENTENCES = 4;
/** A passage must hold at least this share of the question's weight to be used. */
const MIN_COVERAGE = 0.5;

/**
 * An extractive answer: the best passages for the question (BM25), their sentences that share the most
 * weighted terms with it, each followed by its citation `[n]`, then the numbered list of sources.
 * Undefined when nothing in the knowledge base matches.
 */
export function composeAnswer(
  index: Bm25Index<Passage>,
  question: string,
  phrases: Phrases = phrasesFor('en'),
): string | undefined {
  // Ranked by BM25, then kept only if they cover the question: a shared common word is not an answer.
  const hits = index
    .search(question, MAX_SOURCES)
    .filter((hit) => index.coverage(question, `${hit.item.title}\n${hit.item.text}`) >= MIN_COVERAGE);
  if (hits.length === 0) return undefined;
  const passages = hits.map((hit, i) => ({ n: i + 1, title: hit.item.title, text: hit.item.text }));
  const chosen = chooseSentences(question, passages, (t) => index.idf(t), MAX_SENTENCES);
  if (chosen.length === 0) return undefined;
  const used = [...new Set(chosen.map((c) => c.n))].sort((x, y) => x - y);
  // Renumber so citations run 1, 2, 3… over the sources actually cited.
  const number = new Map(used.map((cite, i) => [cite, i + 1]));
  const body = chosen.map((c) => withCitation(c.sentence, number.get(c.n) ?? c.n)).join(' ');
  const sources = used.map(
    (cite, i) => `[${i + 1}] ${hits[cite - 1]?.item.title} (${hits[cite - 1]?.item.source})`,
  );
  return `${body}\n\n${phrases.sources}\n${sources.join('\n')}`;
}

/** The fallback when nothing matches: what this model can answer, and how to get a real one. */
export const NO_MATCH_ANSWER = phrasesFor('en').noMatch;

/** The answer when the user's documents were searched and none of them covers the question. */
export const UNCOVERED_ANSWER = phrasesFor('en').uncovered;

/** A retrieved passage handed to the local model (through `providerOptions.local.sources`). */
export type GivenSource = CitablePassage;

/**
 * An extractive answer from retrieved passages: the sentences that answer the question (see
 * `chooseSentences`), each cited with its passage's own number so `[n]` points into the `sources` event.
 * Undefined when no sentence shares a key term with the question.
 */
export function composeFromSources(question: string, sources: readonly GivenSource[]): string | undefined {
  const index = new Bm25Index(sources, (s) => `${s.title}\n${s.text}`);
  const chosen = chooseSentences(question, sources, (t) => index.idf(t));
  if (chosen.length === 0) return undefined;
  return chosen.map((c) => withCitation(c.sentence, c.n)).join(' ');
}
