import { randomBytes } from 'node:crypto';
import { type Database, openDatabase, pgliteTemplate } from '../../src/store/index.js';

export type Engine = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL too when DATABASE_URL is set (as `.ci/run` does). */
export const ENGINES: Engine[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

// One initdb per test worker: every in-memory database of the worker starts from a copy of its data directory
// (about 1 s instead of 3.5 s each, over more than a hundred databases in the suite).
let template: Promise<Blob> | undefined;

/** A fresh database: in-memory PGlite, or a schema of its own on the PostgreSQL of DATABASE_URL. */
export async function openTestDatabase(
  engine: Engine,
  vector = false,
  /** PostgreSQL at this URL rather than DATABASE_URL's (e.g. through a test's proxy). */
  postgresUrl = process.env.DATABASE_URL,
): Promise<{ db: Database; schema?: string; drop(): Promise<void> }> {
  if (engine === 'pglite') {
    template ??= pgliteTemplate();
    const db = await openDatabase({ engine: 'pglite', vector, template: await template });
    return { db, drop: () => db.close() };
  }
  const url = postgresUrl;
  if (!url) throw new Error('DATABASE_URL is not set');
  const schema = `sf_test_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ engine: 'postgres', url, schema });
  return {
    db,
    schema,
    async drop() {
      try {
        await db.exec(`drop schema ${schema} cascade`);
      } finally {
        await db.close();
      }
    },
  };
}
