import type { TurnRetrieval } from '../chat/index.js';
import type { RagOptions } from '../protocol/index.js';
import type { DocumentStore } from '../store/index.js';
import { DocumentNotFoundError } from './turn-errors.js';

/** The passages a turn searches for, unless the request asks for another number. */
export const DEFAULT_TOP_K = 5;

/** The documents a request names, all of which must exist and be the user's (before anything is written). */
export async function checkNamedDocuments(
  documents: DocumentStore,
  userId: string,
  rag: RagOptions | undefined,
): Promise<void> {
  if (rag?.enabled === false || !rag?.document_ids) return;
  const missing = await documents.missing(userId, rag.document_ids);
  if (missing[0] !== undefined) throw new DocumentNotFoundError(missing[0]);
}

/**
 * Whether and where a turn searches the user's documents: never when the request says so; only in the
 * documents it names when it names some; otherwise when the user has any (or the request insists).
 */
export function decideRetrieval(
  userId: string,
  rag: RagOptions | undefined,
  documentCount: number,
): TurnRetrieval | undefined {
  if (rag?.enabled === false) return undefined;
  const topK = rag?.top_k ?? DEFAULT_TOP_K;
  if (rag?.document_ids)
    return { userId, topK, documentIds: rag.document_ids, documentCount: rag.document_ids.length };
  if (documentCount === 0 && rag?.enabled !== true) return undefined;
  return { userId, topK, documentIds: undefined, documentCount };
}
