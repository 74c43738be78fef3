import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Extensions, parse, PGlite, protocol } from '@electric-sql/pglite';
import pg from 'pg';
import { unavailableIfDisconnected } from './database-unavailable-error.js';
import { PgliteMaintenance } from './pglite-maintenance.js';

/** What a repository needs: parameterised SQL (`$1`, `$2`…) returning rows. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** A statement parsed and planned once, then run with new parameters: the hot paths' statements. */
export type Prepared<T> = (params: unknown[]) => Promise<T[]>;

/** One interface over embedded PGlite and PostgreSQL: the same SQL runs on both. */
export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /**
   * `sql` as a named prepared statement: parsed and planned once (per connection), each run only binds and
   * executes. `name` must be unique per statement text.
   */
  prepare<T = Record<string, unknown>>(name: string, sql: string): Prepared<T>;
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
      /**
       * Start from this data directory (a `dumpDataDir` tarball, see `pgliteTemplate`) instead of running
       * initdb: a third of the time to open an in-memory database. Only without `dataDir`.
       */
      template?: Blob;
    }
  | {
      engine: 'postgres';
      url: string;
      /** Tables live in this schema (created if missing). */
      schema?: string;
    };

/**
 * Plans made once per prepared statement, whatever its parameters. By default PostgreSQL plans a prepared
 * statement anew on every run when its generic plan looks costlier than a custom one, which for the batch
 * statements (arrays unnested into rows) it always does: planning them took most of their time (2.1 ms of
 * an admission's 2.2 on PGlite; 0.7 ms with the plan kept).
 */
const PLAN_CACHE_MODE = 'force_generic_plan';

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.engine === 'pglite'
    ? openPglite(options.dataDir, options.vector ?? false, options.template)
    : openPostgres(options.url, options.schema);
}

/** A fresh, empty PGlite data directory as a tarball: `template` for databases that should not pay for initdb. */
export async function pgliteTemplate(): Promise<Blob> {
  const db = await PGlite.create();
  try {
    return await db.dumpDataDir('none');
  } finally {
    await db.close();
  }
}

async function openPglite(
  dataDir: string | undefined,
  withVector: boolean,
  template: Blob | undefined,
): Promise<Database> {
  const extensions: Extensions = withVector
    ? { vector: (await import('@electric-sql/pglite-pgvector')).vector }
    : {};
  let db: PGlite;
  if (dataDir) {
    const dir = join(dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    db = await PGlite.create(dir, { extensions });
  } else {
    db = await PGlite.create({ extensions, ...(template ? { loadDataDir: template } : {}) });
  }
  await db.exec(`set plan_cache_mode = ${PLAN_CACHE_MODE}`);
  const query = async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows;
  // A name is prepared once per connection, and PGlite is one connection: every store asking for it shares it.
  const prepared = new Map<string, { sql: string; run: Prepared<unknown> }>();
  const exec = async (sql: string) => {
    await db.exec(sql);
  };
  // PGlite runs no autovacuum: this does its work (statistics that replan the prepared statements, space).
  const maintenance = new PgliteMaintenance({ query, exec });
  maintenance.start();
  return {
    engine: 'pglite',
    query,
    prepare: <T>(name: string, sql: string) => {
      const known = prepared.get(name);
      if (known && known.sql !== sql) throw new Error(`prepared statement ${name} exists with another text`);
      const run = known?.run ?? preparePglite(db, name, sql);
      prepared.set(name, { sql, run });
      return run as Prepared<T>;
    },
    exec,
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({ query: async <T>(sql: string, p?: unknown[]) => (await tx.query<T>(sql, p)).rows }),
      ),
    close: async () => {
      await maintenance.stop();
      await db.close();
    },
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
    // A server that takes connections but never answers them is as unavailable as one that refuses them.
    connectionTimeoutMillis: 10_000,
    options: [`-c plan_cache_mode=${PLAN_CACHE_MODE}`, ...(schema ? [`-c search_path=${schema}`] : [])].join(
      ' ',
    ),
  });
  // An idle client that loses its connection emits 'error'; without a listener that would crash the process.
  pool.on('error', () => {});
  // A lost connection is `DatabaseUnavailableError` (503 to clients, retried where an answer is saved).
  const query = async <T>(sql: string, params?: unknown[]) =>
    (await unavailableIfDisconnected(pool.query(sql, params as unknown[]))).rows as T[];
  return {
    engine: 'postgres',
    query,
    // node-postgres prepares a named statement once per connection and reuses it.
    prepare:
      <T>(name: string, text: string) =>
      async (values: unknown[]) =>
        (await unavailableIfDisconnected(pool.query({ name, text, values }))).rows as T[],
    exec: async (sql) => {
      await unavailableIfDisconnected(pool.query(sql));
    },
    transaction: (fn) => unavailableIfDisconnected(transaction(fn)),
    close: () => pool.end(),
  };

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const result = await fn({
        query: async <R>(sql: string, p?: unknown[]) => (await client.query(sql, p as unknown[])).rows as R[],
      });
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

