import { describe, expect, it } from 'vitest';
import { queryTable, sampleRows, TABLE_NAMES, TableQueryError, TABLE_SCHEMAS } from './index.js';

describe('sample tables', () => {
  it('ship a few hundred deterministic rows each, every column filled with its type', () => {
    for (const name of TABLE_NAMES) {
      const rows = sampleRows(name);
      expect(rows.length).toBeGreaterThanOrEqual(200);
      expect(rows.length).toBeLessThanOrEqual(500);
      for (const column of TABLE_SCHEMAS[name].columns) {
        for (const row of rows) {
          const v = row[column.key];
          if (column.type === 'money' || column.type === 'number' || column.type === 'integer')
            expect(typeof v).toBe('number');
          else if (column.type === 'date') expect(v).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          else if (column.type === 'boolean') expect(typeof v).toBe('boolean');
          else expect(typeof v).toBe('string');
        }
      }
    }
    // Deterministic: the seeded generator gives these rows on every machine and every start.
    expect(sampleRows('sales')[0]).toEqual({
      order_id: 'SO-10079',
      date: '2025-01-03',
      region: 'Asia Pacific',
      country: 'Singapore',
      product: 'The Streaming Mind One',
      category: 'Books',
      quantity: 1,
      unit_price: 44.45,
      revenue: 44.45,
    });
    expect(sampleRows('users')[0]).toMatchObject({
      user_id: 'U-0001',
      name: 'Jonas Tanaka',
      country: 'Germany',
    });
    expect(new Set(sampleRows('users').map((u) => u.user_id)).size).toBe(sampleRows('users').length);
  });
});

describe('queryTable', () => {
  it('filters case-insensitively, sorts and limits', () => {
    const result = queryTable({
      schema: 'products',
      filter: [{ column: 'category', op: 'eq', value: 'electronics' }],
      sort: { column: 'price', direction: 'desc' },
      limit: 5,
    });
    expect(result.rows).toHaveLength(5);
    expect(result.rows.every((r) => r.category === 'Electronics')).toBe(true);
    const prices = result.rows.map((r) => Number(r.price));
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
    expect(result.total).toBe(sampleRows('products').filter((r) => r.category === 'Electronics').length);
  });

  it('groups with counts and sums of the additive columns only', () => {
    const result = queryTable({ schema: 'sales', group_by: 'region' });
    expect(result.columns.map((c) => c.key)).toEqual(['region', 'count', 'quantity', 'revenue']);
    const total = result.rows.reduce((n, r) => n + Number(r.count), 0);
    expect(total).toBe(sampleRows('sales').length);
    const europe = sampleRows('sales').filter((r) => r.region === 'Europe');
    const row = result.rows.find((r) => r.region === 'Europe');
    expect(row?.revenue).toBeCloseTo(
      europe.reduce((n, r) => n + Number(r.revenue), 0),
      1,
    );
  });

  it('names the columns when a query uses one that does not exist', () => {
    expect(() => queryTable({ schema: 'users', sort: { column: 'salary', direction: 'asc' } })).toThrow(
      TableQueryError,
    );
    expect(() => queryTable({ schema: 'users', filter: [{ column: 'age', op: 'gt', value: 3 }] })).toThrow(
      /users has no column "age"; it has user_id, name/,
    );
  });
});
