import { describe, expect, it } from 'vitest';
import { parseTableRequest } from './parse-table-request.js';

describe('parseTableRequest', () => {
  it.each([
    [
      'top 10 products by price',
      { schema: 'products', sort: { column: 'price', direction: 'desc' }, limit: 10 },
    ],
    [
      'Show me the 3 cheapest products',
      { schema: 'products', sort: { column: 'price', direction: 'asc' }, limit: 3 },
    ],
    ['users in Germany', { schema: 'users', filter: [{ column: 'country', op: 'eq', value: 'Germany' }] }],
    [
      'sales by region',
      { schema: 'sales', group_by: 'region', sort: { column: 'revenue', direction: 'desc' } },
    ],
    [
      'revenue by country',
      { schema: 'sales', group_by: 'country', sort: { column: 'revenue', direction: 'desc' } },
    ],
    [
      'cheapest electronics under $50',
      {
        schema: 'products',
        filter: [
          { column: 'category', op: 'eq', value: 'Electronics' },
          { column: 'price', op: 'lt', value: 50 },
        ],
        sort: { column: 'price', direction: 'asc' },
      },
    ],
    [
      'list active Pro users in the United Kingdom',
      {
        schema: 'users',
        filter: [
          { column: 'country', op: 'eq', value: 'United Kingdom' },
          { column: 'plan', op: 'eq', value: 'Pro' },
          { column: 'active', op: 'eq', value: true },
        ],
      },
    ],
    ['5 newest users', { schema: 'users', sort: { column: 'signup_date', direction: 'desc' }, limit: 5 }],
    ['orders from Japan', { schema: 'sales', filter: [{ column: 'country', op: 'eq', value: 'Japan' }] }],
  ])('%s', (text, query) => {
    expect(parseTableRequest(text)).toEqual(query);
  });

  it.each([
    'How do I cancel a generation?',
    'How are users isolated?',
    'What is the price of streaming?',
    'hello',
  ])('asks for no table: %s', (text) => {
    expect(parseTableRequest(text)).toBeUndefined();
  });
});
