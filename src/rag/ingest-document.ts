import type { DocumentInfo } from '../protocol/index.js';
import type { DocumentStore } from '../store/index.js';
import { type Chunk, chunkText } from './chunk-text.js';
import { detectLanguage } from './detect-language.js';
import { extractText, FILE_TYPES, fileTypeOf } from './extract-text.js';
import { hasUnspacedScript, searchText } from './search-text.js';
import { textSearchConfig } from './text-search-config.js';
import type { Embedder } from './retriever.js';

export interface Upload {
  /** The owner: duplicates are detected within the user's own documents. */
  userId: string;
  filename: string;
  bytes: Uint8Array;
  sha256: string;
}

/** The embedding model failed: the document is not stored (vectors are part of indexing it). */
export class EmbeddingError extends Error {
  override name = 'EmbeddingError';
}

/** Vectors are requested this many chunks at a time. */
const EMBED_BATCH = 64;

/**
 * Extracts, chunks, embeds and stores one uploaded file. The same bytes uploaded again are not indexed
 * again: the existing document comes back as a duplicate. Throws ExtractionError for a file that cannot be
 * read; nothing is stored then, nor when embedding fails.
 */
export async function ingestDocument(
  upload: Upload,
  documents: DocumentStore,
  embedder: Embedder | undefined,
  signal?: AbortSignal,
): Promise<{ document: DocumentInfo; duplicate: boolean }> {
  const existing = await documents.findBySha(upload.userId, upload.sha256);
  if (existing) return { document: existing, duplicate: true };
  const type = fileTypeOf(upload.filename);
  // Taken before extraction: a PDF parser may take over (detach) the bytes.
  const sizeBytes = upload.bytes.byteLength;
  const extracted = await extractText(upload.filename, upload.bytes);
  // Its language decides how it is searched: from its opening text (several thousand letters are plenty).
  const language = detectLanguage(extracted.text.slice(0, 4000));
  const chunks = extracted.pages
    ? pagedChunks(extracted.pages)
    : chunkText(extracted.text, { markdown: extracted.markdown });
  let embeddings: { model: string; vectors: number[][] } | undefined;
  if (embedder) {
    const vectors: number[][] = [];
    for (let i = 0; i < chunks.length; i += EMBED_BATCH) {
      const batch = chunks
        .slice(i, i + EMBED_BATCH)
        .map((c) => (c.heading ? `${c.heading}\n${c.text}` : c.text));
      try {
        vectors.push(...(await embedder.embed(batch, signal)));
      } catch (cause) {
        throw new EmbeddingError(`embedding ${upload.filename} failed`, { cause });
      }
    }
    embeddings = { model: embedder.model, vectors };
  }
  try {
    const document = await documents.insert({
      userId: upload.userId,
      title: extracted.title,
      filename: upload.filename,
      mediaType: FILE_TYPES[type],
      sizeBytes,
      sha256: upload.sha256,
      // Chinese and Japanese are indexed by their words, set apart.
      chunks: chunks.map((c) => {
        const whole = `${c.heading ?? ''} ${c.text}`;
        return hasUnspacedScript(whole) ? { ...c, searchText: searchText(whole) } : c;
      }),
      language,
      textSearchConfig: textSearchConfig(language),
      embeddings,
    });
    return { document, duplicate: false };
  } catch (error) {
    // Two uploads of the same bytes at once: the other one won; this one is its duplicate.
    const winner = await documents.findBySha(upload.userId, upload.sha256);
    if (winner) return { document: winner, duplicate: true };
    throw error;
  }
}

/** A PDF's chunks, page by page: each knows its page, and they are numbered through the document. */
function pagedChunks(pages: readonly string[]): Chunk[] {
  const chunks: Chunk[] = [];
  pages.forEach((text, i) => {
    if (!text.trim()) return;
    for (const chunk of chunkText(text.replace(/\r\n?/g, '\n').trim(), { markdown: false }))
      chunks.push({ ...chunk, seq: chunks.length, page: i + 1 });
  });
  return chunks;
}
