import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ComponentEvent, Row } from './index.js';
import { mergeComponents } from './merge-components.js';

const columns = [
  { key: 'name', label: 'Name', type: 'string' as const },
  { key: 'n', label: 'N', type: 'integer' as const },
];
const rowArb = fc.record({ name: fc.string(), n: fc.integer() });

/** Cuts `rows` into consecutive chunks at the given cut points. */
function split(rows: Row[], cuts: number[]): Row[][] {
  const points = [...new Set(cuts.map((c) => c % (rows.length + 1)))].sort((a, b) => a - b);
  const chunks: Row[][] = [];
  let from = 0;
  for (const p of [...points, rows.length]) {
    chunks.push(rows.slice(from, p));
    from = p;
  }
  return chunks.filter((c) => c.length > 0);
}

describe('mergeComponents', () => {
  it('merges any split of a table’s rows into events to the same table', () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (rows, cuts) => {
          const events: ComponentEvent[] = [
            { type: 'component', op: 'create', id: 't', kind: 'table', title: 'T', columns },
            ...split(rows, cuts).map((chunk) => ({
              type: 'component' as const,
              op: 'rows' as const,
              id: 't',
              kind: 'table' as const,
              rows: chunk,
            })),
            { type: 'component', op: 'complete', id: 't', kind: 'table', row_count: rows.length },
          ];
          expect(mergeComponents(events)).toEqual([
            { id: 't', kind: 'table', title: 'T', status: 'complete', data: {}, columns, rows },
          ]);
        },
      ),
    );
  });

  it('applies updates as shallow merges, in order', () => {
    const patch = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.oneof(fc.integer(), fc.string()));
    fc.assert(
      fc.property(fc.array(patch, { maxLength: 12 }), (patches) => {
        const events: ComponentEvent[] = [
          { type: 'component', op: 'create', id: 'card', kind: 'simple', title: 'Card' },
          ...patches.map((data) => ({
            type: 'component' as const,
            op: 'update' as const,
            id: 'card',
            kind: 'simple' as const,
            data,
          })),
        ];
        const [state] = mergeComponents(events);
        expect(state?.data).toEqual(Object.assign({}, ...patches));
        expect(state?.status).toBe('loading');
      }),
    );
  });

  it('keeps components in creation order, interleaved or not, and ignores anything after complete', () => {
    const states = mergeComponents([
      { type: 'component', op: 'create', id: 'b', kind: 'simple', title: 'B' },
      { type: 'component', op: 'create', id: 'a', kind: 'table', title: 'A', columns },
      { type: 'component', op: 'rows', id: 'a', kind: 'table', rows: [{ name: 'x', n: 1 }] },
      { type: 'component', op: 'update', id: 'b', kind: 'simple', data: { k: 1 } },
      { type: 'component', op: 'complete', id: 'b', kind: 'simple' },
      { type: 'component', op: 'update', id: 'b', kind: 'simple', data: { k: 2 } },
      { type: 'component', op: 'rows', id: 'nobody', kind: 'table', rows: [{ name: 'y', n: 2 }] },
    ]);
    expect(states.map((s) => [s.id, s.status, s.data, s.rows.length])).toEqual([
      ['b', 'complete', { k: 1 }, 0],
      ['a', 'loading', {}, 1],
    ]);
  });
});
