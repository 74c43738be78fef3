import type { Column } from '../protocol/index.js';

/** The predefined tables a component can show, by name. */
export const TABLE_SCHEMAS = {
  sales: {
    title: 'Sales',
    additive: ['revenue', 'quantity'],
    columns: [
      { key: 'order_id', label: 'Order', type: 'string' },
      { key: 'date', label: 'Date', type: 'date' },
      { key: 'region', label: 'Region', type: 'string' },
      { key: 'country', label: 'Country', type: 'string' },
      { key: 'product', label: 'Product', type: 'string' },
      { key: 'category', label: 'Category', type: 'string' },
      { key: 'quantity', label: 'Quantity', type: 'integer' },
      { key: 'unit_price', label: 'Unit price', type: 'money' },
      { key: 'revenue', label: 'Revenue', type: 'money' },
    ],
  },
  users: {
    title: 'Users',
    additive: ['lifetime_value'],
    columns: [
      { key: 'user_id', label: 'User', type: 'string' },
      { key: 'name', label: 'Name', type: 'string' },
      { key: 'email', label: 'Email', type: 'string' },
      { key: 'country', label: 'Country', type: 'string' },
      { key: 'plan', label: 'Plan', type: 'string' },
      { key: 'signup_date', label: 'Signed up', type: 'date' },
      { key: 'active', label: 'Active', type: 'boolean' },
      { key: 'lifetime_value', label: 'Lifetime value', type: 'money' },
    ],
  },
  products: {
    title: 'Products',
    additive: ['stock'],
    columns: [
      { key: 'sku', label: 'SKU', type: 'string' },
      { key: 'name', label: 'Product', type: 'string' },
      { key: 'category', label: 'Category', type: 'string' },
      { key: 'price', label: 'Price', type: 'money' },
      { key: 'stock', label: 'In stock', type: 'integer' },
      { key: 'rating', label: 'Rating', type: 'number' },
      { key: 'launched', label: 'Launched', type: 'date' },
    ],
  },
} as const satisfies Record<
  string,
  {
    title: string;
    /** Columns whose values add up meaningfully (summed when grouping; a price is not). */
    additive: readonly string[];
    columns: readonly Column[];
  }
>;

export type TableName = keyof typeof TABLE_SCHEMAS;
export const TABLE_NAMES = Object.keys(TABLE_SCHEMAS) as TableName[];

export function columnsOf(table: TableName): Column[] {
  return TABLE_SCHEMAS[table].columns.map((c) => ({ ...c }));
}
