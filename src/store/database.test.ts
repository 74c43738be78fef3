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

describe('prepared statements on PGlite', () => {
  it('carry text parameters byte for byte: multi-byte characters, quotes, empty strings, nulls, long text', async () => {
    const db = await openDatabase({ engine: 'pglite' });
    try {
      const echo = db.prepare<{
        a: string | null;
        b: string | null;
        c: string | null;
        n: number;
        arr: string[];
      }>(
        'echo_params',
        'select $1::text as a, $2::text as b, $3::text as c, length($4::text) as n, $5::text[] as arr',
      );
      const long = 'é日😀'.repeat(10_000);
      const rows = await echo(['héllo 日本 😀 "q" \\ \n', null, '', long, ['a"b', 'c\\d', '', '☃']]);
      expect(rows).toEqual([
        { a: 'héllo 日本 😀 "q" \\ \n', b: null, c: '', n: 30_000, arr: ['a"b', 'c\\d', '', '☃'] },
      ]);
      // The same statement again, bound anew.
      expect((await echo(['x', 'y', 'z', '', []]))[0]).toMatchObject({ a: 'x', b: 'y', c: 'z', n: 0 });
    } finally {
      await db.close();
    }
  });
});
