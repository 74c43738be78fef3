/**
 * The evaluation on material nobody on the team wrote (eval/public: Debian packages' own documentation and
 * translated manual pages, with questions written before any tuning). Every question goes through what a
 * chat turn does — `Retriever.ground` with the default top_k, then the `local` model in the question's
 * language — and is scored per half: `tune` may be looked at while improving retrieval, `held-out` is only
 * reported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { LocalModel } from '../src/models/index.js';
import { detectLanguage, type Embedder, ingestDocument, Retriever } from '../src/rag/index.js';
import { DocumentStore, ensureVectorStore, migrate, openDatabase } from '../src/store/index.js';
import { DEFAULT_TOP_K } from '../src/turns/decide-retrieval.js';
import { EVAL_DIR } from './rag-eval.js';

export type Split = 'tune' | 'held-out';

/** A question the documents answer (`fact`, English; `foreign`, in its document's language) or do not. */
export type PublicQuestion =
  | {
      id: string;
      split: Split;
      kind: 'fact' | 'foreign';
      question: string;
      document: string;
      /** A short span of the document (verbatim, whitespace aside) that a right answer holds. */
      fact: string;
      passage: string;
      language?: string;
    }
  | { id: string; split: Split; kind: 'uncovered'; question: string; note?: string };

export interface HalfReport {
  split: Split;
  /** Questions the documents answer, and how they fared. */
  answerable: number;
  /** The first source is from the question's document. */
  recallAt1: number;
  /** Some source is from the question's document. */
  recallAt5: number;
  /** The local model's answer holds the fact. */
  factInAnswer: number;
  /** Answerable questions with sources, none of them from the question's document. */
  wrongGroundings: number;
  uncovered: number;
  /** Uncovered questions answered with no sources. */
  correctRefusals: number;
  /** Per-question outcome, for looking at what failed (the tune half only is for tuning). */
  results: QuestionResult[];
}

export interface QuestionResult {
  id: string;
  kind: PublicQuestion['kind'];
  question: string;
  /** Rank of the first source from the question's document, 1-based; null when none. */
  rank: number | null;
  relevance: number;
  sources: string[];
  factInAnswer: boolean | null;
  answer: string;
}

const PUBLIC_DIR = join(EVAL_DIR, 'public');

export function loadPublicQuestions(): PublicQuestion[] {
  return JSON.parse(readFileSync(join(PUBLIC_DIR, 'questions.json'), 'utf8'));
}

/** Whitespace runs and Markdown emphasis and code marks do not decide whether an answer states a fact. */
export const normalise = (s: string) => s.replace(/[*_`]/g, '').replace(/\s+/g, ' ').trim().toLowerCase();

export async function runPublicEval(embedder?: Embedder): Promise<HalfReport[]> {
  const db = await openDatabase({ engine: 'pglite', vector: embedder !== undefined });
  try {
    await migrate(db);
    if (embedder && !(await ensureVectorStore(db))) throw new Error('pgvector is not available');
    const documents = new DocumentStore(db);
    const corpus = join(PUBLIC_DIR, 'corpus');
    const fileOf = new Map<string, string>();
    for (const file of readdirSync(corpus).sort()) {
      const bytes = readFileSync(join(corpus, file));
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const { document } = await ingestDocument(
        { userId: 'eval', filename: file, bytes, sha256 },
        documents,
        embedder,
      );
      fileOf.set(document.id, file);
    }
    const retriever = new Retriever(documents, embedder);
    const local = new LocalModel({ tokenDelayMs: 0 });
    const results = new Map<Split, QuestionResult[]>([
      ['tune', []],
      ['held-out', []],
    ]);
    for (const q of loadPublicQuestions()) {
      const grounding = await retriever.ground('eval', q.question, DEFAULT_TOP_K);
      const sources = grounding.chunks.map((c) => fileOf.get(c.document_id) ?? '?');
      const { text } = local.plan({
        prompt: [{ role: 'user', content: [{ type: 'text', text: q.question }] }],
        providerOptions: {
          local: {
            language: detectLanguage(q.question),
            ...(grounding.chunks.length
              ? { sources: grounding.chunks.map((s) => ({ n: s.n, title: s.title, text: s.text })) }
              : grounding.grounded
                ? {}
                : { uncovered: true }),
          },
        },
      });
      const answerable = q.kind !== 'uncovered';
      const at = answerable ? sources.indexOf(q.document) : -1;
      results.get(q.split)?.push({
        id: q.id,
        kind: q.kind,
        question: q.question,
        rank: at >= 0 ? at + 1 : null,
        relevance: grounding.relevance,
        sources,
        factInAnswer: answerable ? normalise(text).includes(normalise(q.fact)) : null,
        answer: text,
      });
    }
    return [...results].map(([split, list]) => summarise(split, list));
  } finally {
    await db.close();
  }
}

function summarise(split: Split, results: QuestionResult[]): HalfReport {
  const answerable = results.filter((r) => r.kind !== 'uncovered');
  const uncovered = results.filter((r) => r.kind === 'uncovered');
  const share = (n: number, of: number) => (of === 0 ? 0 : n / of);
  return {
    split,
    answerable: answerable.length,
    recallAt1: share(answerable.filter((r) => r.rank === 1).length, answerable.length),
    recallAt5: share(answerable.filter((r) => r.rank !== null).length, answerable.length),
    factInAnswer: share(answerable.filter((r) => r.factInAnswer).length, answerable.length),
    wrongGroundings: answerable.filter((r) => r.sources.length > 0 && r.rank === null).length,
    uncovered: uncovered.length,
    correctRefusals: uncovered.filter((r) => r.sources.length === 0).length,
    results,
  };
}

/**
 * The relevance floor that best tells the half's answerable questions (relevance above it) from its
 * uncovered ones (at or below it): the middle of the widest gap among the floors that decide most questions
 * right. Run on the tune half; RELEVANCE_FLOOR is set from it.
 */
export function calibrateFloor(half: HalfReport): { floor: number; right: number; of: number } {
  const values = [...new Set([0, 1, ...half.results.map((r) => r.relevance)])].sort((a, b) => a - b);
  const right = (floor: number) =>
    half.results.filter((r) => (r.kind === 'uncovered' ? r.relevance <= floor : r.relevance > floor)).length;
  let best = { floor: 0, right: -1, gap: -1 };
  for (let i = 0; i < values.length - 1; i++) {
    const low = values[i] ?? 0;
    const high = values[i + 1] ?? 1;
    const score = right(low);
    if (score > best.right || (score === best.right && high - low > best.gap))
      best = { floor: Math.round(((low + high) / 2) * 100) / 100, right: score, gap: high - low };
  }
  return { floor: best.floor, right: best.right, of: half.results.length };
}
