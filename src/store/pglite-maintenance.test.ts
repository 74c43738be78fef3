import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageId } from '../protocol/index.js';
import { type Database, openDatabase } from './database.js';
import { MessageStore } from './message-store.js';
import { migrate } from './migrations.js';
import { PgliteMaintenance } from './pglite-maintenance.js';

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

async function bare() {
  const pglite = await PGlite.create();
  closing.push(() => pglite.close());
  const db = {
    query: async <T>(sql: string, params?: unknown[]) => (await pglite.query<T>(sql, params)).rows,
    exec: async (sql: string) => {
      await pglite.exec(sql);
    },
  };
  return { db, maintenance: new PgliteMaintenance(db) };
}

/** Running answers among their questions, as admissions leave them, in `conversations` conversations. */
async function fill(db: Pick<Database, 'query'>, conversations: number) {
  const ids = Array.from({ length: conversations }, (_, i) => `c${i}`);
  await db.query(`insert into conversations (id, title) select id, 't' from unnest($1::text[]) as v(id)`, [
    ids,
  ]);
  await db.query(
    `insert into messages (id, conversation_id, role, content, status)
     select m.id, v.id, m.role, '', m.status from unnest($1::text[]) as v(id),
       lateral (values ('u' || v.id, 'user', 'complete'), ('a' || v.id, 'assistant', 'streaming'))
         as m(id, role, status)`,
    [ids],
  );
}

describe('PGlite maintenance', () => {
  it('analyzes a table whose rows changed by a tenth, vacuums one with a fifth of dead versions', async () => {
    const { db, maintenance } = await bare();
    await db.exec(`create table t (id int primary key, v text)`);
    await db.query(`insert into t select g, 'x' from generate_series(1, 40) g`);
    // Fewer changes than PostgreSQL's thresholds (50 plus a share of the table): nothing to do.
    expect(await maintenance.run()).toEqual([]);

    await db.query(`insert into t select g, 'x' from generate_series(41, 2000) g`);
    expect(await maintenance.run()).toEqual(['analyze t']);
    expect(await maintenance.run()).toEqual([]);

    await db.query(`update t set v = 'y' where id <= 1000`);
    expect(await maintenance.run()).toEqual(['vacuum (analyze) t']);
    const [after] = await db.query<{ dead: number }>(
      `select n_dead_tup::int as dead from pg_stat_user_tables where relname = 't'`,
    );
    expect(after?.dead).toBe(0);
  });

  it('gathers light statistics (a small sample) in its own transaction, leaving the setting as it was', async () => {
    const { db, maintenance } = await bare();
    await db.exec(`create table t (id int primary key, v int)`);
    await db.query(`insert into t select g, g from generate_series(1, 5000) g`);
    expect(await maintenance.run()).toEqual(['analyze t']);
    const [stats] = await db.query<{ bounds: number }>(
      `select array_length(histogram_bounds::text::int[], 1) as bounds from pg_stats
       where tablename = 't' and attname = 'v'`,
    );
    // A statistics target of 10: at most 11 histogram bounds (PostgreSQL's default of 100 keeps 101).
    expect(stats?.bounds).toBeGreaterThan(1);
    expect(stats?.bounds).toBeLessThanOrEqual(11);
    const [setting] = await db.query<{ target: string }>(
      `select current_setting('default_statistics_target') as target`,
    );
    expect(setting?.target).toBe('100');
  });

  it('replans a statement first run on an empty table once the table has grown', async () => {
    const db = await openDatabase({ engine: 'pglite' });
    closing.push(() => db.close());
    await migrate(db);
    const messages = new MessageStore(db);
    // The generic plan of the checkpoint statement is made now, on an empty table.
    await messages.saveProgress(new Map([['a0' as MessageId, 'x']]));
    const plan = async () =>
      (await db.query<{ 'QUERY PLAN': string }>(`explain (costs off) execute save_progress('{a0}', '{x}')`))
        .map((row) => row['QUERY PLAN'])
        .join('\n');
    expect(await plan()).toMatch(/Seq Scan on messages/);

    await fill(db, 2_000);
    // The server's own maintenance (every couple of seconds) brings the index into the plan.
    const outer = Date.now() + 60_000;
    while (!/Index Scan using messages_pkey/.test(await plan())) {
      if (Date.now() > outer) throw new Error(`still planned as:\n${await plan()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await plan()).not.toMatch(/Seq Scan on messages/);
  });
});
