export { detectLanguage, languageName } from './detect-language.js';
export { hasUnspacedScript, searchText } from './search-text.js';
export { type Chunk, type ChunkOptions, chunkText } from './chunk-text.js';
export { ExtractionError, type Extracted, extractText, FILE_TYPES, fileTypeOf } from './extract-text.js';
export { EmbeddingError, ingestDocument, type Upload } from './ingest-document.js';
export { splitSentences } from './sentences.js';
export { stopwordsFor } from './stopwords.js';
export {
  type Embedder,
  fuse,
  type Grounding,
  queryTerms,
  RELEVANCE_FLOOR,
  type RetrievedChunk,
  Retriever,
  snippet,
} from './retriever.js';
