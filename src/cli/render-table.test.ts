import { describe, expect, it } from 'vitest';
import type { ComponentState } from '../protocol/index.js';
import { displayWidth } from './fit-width.js';
import { formatCell } from './format-cell.js';
import { renderTable } from './render-table.js';

function table(rows: Record<string, unknown>[]): ComponentState {
  return {
    id: 'table-1',
    kind: 'table',
    title: 'Products',
    status: 'complete',
    data: {},
    columns: [
      { key: 'name', label: 'Product', type: 'string' },
      { key: 'category', label: 'Category', type: 'string' },
      { key: 'price', label: 'Price', type: 'money' },
      { key: 'stock', label: 'Stock', type: 'integer' },
      { key: 'rating', label: 'Rating', type: 'number' },
      { key: 'launched', label: 'Launched', type: 'date' },
      { key: 'active', label: 'Active', type: 'boolean' },
    ],
    rows,
  };
}

const rows = [
  {
    name: 'Nimbus 4K Monitor Max',
    category: 'Electronics',
    price: 1874.28,
    stock: 12500,
    rating: 4.5,
    launched: '2019-01-13',
    active: true,
  },
  {
    name: 'Volt Go',
    category: 'Outdoor',
    price: 5,
    stock: 7,
    rating: 3,
    launched: '2024-06-01',
    active: false,
  },
];

describe('formatCell', () => {
  it('formats each column type', () => {
    expect(formatCell(1874.28, 'money')).toBe('1,874.28');
    expect(formatCell(5, 'money')).toBe('5.00');
    expect(formatCell(0.5, 'money')).toBe('0.50');
    expect(formatCell(1234567, 'integer')).toBe('1,234,567');
    expect(formatCell(2.5, 'number')).toBe('2.5');
    expect(formatCell(1 / 3, 'number')).toBe('0.33');
    expect(formatCell(true, 'boolean')).toBe('yes');
    expect(formatCell(false, 'boolean')).toBe('no');
    expect(formatCell('2024-06-01', 'date')).toBe('2024-06-01');
    expect(formatCell(null, 'money')).toBe('');
    expect(formatCell(undefined, 'string')).toBe('');
    expect(formatCell('12.5', 'money')).toBe('12.5'); // not a number: shown as sent
    expect(formatCell({ a: 1 }, 'string')).toBe('{"a":1}');
    expect(formatCell('two\nlines\x1b[2J', 'string')).toBe('two lines [2J');
  });
});

describe('renderTable', () => {
  it('aligns the columns, numbers on the right', () => {
    expect(renderTable(table(rows))).toEqual([
      'Products',
      'Product                Category        Price   Stock  Rating  Launched    Active',
      '---------------------  -----------  --------  ------  ------  ----------  ------',
      'Nimbus 4K Monitor Max  Electronics  1,874.28  12,500     4.5  2019-01-13  yes',
      'Volt Go                Outdoor          5.00       7       3  2024-06-01  no',
    ]);
  });

  it('draws the header alone before the first row', () => {
    expect(renderTable(table([]))).toEqual([
      'Products',
      'Product  Category  Price  Stock  Rating  Launched  Active',
      '-------  --------  -----  -----  ------  --------  ------',
    ]);
  });

  it('narrows the widest text column first to fit the width, cutting cells with an ellipsis', () => {
    const lines = renderTable(table(rows), 75);
    expect(lines).toEqual([
      'Products',
      'Product           Category        Price   Stock  Rating  Launched    Active',
      '----------------  -----------  --------  ------  ------  ----------  ------',
      'Nimbus 4K Monit…  Electronics  1,874.28  12,500     4.5  2019-01-13  yes',
      'Volt Go           Outdoor          5.00       7       3  2024-06-01  no',
    ]);
    expect(Math.max(...lines.map(displayWidth))).toBe(75);
  });

  it('leaves out columns from the right rather than cut a number, and says so', () => {
    const lines = renderTable(table(rows), 40);
    expect(lines).toEqual([
      'Products (3 more columns)',
      'Product     Category       Price   Stock',
      '----------  ----------  --------  ------',
      'Nimbus 4K…  Electroni…  1,874.28  12,500',
      'Volt Go     Outdoor         5.00       7',
    ]);
  });

  it('cuts every line when not even the first column fits', () => {
    const lines = renderTable({ ...table(rows), title: 'A very long title for a narrow screen' }, 8);
    expect(lines.every((l) => displayWidth(l) <= 8)).toBe(true);
    expect(lines[0]).toBe('A very …');
  });
});
