import type { Database } from './database.js';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Append-only: a released migration is never edited; a change is a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'conversations and messages',
    sql: `
      create table conversations (
        id text primary key,
        seq bigint generated always as identity unique,
        title text not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create table messages (
        id text primary key,
        seq bigint generated always as identity unique,
        conversation_id text not null references conversations(id) on delete cascade,
        role text not null check (role in ('user', 'assistant', 'system')),
        content text not null,
        status text not null check (status in ('streaming', 'complete', 'cancelled', 'failed')),
        model text,
        run_id text,
        usage jsonb,
        metrics jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index messages_conversation_seq on messages (conversation_id, seq);
    `,
  },
  {
    version: 2,
    name: 'components of assistant messages',
    sql: `alter table messages add column components jsonb not null default '[]'::jsonb`,
  },
];

// Serialises concurrent starts of several instances on one PostgreSQL: only one migrates at a time.
const MIGRATION_LOCK = 7_318_204_551;

/** Brings the schema up to date; returns the versions it applied. */
export async function migrate(db: Database): Promise<number[]> {
  await db.exec(`create table if not exists schema_migrations (
    version integer primary key, name text not null, applied_at timestamptz not null default now())`);
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const rows = await tx.query<{ version: number }>('select version from schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

// Parameterised query APIs take one statement at a time; migrations hold no `;` inside literals.
function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
