import { hasUnspacedScript, searchText } from '../../rag/index.js';

const STOPWORDS = new Set(
  `a an and are as at be but by can do does for from has have how i if in into is it its me my no not of on or
   our so than that the their them then there these they this to was we what when where which who why will
   with you your about should would could may also any all each there here just get use using
   often many much long tell please explain describe know need want give`.split(/\s+/),
);

const NO_WORDS: ReadonlySet<string> = new Set();

/**
 * Lower-cased word terms without stopwords, lightly stemmed so `streams`/`streaming`/`streamed` meet;
 * identifiers are words too (`focalLength` → focallength, focal, length; `aperture_mm` → aperture, mm).
 */
export function terms(text: string, stopwords: ReadonlySet<string> = NO_WORDS): string[] {
  const out: string[] = [];
  const add = (word: string) => {
    // One Chinese or Japanese character is a word; one Latin letter is not.
    if ((word.length >= 2 || hasUnspacedScript(word)) && !STOPWORDS.has(word) && !stopwords.has(word))
      out.push(stem(word));
  };
  for (const match of searchText(text).matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    add(word.toLowerCase());
    // An identifier in camelCase is its words too (the whole stays: PostgreSQL is still postgresql).
    // So is one that joins letters and digits (RFC931 → rfc, 931).
    const parts = word
      .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
      .replace(/(\p{L})(\p{N})/gu, '$1 $2')
      .replace(/(\p{N})(\p{L})/gu, '$1 $2')
      .split(' ');
    if (parts.length > 1) for (const part of parts) add(part.toLowerCase());
  }
  return out;
}

function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  // store/stored/storing → stor; cancel/cancelled → cancel
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  if (w.length > 4 && w.at(-1) === w.at(-2) && w.at(-1) !== 's') w = w.slice(0, -1);
  return w;
}

export interface Scored<T> {
  item: T;
  score: number;
}

/**
 * Okapi BM25 over a fixed set of documents.
 * @see https://en.wikipedia.org/wiki/Okapi_BM25
 */
export class Bm25Index<T> {
  readonly #docs: { item: T; tf: Map<string, number>; length: number }[] = [];
  readonly #df = new Map<string, number>();
  readonly #avgLength: number;

  constructor(
    items: readonly T[],
    text: (item: T) => string,
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {
    let total = 0;
    for (const item of items) {
      const tf = new Map<string, number>();
      const words = terms(text(item));
      for (const t of words) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const t of tf.keys()) this.#df.set(t, (this.#df.get(t) ?? 0) + 1);
      this.#docs.push({ item, tf, length: words.length });
      total += words.length;
    }
    this.#avgLength = this.#docs.length ? total / this.#docs.length : 0;
  }

  /** Inverse document frequency (never negative). */
  idf(term: string): number {
    const n = this.#docs.length;
    const df = this.#df.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /**
   * Share of the query's weight (sum of idf) that `text` contains: 1 when it has every query term, low when
   * it shares only a common word. A query term the index has never seen weighs the most.
   */
  coverage(query: string, text: string): number {
    const queryTerms = new Set(terms(query));
    const present = new Set(terms(text));
    let total = 0;
    let matched = 0;
    for (const t of queryTerms) {
      const w = this.idf(t);
      total += w;
      if (present.has(t)) matched += w;
    }
    return total > 0 ? matched / total : 0;
  }

  /** Documents with a positive score, best first. */
  search(query: string, limit: number): Scored<T>[] {
    const queryTerms = [...new Set(terms(query))];
    const results: Scored<T>[] = [];
    for (const doc of this.#docs) {
      let score = 0;
      for (const t of queryTerms) {
        const f = doc.tf.get(t);
        if (!f) continue;
        const norm = this.k1 * (1 - this.b + (this.b * doc.length) / (this.#avgLength || 1));
        score += (this.idf(t) * (f * (this.k1 + 1))) / (f + norm);
      }
      if (score > 0) results.push({ item: doc.item, score });
    }
    return results.sort((x, y) => y.score - x.score).slice(0, limit);
  }
}
