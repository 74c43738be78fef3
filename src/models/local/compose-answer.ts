import { splitSentences } from '../../rag/index.js';
import { Bm25Index, terms } from './bm25.js';
import type { Passage } from './knowledge-base.js';

const MAX_SOURCES = 3;
const MAX_SENTENCES = 4;
/** A passage must hold at least this share of the question's weight to be used. */
const MIN_COVERAGE = 0.5;

/**
 * An extractive answer: the best passages for the question (BM25), their sentences that share the most
 * weighted terms with it, each followed by its citation `[n]`, then the numbered list of sources.
 * Undefined when nothing in the knowledge base matches.
 */
export function composeAnswer(index: Bm25Index<Passage>, question: string): string | undefined {
  // Ranked by BM25, then kept only if they cover the question: a shared common word is not an answer.
  const hits = index
    .search(question, MAX_SOURCES)
    .filter((hit) => index.coverage(question, `${hit.item.title}\n${hit.item.text}`) >= MIN_COVERAGE);
  if (hits.length === 0) return undefined;
  const queryTerms = new Set(terms(question));
  const candidates: { sentence: string; cite: number; score: number; order: number }[] = [];
  hits.forEach((hit, i) => {
    sentencesOf(hit.item.text).forEach((sentence, order) => {
      const shared = new Set(terms(sentence).filter((t) => queryTerms.has(t)));
      let score = 0;
      for (const t of shared) score += index.idf(t);
      // Earlier passages are better matches; the first sentence of a section usually states its point.
      if (score > 0) candidates.push({ sentence, cite: i + 1, score: score * (1 - i * 0.15), order });
    });
  });
  if (candidates.length === 0) return undefined;
  const chosen = candidates.sort((x, y) => y.score - x.score || x.order - y.order).slice(0, MAX_SENTENCES);
  const used = [...new Set(chosen.map((c) => c.cite))].sort((x, y) => x - y);
  // Renumber so citations run 1, 2, 3… over the sources actually cited.
  const number = new Map(used.map((cite, i) => [cite, i + 1]));
  const body = chosen.map((c) => `${withCitation(c.sentence, number.get(c.cite) ?? c.cite)}`).join(' ');
  const sources = used.map(
    (cite, i) => `[${i + 1}] ${hits[cite - 1]?.item.title} (${hits[cite - 1]?.item.source})`,
  );
  return `${body}\n\nSources:\n${sources.join('\n')}`;
}

/** The fallback when nothing matches: what this model can answer, and how to get a real one. */
export const NO_MATCH_ANSWER =
  "I couldn't find anything about that in my knowledge base. I am StreamForge's offline `local` model: " +
  'I answer questions about StreamForge itself — its chat API, event protocol, conversations, models, storage ' +
  'and configuration — from its documentation, with citations. To answer questions on any topic, configure a ' +
  'real language model: set `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GOOGLE_GENERATIVE_AI_API_KEY` or ' +
  '`OLLAMA_BASE_URL`, and `DEFAULT_MODEL` (see the README, section "Models").';

/** The answer when the user's documents were searched and none of them covers the question. */
export const UNCOVERED_ANSWER =
  "Your documents don't cover this. I searched the documents you uploaded and found nothing about it. " +
  "I am StreamForge's offline `local` model: I answer from your documents and from StreamForge's own " +
  'documentation; for questions on any topic, configure a real language model (see the README, section "Models").';

/** Prose sentences of a passage, with Markdown list markers, emphasis and code blocks removed. */
export function sentencesOf(text: string): string[] {
  const prose = text
    .replace(/```[\s\S]*?```/g, ' ')
    .split('\n')
    .filter((line) => !/^\s*\|/.test(line))
    .map((line) => line.replace(/^\s*(?:[-*+]|\d+\.)\s+/, '').replace(/\*\*|__/g, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return splitSentences(prose).filter((s) => s.length > 20);
}

function withCitation(sentence: string, n: number): string {
  const end = /[.!?]+$/.exec(sentence);
  return end ? `${sentence.slice(0, end.index)} [${n}]${end[0]}` : `${sentence} [${n}].`;
}

/** A retrieved passage handed to the local model (through `providerOptions.local.sources`). */
export interface GivenSource {
  n: number;
  title: string;
  text: string;
}

/**
 * An extractive answer from retrieved passages: their sentences that share the most weighted terms with
 * the question, best first, each cited with its passage's own number so `[n]` points into the `sources`
 * event. Undefined when no sentence shares a term with the question.
 */
export function composeFromSources(question: string, sources: readonly GivenSource[]): string | undefined {
  const index = new Bm25Index(sources, (s) => `${s.title}\n${s.text}`);
  const queryTerms = new Set(terms(question));
  const candidates: { sentence: string; n: number; score: number; rank: number; order: number }[] = [];
  sources.forEach((source, rank) => {
    sentencesOf(source.text).forEach((sentence, order) => {
      let score = 0;
      for (const t of new Set(terms(sentence))) if (queryTerms.has(t)) score += 1 + index.idf(t);
      if (score > 0)
        candidates.push({ sentence, n: source.n, score: score * (1 - rank * 0.05), rank, order });
    });
  });
  if (candidates.length === 0) return undefined;
  const best = candidates.sort((a, b) => b.score - a.score || a.rank - b.rank || a.order - b.order);
  // The best sentence, then at most two more that score close to it.
  const top = best[0]?.score ?? 0;
  const chosen = best.slice(0, 3).filter((c, i) => i === 0 || c.score >= top * 0.6);
  return chosen.map((c) => withCitation(c.sentence, c.n)).join(' ');
}
