import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Extensions, PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** What a repository needs: parameterised SQL (`$1`, `$2`…) returning rows. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** One interface over embedded PGlite and PostgreSQL: the same SQL runs on both. */
export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs several statements separated by `;` (no parameters). */
  exec(sql: string): Promise<void>;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | {
      engine: 'pglite';
      /** Where the data lives; undefined: in memory. */
      dataDir?: string;
      /** Load pgvector (shipped with PGlite) for vector retrieval. */
      vector?: boolean;
    }
  | {
      engine: 'postgres';
      url: string;
      /** Tables live in this schema (created if missing). */
      schema?: string;
    };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.engine === 'pglite'
    ? openPglite(options.dataDir, options.vector ?? false)
    : openPostgres(options.url, options.schema);
}

async function openPglite(dataDir: string | undefined, withVector: boolean): Promise<Database> {
  const extensions: Extensions = withVector
    ? { vector: (await import('@electric-sql/pglite-pgvector')).vector }
    : {};
  let db: PGlite;
  if (dataDir) {
    const dir = join(dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    db = await PGlite.create(dir, { extensions });
  } else {
    db = await PGlite.create({ extensions });
  }
  const query = async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows;
  return {
    engine: 'pglite',
    query,
    exec: async (sql) => {
      await db.exec(sql);
    },
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({ query: async <T>(sql: string, p?: unknown[]) => (await tx.query<T>(sql, p)).rows }),
      ),
    close: () => db.close(),
  };
}

async function openPostgres(url: string, schema: string | undefined): Promise<Database> {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`invalid schema name ${schema}`);
  if (schema) {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`create schema if not exists ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its connection emits 'error'; without a listener that would crash the process.
  pool.on('error', () => {});
  const query = async <T>(sql: string, params?: unknown[]) =>
    (await pool.query(sql, params as unknown[])).rows as T[];
  return {
    engine: 'postgres',
    query,
    exec: async (sql) => {
      await pool.query(sql);
    },
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn({
          query: async <T>(sql: string, p?: unknown[]) =>
            (await client.query(sql, p as unknown[])).rows as T[],
        });
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
