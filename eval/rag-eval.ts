/**
 * Retrieval quality on the evaluation set (eval/corpus, eval/questions.json): recall@5 and MRR of the
 * retriever, and how often the offline `local` model answers with a citation to a passage that holds the
 * answer. Used by `npm run eval:rag` and by the test that bounds it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalModel } from '../src/models/index.js';
import { type Embedder, ingestDocument, type RetrievedChunk, Retriever } from '../src/rag/index.js';
import { DocumentStore, ensureVectorStore, migrate, openDatabase } from '../src/store/index.js';

export interface EvalQuestion {
  id: string;
  question: string;
  document: string;
  answer_passage: string;
}

export interface EvalReport {
  mode: 'lexical' | 'hybrid';
  questions: number;
  recallAt5: number;
  mrr: number;
  /** Share of questions the local model answered with at least one citation to a right passage. */
  localCitedRight: number;
  misses: { id: string; question: string; rank: number | null; cited: boolean }[];
}

export const EVAL_DIR = fileURLToPath(new URL('.', import.meta.url));

export function loadQuestions(): EvalQuestion[] {
  return JSON.parse(readFileSync(join(EVAL_DIR, 'questions.json'), 'utf8'));
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

/** Whether a chunk holds the answer: the whole passage, or (when a chunk boundary cut it) its longest sentence. */
export function holdsAnswer(chunk: string, passage: string): boolean {
  const text = norm(chunk);
  if (text.includes(norm(passage))) return true;
  const longest = (passage.match(/[^.!?]+[.!?]*/g) ?? []).map(norm).sort((a, b) => b.length - a.length)[0];
  return longest !== undefined && longest.length >= 40 && text.includes(longest);
}

export async function runRagEval(embedder?: Embedder): Promise<EvalReport> {
  const db = await openDatabase({ engine: 'pglite', vector: embedder !== undefined });
  try {
    await migrate(db);
    if (embedder && !(await ensureVectorStore(db))) throw new Error('pgvector is not available');
    const documents = new DocumentStore(db);
    const corpus = join(EVAL_DIR, 'corpus');
    for (const file of readdirSync(corpus).sort()) {
      const bytes = readFileSync(join(corpus, file));
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await ingestDocument({ userId: 'eval', filename: file, bytes, sha256 }, documents, embedder);
    }
    const retriever = new Retriever(documents, embedder);
    const local = new LocalModel({ tokenDelayMs: 0 });
    const questions = loadQuestions();
    let hits = 0;
    let reciprocal = 0;
    let cited = 0;
    const misses: EvalReport['misses'] = [];
    for (const q of questions) {
      const found = await retriever.search('eval', q.question, 10);
      const rank = found.findIndex((c) => holdsAnswer(c.text, q.answer_passage));
      if (rank >= 0 && rank < 5) hits++;
      if (rank >= 0) reciprocal += 1 / (rank + 1);
      const top5 = found.slice(0, 5);
      const ok = citesRight(local, q, top5);
      if (ok) cited++;
      if (!ok || rank < 0 || rank >= 5)
        misses.push({ id: q.id, question: q.question, rank: rank < 0 ? null : rank + 1, cited: ok });
    }
    return {
      mode: retriever.mode,
      questions: questions.length,
      recallAt5: hits / questions.length,
      mrr: reciprocal / questions.length,
      localCitedRight: cited / questions.length,
      misses,
    };
  } finally {
    await db.close();
  }
}

/** Asks the local model as the chat pipeline does, and checks that some `[n]` it cites holds the answer. */
function citesRight(local: LocalModel, q: EvalQuestion, sources: RetrievedChunk[]): boolean {
  const { text } = local.plan({
    prompt: [{ role: 'user', content: [{ type: 'text', text: q.question }] }],
    providerOptions: { local: { sources: sources.map((s) => ({ n: s.n, title: s.title, text: s.text })) } },
  });
  const numbers = [...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
  return numbers.some((n) => {
    const source = sources.find((s) => s.n === n);
    return source !== undefined && holdsAnswer(source.text, q.answer_passage);
  });
}
