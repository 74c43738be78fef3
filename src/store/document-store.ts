import { type DocumentInfo, type DocumentText, newId } from '../protocol/index.js';
import type { Database } from './database.js';

interface DocumentRow {
  id: string;
  title: string;
  filename: string;
  media_type: string;
  size_bytes: string | number;
  sha256: string;
  chunk_count: number;
  language: string | null;
  created_at: Date;
}

/** A chunk found by a search, with its rank in that search's own measure. */
export interface ChunkHit {
  chunk_id: string;
  document_id: string;
  title: string;
  heading: string | null;
  content: string;
  /** The PDF page the chunk comes from (1-based); null for other files. */
  page: number | null;
  score: number;
  /** The query terms this chunk holds (lexical hits only). */
  matched?: string[];
  /** The query terms its heading or its document's title holds (lexical hits only). */
  headed?: string[];
}

/** How common each query term is among the searched chunks, for weighing what a hit covers. */
export interface TermStats {
  /** Searched chunks in all. */
  chunks: number;
  /** Chunks holding each term; terms the text-search configuration ignores (its stopwords) are left out. */
  frequency: Map<string, number>;
}

export interface NewDocument {
  userId: string;
  title: string;
  filename: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  /** `searchText`: what the chunk is indexed by when not its heading and text as written (CJK, segmented). */
  chunks: { heading: string | null; text: string; page?: number; searchText?: string }[];
  /** ISO 639-1, as detected; null when it could not be told. */
  language: string | null;
  /** The PostgreSQL text-search configuration its chunks are indexed with (`english`, `french`, `simple`…). */
  textSearchConfig: string;
  /** One vector per chunk, when an embedding model is configured. */
  embeddings?: { model: string; vectors: number[][] };
}

const DOCUMENT_COLUMNS =
  'id, title, filename, media_type, size_bytes, sha256, chunk_count, language, created_at';

/** Documents, their chunks and (where pgvector is available) the chunks' vectors. */
export class DocumentStore {
  constructor(private readonly db: Database) {}

  async findBySha(userId: string, sha256: string): Promise<DocumentInfo | undefined> {
    const [row] = await this.db.query<DocumentRow>(
      `select ${DOCUMENT_COLUMNS} from documents where sha256 = $1 and user_id = $2`,
      [sha256, userId],
    );
    return row && toDocument(row);
  }

