const STOPWORDS = new Set(
  `a an and are as at be but by can do does for from has have how i if in into is it its me my no not of on or
   our so than that the their them then there these they this to was we what when where which who why will
   with you your about should would could may also any all each there here just get use using`.split(/\s+/),
);

/** Lower-cased word terms without stopwords, lightly stemmed so `streams`/`streaming`/`streamed` meet. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (word.length < 2 || STOPWORDS.has(word)) continue;
    out.push(stem(word));
  }
  return out;
}

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
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
