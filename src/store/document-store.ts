import { type DocumentInfo, newId } from '../protocol/index.js';
import type { Database } from './database.js';

interface DocumentRow {
  id: string;
  title: string;
  filename: string;
  media_type: string;
  size_bytes: string | number;
  sha256: string;
  chunk_count: number;
  created_at: Date;
}

/** A chunk found by a search, with its rank in that search's own measure. */
export interface ChunkHit {
  chunk_id: string;
  document_id: string;
  title: string;
  heading: string | null;
  content: string;
  score: number;
}

export interface NewDocument {
  title: string;
  filename: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  chunks: { heading: string | null; text: string }[];
  /** One vector per chunk, when an embedding model is configured. */
  embeddings?: { model: string; vectors: number[][] };
}

const DOCUMENT_COLUMNS = 'id, title, filename, media_type, size_bytes, sha256, chunk_count, created_at';

/** Documents, their chunks and (where pgvector is available) the chunks' vectors. */
export class DocumentStore {
  constructor(private readonly db: Database) {}

  async findBySha(sha256: string): Promise<DocumentInfo | undefined> {
    const [row] = await this.db.query<DocumentRow>(
      `select ${DOCUMENT_COLUMNS} from documents where sha256 = $1`,
      [sha256],
    );
    return row && toDocument(row);
  }

  /** Stores a document with all its chunks (and vectors) at once: a failure leaves nothing behind. */
  async insert(doc: NewDocument): Promise<DocumentInfo> {
    const id = newId('document');
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<DocumentRow>(
        `insert into documents (id, title, filename, media_type, size_bytes, sha256, chunk_count)
         values ($1, $2, $3, $4, $5, $6, $7) returning ${DOCUMENT_COLUMNS}`,
        [id, doc.title, doc.filename, doc.mediaType, doc.sizeBytes, doc.sha256, doc.chunks.length],
      );
      for (const [seq, chunk] of doc.chunks.entries()) {
        const chunkId = `${id}_c${seq}`;
        await tx.query(
          'insert into chunks (id, document_id, seq, heading, content) values ($1, $2, $3, $4, $5)',
          [chunkId, id, seq, chunk.heading, chunk.text],
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

  async list(): Promise<DocumentInfo[]> {
    const rows = await this.db.query<DocumentRow>(
      `select ${DOCUMENT_COLUMNS} from documents order by seq desc`,
    );
    return rows.map(toDocument);
  }

  async get(id: string): Promise<DocumentInfo | undefined> {
    const [row] = await this.db.query<DocumentRow>(
      `select ${DOCUMENT_COLUMNS} from documents where id = $1`,
      [id],
    );
    return row && toDocument(row);
  }

  /** Deletes a document; its chunks and vectors go with it (foreign keys cascade). */
  async delete(id: string): Promise<boolean> {
    return (await this.db.query('delete from documents where id = $1 returning id', [id])).length > 0;
  }

  async count(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>('select count(*)::int as n from documents');
    return row?.n ?? 0;
  }

  /** Which of `ids` do not exist. */
  async missing(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: string }>('select id from documents where id = any($1::text[])', [
      ids,
    ]);
    const found = new Set(rows.map((r) => r.id));
    return ids.filter((id) => !found.has(id));
  }

  /**
   * Full-text search: chunks matching any of the terms, ranked by PostgreSQL's cover density (normalised
   * by length), the same in PGlite and PostgreSQL.
   */
  async searchLexical(
    terms: readonly string[],
    limit: number,
    documentIds?: readonly string[],
  ): Promise<ChunkHit[]> {
    if (terms.length === 0) return [];
    // Terms are letters and digits only, so the tsquery needs no further escaping.
    const query = terms.join(' | ');
    return this.db.query<ChunkHit>(
      `select c.id as chunk_id, c.document_id, d.title, c.heading, c.content,
              ts_rank_cd(c.tsv, q, 1) as score
       from chunks c join documents d on d.id = c.document_id, to_tsquery('english', $1) q
       where c.tsv @@ q and ($2::text[] is null or c.document_id = any($2::text[]))
       order by score desc, c.document_id, c.seq limit $3`,
      [query, documentIds ?? null, limit],
    );
  }

  /** Nearest chunks by cosine distance to `vector`, among those embedded with `model`. */
  async searchVector(
    model: string,
    vector: readonly number[],
    limit: number,
    documentIds?: readonly string[],
  ): Promise<ChunkHit[]> {
    return this.db.query<ChunkHit>(
      `select c.id as chunk_id, c.document_id, d.title, c.heading, c.content,
              1 - (e.embedding <=> $2::vector) as score
       from chunk_embeddings e join chunks c on c.id = e.chunk_id join documents d on d.id = c.document_id
       where e.model = $1 and ($3::text[] is null or c.document_id = any($3::text[]))
       order by e.embedding <=> $2::vector limit $4`,
      [model, toVector(vector), documentIds ?? null, limit],
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
    created_at: row.created_at.toISOString(),
  };
}
