import type { RetrievedChunk } from '../rag/index.js';
import type { HistoryTurn } from '../store/index.js';

/** What a real model is told about the retrieved passages, after the system prompt. */
export function systemWithSources(system: string, sources: readonly RetrievedChunk[]): string {
  if (sources.length === 0) return system;
  const passages = sources.map((s) => `[${s.n}] ${s.title}\n${s.text}`).join('\n\n');
  return (
    `${system}\n\nAnswer from the numbered sources below when they are relevant. After each statement taken ` +
    'from a source, cite it as [n] with its number. If the sources do not hold the answer, say so rather than ' +
    `guessing.\n\nSources:\n\n${passages}`
  );
}

/**
 * The search query for a turn: the user's message, with the previous question added when the message is
 * a short follow-up ("and in winter?") that cannot be searched alone.
 */
export function searchQueryFor(turns: readonly HistoryTurn[]): string {
  const users = turns.filter((t) => t.role === 'user');
  const last = users.at(-1)?.content ?? '';
  const previous = users.at(-2)?.content;
  const words = last.match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  return words < 4 && previous ? `${previous} ${last}` : last;
}
