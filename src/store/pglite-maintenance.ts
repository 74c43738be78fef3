import type { Queryable } from './database.js';

/** How often the statistics are looked at: one small query. */
export const MAINTENANCE_INTERVAL_MS = 2_000;

interface TableActivity {
  relname: string;
  n_live_tup: number;
  n_dead_tup: number;
  n_mod_since_analyze: number;
}

/**
 * The statistics maintenance gathers: a sample of 3 000 rows (PostgreSQL's default takes 30 000), for this
 * transaction only. They decide plans of key lookups and small joins, for which that is plenty; the default
 * sample held PGlite's thread for 190–250 ms per `analyze messages` at 50 000 messages, every few seconds
 * under load (a tenth of the rows change fast), and 7 against 58 ms at 60 000 rows alone.
 */
const LIGHT_STATISTICS = 'set local default_statistics_target = 10';

/**
 * What autovacuum does on PostgreSQL, for PGlite, which runs none: a table whose rows changed by a tenth
 * since it was last analyzed is analyzed, one with dead row versions for a fifth of its live ones is vacuumed
 * (PostgreSQL's default thresholds). Analyzing matters most: the hot statements are prepared with generic
 * plans, made at their first run, often on empty tables (a sequential scan is cheapest there), and only
 * new statistics make PostgreSQL plan them again. Without it, saving the text of 8 000 running answers took
 * 26 s instead of 0.1 s (each of its statements scanning the whole table). Vacuuming gives dead versions'
 * space back to new rows instead of growing the files, which an in-memory database holds in this process.
 */
export class PgliteMaintenance {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<string[]> | undefined;

  constructor(private readonly db: Queryable & { exec(sql: string): Promise<void> }) {}

  start(intervalMs = MAINTENANCE_INTERVAL_MS): void {
    this.#timer ??= setInterval(() => void this.run().catch(() => {}), intervalMs);
    // Maintenance must not keep a process alive that is otherwise done.
    this.#timer.unref();
  }

  /** Stops the timer and waits for a pass still going (so the database can close after it). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  /** One pass: the statements it ran (`analyze messages`, `vacuum (analyze) runs`…), none when all is fresh. */
  run(): Promise<string[]> {
    this.#running ??= this.#pass().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #pass(): Promise<string[]> {
    // The counters reach the statistics view at most once a second, unless asked for now.
    await this.db.query('select pg_stat_force_next_flush()');
    const tables = await this.db.query<TableActivity>(
      `select relname, n_live_tup::float8 as n_live_tup, n_dead_tup::float8 as n_dead_tup,
              n_mod_since_analyze::float8 as n_mod_since_analyze
       from pg_stat_user_tables where schemaname = current_schema()`,
    );
    const ran: string[] = [];
    for (const t of tables) {
      if (!/^[a-z_][a-z0-9_]*$/.test(t.relname)) continue;
      const analyze = t.n_mod_since_analyze > 50 + 0.1 * t.n_live_tup;
      const vacuum = t.n_dead_tup > 50 + 0.2 * t.n_live_tup;
      if (!analyze && !vacuum) continue;
      if (vacuum) await this.db.exec(`vacuum ${t.relname}`);
      if (analyze) await this.db.exec(`begin; ${LIGHT_STATISTICS}; analyze ${t.relname}; commit`);
      ran.push(vacuum ? `vacuum${analyze ? ' (analyze)' : ''} ${t.relname}` : `analyze ${t.relname}`);
    }
    return ran;
  }
}