/**
 * A named prepared statement on PGlite, over its wire protocol: PGlite's `query` parses, describes and plans
 * every statement on every call (four round trips into the WebAssembly), which costs more than running the
 * statements of a hot path. The first run parses and describes it; each run binds and executes it. Runs hold
 * both of PGlite's locks, as `query` does, so none lands inside another caller's transaction.
 */
function preparePglite<T>(db: PGlite, name: string, sql: string): Prepared<T> {
  const { serialize } = protocol;
  let described: Promise<{ paramTypes: number[]; rowDescription: unknown }> | undefined;
  const exclusive = <R>(fn: () => Promise<R>) => db._runExclusiveTransaction(() => db._runExclusiveQuery(fn));
  const describe = async () => {
    const { messages } = await db.execProtocol(
      concat(serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync()),
    );
    return {
      paramTypes: parse.parseDescribeStatementResults(messages),
      rowDescription: messages.find((m) => m.name === 'rowDescription'),
    };
  };
  return (params) =>
    exclusive(async () => {
      described ??= describe().catch((error: unknown) => {
        described = undefined;
        throw error;
      });
      const { paramTypes, rowDescription } = await described;
      const values = params.map((value, i) => {
        if (value === null || value === undefined) return null;
        const toText = db.serializers[paramTypes[i] ?? 0];
        return toText ? toText(value) : String(value);
      });
      const { messages } = await db.execProtocol(bindAndExecute(name, values));
      // The rows' description came with the statement's; the results parser reads it before the rows.
      const withFields = rowDescription ? [rowDescription, ...messages] : messages;
      return (parse.parseResults(withFields as typeof messages, db.parsers)[0]?.rows ?? []) as T[];
    });
}

/** Execute (unnamed portal, all rows) and Sync, the same bytes after every Bind. */
const EXECUTE_SYNC = Buffer.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0x53, 0, 0, 0, 4]);

/**
 * Bind (text parameters, text results) + Execute + Sync for a prepared statement, written with Buffer's
 * native UTF-8 length and encoder: PGlite's own writer measures every string character by character in
 * JavaScript, which made an answer's text (kilobytes, saved at every finish) cost more than its statement.
 * @see https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
function bindAndExecute(statement: string, values: readonly (string | null)[]): Buffer {
  let size = 1 + 4 + 1 + Buffer.byteLength(statement) + 1 + 2 + 2 + 2;
  const lengths = values.map((v) => (v === null ? -1 : Buffer.byteLength(v)));
  for (const n of lengths) size += 4 + Math.max(0, n);
  const out = Buffer.allocUnsafe(size + EXECUTE_SYNC.length);
  let at = 0;
  out[at++] = 0x42; // 'B'
  out.writeInt32BE(size - 1, at);
  at += 4;
  out[at++] = 0; // the unnamed portal
  at += out.write(statement, at);
  out[at++] = 0;
  out.writeInt16BE(0, at); // every parameter in text format
  at += 2;
  out.writeInt16BE(values.length, at);
  at += 2;
  values.forEach((value, i) => {
    const n = lengths[i] as number;
    out.writeInt32BE(n, at);
    at += 4;
    if (value !== null) at += out.write(value, at);
  });
  out.writeInt16BE(0, at); // every result column in text format
  at += 2;
  EXECUTE_SYNC.copy(out, at);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
