import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, pgliteTemplate } from './database.js';
import { migrate } from './migrations.js';

describe('PGlite from a template data directory', () => {
  let template: Blob;
  beforeAll(async () => {
    template = await pgliteTemplate();
  });

  it('opens fresh, independent databases that migrate and keep their own rows', async () => {
    const a = await openDatabase({ engine: 'pglite', template });
    const b = await openDatabase({ engine: 'pglite', template });
    try {
      expect(await migrate(a)).not.toHaveLength(0);
      expect(await migrate(b)).not.toHaveLength(0);
      await a.exec(`create table only_in_a (x int); insert into only_in_a values (1)`);
      expect(await a.query('select x from only_in_a')).toEqual([{ x: 1 }]);
      const tables = await b.query<{ n: number }>(
        `select count(*)::int as n from information_schema.tables where table_name = 'only_in_a'`,
      );
      expect(tables).toEqual([{ n: 0 }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('loads pgvector into a database started from the template', async () => {
    const db = await openDatabase({ engine: 'pglite', vector: true, template });
    try {
      await db.exec('create extension if not exists vector');
      expect(await db.query(`select '[1,2]'::vector <-> '[1,2]'::vector as d`)).toEqual([{ d: 0 }]);
    } finally {
      await db.close();
    }
  });
});
