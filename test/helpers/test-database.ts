import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import './provided-context.js';
import { type Database, openDatabase, pgliteTemplate } from '../../src/store/index.js';

export type Engine = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL too when DATABASE_URL is set (as `.ci/run` does). */
export const ENGINES: Engine[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

// Every in-memory database starts from a copy of the data directory initdb made once for the whole run
// (test/global-setup.ts), not from an initdb of its own (3.5 s each).
let template: Promise<Blob> | undefined;
async function loadTemplate(): Promise<Blob> {
  const tarball = inject('pgliteTarball');
  return tarball ? new Blob([await readFile(tarball)]) : pgliteTemplate();
}

// Opening PGlite, even from that copy, is still 1.3 s of CPU (starting PostgreSQL inside WebAssembly), and the
// suite opens well over a hundred databases. A database a test has dropped is emptied back to its just-opened
// state (its schema dropped and created again: no table, row, sequence, type or extension of the test is left)
// and given to the next test of the worker. Named prepared statements are kept with their connection;
// PostgreSQL parses and plans them again when the tables they name were created anew.
const idle: { plain: Database[]; vector: Database[] } = { plain: [], vector: [] };

/** A fresh database: in-memory PGlite, or a schema of its own on the PostgreSQL of DATABASE_URL. */
export async function openTestDatabase(
  engine: Engine,
  vector = false,
  /** PostgreSQL at this URL rather than DATABASE_URL's (e.g. through a test's proxy). */
  postgresUrl = process.env.DATABASE_URL,
): Promise<{ db: Database; schema?: string; drop(): Promise<void> }> {
  if (engine === 'pglite') {
    const pool = vector ? idle.vector : idle.plain;
    template ??= loadTemplate();
    const db = pool.pop() ?? (await openDatabase({ engine: 'pglite', vector, template: await template }));
    let dropped = false;
    return {
      db,
      async drop() {
        if (dropped) return;
        dropped = true;
        try {
          await db.exec('drop schema public cascade; create schema public');
        } catch {
          // Closed by the test (or broken by it): not reused.
          await db.close().catch(() => {});
          return;
        }
        pool.push(db);
      },
    };
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
