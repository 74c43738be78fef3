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
  {
    version: 3,
    name: 'documents and chunks with full-text search',
    sql: `
      create table documents (
        id text primary key,
        seq bigint generated always as identity unique,
        title text not null,
        filename text not null,
        media_type text not null,
        size_bytes bigint not null,
        sha256 text not null unique,
        chunk_count integer not null,
        created_at timestamptz not null default now()
      );
      create table chunks (
        id text primary key,
        document_id text not null references documents(id) on delete cascade,
        seq integer not null,
        heading text,
        content text not null,
        tsv tsvector generated always as (to_tsvector('english', coalesce(heading, '') || ' ' || content)) stored
      );
      create index chunks_tsv on chunks using gin (tsv);
      create index chunks_document_seq on chunks (document_id, seq);
      alter table messages add column sources jsonb not null default '[]'::jsonb
    `,
  },
  {
    version: 4,
    name: 'runs with leases; interrupted messages',
    sql: `
      create table runs (
        id text primary key,
        conversation_id text not null references conversations(id) on delete cascade,
        message_id text not null,
        status text not null check (status in ('running', 'done', 'failed', 'cancelled', 'interrupted')),
        instance_id text not null,
        lease_until timestamptz not null,
        last_event_id integer,
        created_at timestamptz not null default now(),
        finished_at timestamptz
      );
      create index runs_running_lease on runs (lease_until) where status = 'running';
      create index runs_conversation on runs (conversation_id, created_at);
      alter table messages drop constraint messages_status_check;
      alter table messages add constraint messages_status_check
        check (status in ('streaming', 'complete', 'cancelled', 'failed', 'interrupted'))
    `,
  },
  {
    version: 5,
    name: 'legacy Socket.IO sessions',
    sql: `
      create table legacy_sessions (
        id text primary key,
        conversation_id text not null references conversations(id) on delete cascade,
        created_at timestamptz not null default now()
      );
      create index legacy_sessions_conversation on legacy_sessions (conversation_id)
    `,
  },
  {
    version: 6,
    name: 'owners of conversations, documents, runs and sessions; API keys',
    sql: `
      alter table conversations add column user_id text not null default 'local';
      create index conversations_user_seq on conversations (user_id, seq);
      alter table documents add column user_id text not null default 'local';
      alter table documents drop constraint documents_sha256_key;
      alter table documents add constraint documents_user_sha256 unique (user_id, sha256);
      alter table runs add column user_id text not null default 'local';
      create index runs_user_running on runs (user_id) where status = 'running';
      alter table legacy_sessions add column user_id text not null default 'local';
      alter table legacy_sessions drop constraint legacy_sessions_pkey;
      alter table legacy_sessions add primary key (user_id, id);
      create table api_keys (
        id text primary key,
        user_id text not null,
        name text not null,
        prefix text not null,
        hash text not null unique,
        created_at timestamptz not null default now(),
        revoked_at timestamptz
      )
    `,
  },
  {
    version: 7,
    name: 'run slots per user, counted; fewer indexes on the hot path',
    sql: `
      create table user_runs (
        user_id text primary key,
        running integer not null default 0 check (running >= 0),
        last_grant integer not null default 0
      );
      insert into user_runs (user_id, running)
        select user_id, count(*)::int from runs where status = 'running' group by user_id;
      drop index runs_user_running;
      alter table conversations drop constraint conversations_seq_key;
      alter table messages drop constraint messages_seq_key
    `,
  },
  {
    version: 8,
    name: 'documents searched in their own language; identifiers split into words; chunks keep their PDF page',
    // `telescope.aperture_mm` and `focalLength` are one token each to the text-search parser: split into
    // words (dots and underscores between letters, lower-to-upper case changes), a question about "the aperture
    // of the telescope" finds them. Numbers keep their dots (0.5). The stored column is computed again for
    // the chunks already there. Each chunk is indexed with its document's text-search configuration (its
    // language's stemmer and stopwords), and searched with it. Chinese and Japanese chunks carry their text
    // segmented into words (search_text), which is what they are indexed by.
    sql: `
      create function search_words(t text) returns text language sql immutable parallel safe
        return regexp_replace(regexp_replace(t, '([[:alpha:]])[._]+(?=[[:alpha:]])', '\\1 ', 'g'),
                              '([[:lower:]])([[:upper:]])', '\\1 \\2', 'g');
      alter table documents add column language text;
      alter table chunks add column config regconfig not null default 'english';
      alter table chunks add column search_text text;
      alter table chunks drop column tsv;
      alter table chunks add column tsv tsvector generated always as
        (to_tsvector(config, search_words(coalesce(search_text, coalesce(heading, '') || ' ' || content)))) stored;
      create index chunks_tsv on chunks using gin (tsv);
      alter table chunks add column page integer
    `,
  },
  {
    version: 9,
    name: 'stored responses of the OpenAI Responses API',
    // A response keeps the items it added to its thread: the request's input and the model's output, in the
    // Responses API's own shape. previous_response_id links the thread; a thread is read back by following it.
    sql: `
      create table responses (
        id text primary key,
        user_id text not null,
        previous_response_id text references responses(id) on delete set null,
        model text not null,
        items jsonb not null,
        created_at timestamptz not null default now()
      );
      create index responses_user on responses (user_id, created_at)
    `,
  },
  {
    version: 10,
    name: "answers' text stored uncompressed",
    // An answer is written whole at its end (and at every checkpoint): compressing kilobytes of text with
    // pglz each time cost more than the rest of the statement (about 100 µs per 8 KB on PGlite, in its
    // WebAssembly). Long values still move out of line (TOAST), only without compression.
    sql: `
      alter table messages alter column content set storage external;
      alter table messages alter column components set storage external;
      alter table messages alter column sources set storage external
    `,
  },
  {
    version: 11,
    name: 'room on every page of messages for the new versions of running answers',
    // Every checkpoint rewrites each running answer. With pages filled to the brim, the new version goes to
    // another page (a full update of the index too) and the old pages keep the dead ones: 10 000 running
    // answers grew the table to 77 MB in 30 checkpoints on PGlite, each taking 464 ms. With a fifth of every
    // page left free, nearly all become in-page (HOT) updates: 12 MB and 171 ms (at 2 000: 85 → 42 ms).
    sql: `alter table messages set (fillfactor = 80)`,
  },
  {
    version: 12,
    name: 'stored responses keep the Response object',
    // `GET /v1/responses/{id}` answers the Response as it was created (status, usage, the request's echoed
    // fields), and `…/input_items` the items of its input: the first input_count of its items. Responses
    // stored before this keep null in both and are read back from their items.
    sql: `
      alter table responses add column response jsonb;
      alter table responses add column input_count integer
    `,
  },
];

/**
 * Vector storage, created only where pgvector is available (always in PGlite with the extension loaded;
 * on PostgreSQL when it is installed). Dimensions are free: different embedding models can coexist, and
 * queries only compare vectors of the configured model.
 */
export async function ensureVectorStore(db: Database): Promise<boolean> {
  try {
    await db.exec(`create extension if not exists vector;
      create table if not exists chunk_embeddings (
        chunk_id text primary key references chunks(id) on delete cascade,
        model text not null,
        embedding vector not null
      )`);
    return true;
  } catch {
    return false;
  }
}

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