  /** Stores a document with all its chunks (and vectors) at once: a failure leaves nothing behind. */
  async insert(doc: NewDocument): Promise<DocumentInfo> {
    const id = newId('document');
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<DocumentRow>(
        `insert into documents (id, title, filename, media_type, size_bytes, sha256, chunk_count, user_id, language)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${DOCUMENT_COLUMNS}`,
        [
          id,
          doc.title,
          doc.filename,
          doc.mediaType,
          doc.sizeBytes,
          doc.sha256,
          doc.chunks.length,
          doc.userId,
          doc.language,
        ],
      );
      for (const [seq, chunk] of doc.chunks.entries()) {
        const chunkId = `${id}_c${seq}`;
        await tx.query(
          `insert into chunks (id, document_id, seq, heading, content, page, config, search_text)
           values ($1, $2, $3, $4, $5, $6, $7::regconfig, $8)`,
          [
            chunkId,
            id,
            seq,
            chunk.heading,
            chunk.text,
            chunk.page ?? null,
            doc.textSearchConfig,
            chunk.searchText ?? null,
          ],
        );
        const vector = doc.embeddings?.vectors[seq];
        if (doc.embeddings && vector) {
          await tx.query(
            'insert into chunk_embeddings (chunk_id, model, embedding) values ($1, $2, $3::vector)',
            [chunkId, doc.embeddings.model, toVector(vector)],
          );
        }
      }
      if (!row) throw new Error('insert returned no row');
      return toDocument(row);
    });
  }

  /** Every method takes the user: another user's documents are as unknown as wrong ids. */
  async list(userId: string): Promise<DocumentInfo[]> {
    const rows = await this.db.query<DocumentRow>(
      `select ${DOCUMENT_COLUMNS} from documents where user_id = $1 order by seq desc`,
      [userId],
    );
    return rows.map(toDocument);
  }

  async get(userId: string, id: string): Promise<DocumentInfo | undefined> {
    const [row] = await this.db.query<DocumentRow>(
      `select ${DOCUMENT_COLUMNS} from documents where id = $1 and user_id = $2`,
      [id, userId],
    );
    return row && toDocument(row);
  }

  /** Deletes a document; its chunks and vectors go with it (foreign keys cascade). */
  async delete(userId: string, id: string): Promise<boolean> {
    const rows = await this.db.query('delete from documents where id = $1 and user_id = $2 returning id', [
      id,
      userId,
    ]);
    return rows.length > 0;
  }

  async count(userId: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      'select count(*)::int as n from documents where user_id = $1',
      [userId],
    );
    return row?.n ?? 0;
  }

  /** Which of `ids` are not the user's documents. */
  async missing(userId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: string }>(
      'select id from documents where id = any($1::text[]) and user_id = $2',
      [ids, userId],
    );
    const found = new Set(rows.map((r) => r.id));
    return ids.filter((id) => !found.has(id));
  }

  /** A document's chunks in order: its whole text as indexed (ownership is checked with `get`). */
  async chunks(documentId: string): Promise<DocumentText['chunks']> {
    return this.db.query<DocumentText['chunks'][number]>(
      'select id, seq, heading, page, content as text from chunks where document_id = $1 order by seq',
      [documentId],
    );
  }

  /**
   * Full-text search over the user's chunks: those matching any of the terms, ranked by PostgreSQL's
   * cover density (normalised by length), the same in PGlite and PostgreSQL.
   */
  async searchLexical(
    userId: string,
    terms: readonly string[],
    limit: number,
    documentIds?: readonly string[],
  ): Promise<ChunkHit[]> {
    if (terms.length === 0) return [];
    // Terms are letters and digits only, so the tsquery needs no further escaping.
    const query = terms.join(' | ');
    return this.db.query<ChunkHit>(
      `select c.id as chunk_id, c.document_id, d.title, c.heading, c.content, c.page,
              ts_rank_cd(c.tsv, to_tsquery(c.config, $1), 1) as score,
              array(select t from unnest($5::text[]) t where c.tsv @@ to_tsquery(c.config, t)) as matched,
              array(select t from unnest($5::text[]) t
                    where to_tsvector(c.config, search_words(coalesce(c.heading, '') || ' ' || d.title))
                          @@ to_tsquery(c.config, t)) as headed
       from chunks c join documents d on d.id = c.document_id
       where d.user_id = $4 and c.tsv @@ to_tsquery(c.config, $1)
         and ($2::text[] is null or c.document_id = any($2::text[]))
       order by score desc, c.document_id, c.seq limit $3`,
      [query, documentIds ?? null, limit, userId, terms],
    );
  }

  /** For each term, how many of the user's (selected) chunks hold it, and how many chunks there are. */
  async termStats(
    userId: string,
    terms: readonly string[],
    documentIds?: readonly string[],
  ): Promise<TermStats> {
    const [total] = await this.db.query<{ n: number }>(
      `select count(*)::int as n from chunks c join documents d on d.id = c.document_id
       where d.user_id = $1 and ($2::text[] is null or c.document_id = any($2::text[]))`,
      [userId, documentIds ?? null],
    );
    const rows = terms.length
      ? await this.db.query<{ term: string; n: number }>(
          `select t as term,
                  (select count(*)::int from chunks c join documents d on d.id = c.document_id
                   where d.user_id = $2 and ($3::text[] is null or c.document_id = any($3::text[]))
                     and c.tsv @@ to_tsquery(c.config, t)) as n
           from unnest($1::text[]) t
           where exists (select 1 from chunks c join documents d on d.id = c.document_id
                         where d.user_id = $2 and ($3::text[] is null or c.document_id = any($3::text[]))
                           and numnode(to_tsquery(c.config, t)) > 0)`,
          [terms, userId, documentIds ?? null],
        )
      : [];
    return { chunks: total?.n ?? 0, frequency: new Map(rows.map((r) => [r.term, r.n])) };
  }

  /** The user's nearest chunks by cosine distance to `vector`, among those embedded with `model`. */
  async searchVector(
    userId: string,
    model: string,
    vector: readonly number[],
    limit: number,
    documentIds?: readonly string[],
  ): Promise<ChunkHit[]> {
    return this.db.query<ChunkHit>(
      `select c.id as chunk_id, c.document_id, d.title, c.heading, c.content, c.page,
              1 - (e.embedding <=> $2::vector) as score
       from chunk_embeddings e join chunks c on c.id = e.chunk_id join documents d on d.id = c.document_id
       where d.user_id = $5 and e.model = $1 and ($3::text[] is null or c.document_id = any($3::text[]))
       order by e.embedding <=> $2::vector limit $4`,
      [model, toVector(vector), documentIds ?? null, limit, userId],
    );
  }
}

function toVector(v: readonly number[]): string {
  return `[${v.join(',')}]`;
}

function toDocument(row: DocumentRow): DocumentInfo {
  return {
    id: row.id,
    title: row.title,
    filename: row.filename,
    media_type: row.media_type,
    size_bytes: Number(row.size_bytes),
    sha256: row.sha256,
    status: 'indexed',
    chunk_count: row.chunk_count,
    language: row.language,
    created_at: row.created_at.toISOString(),
  };
}
