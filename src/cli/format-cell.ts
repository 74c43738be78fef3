import type { ColumnType } from '../protocol/index.js';
import { printableLine } from './printable.js';

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/**
 * A table cell as text: money with two decimals and thousands separators (no currency: the schema does
 * not name one), integers and numbers grouped, booleans as yes/no, an empty cell for null.
 */
export function formatCell(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (type === 'money') return money.format(value);
    if (type === 'integer') return integer.format(value);
    if (type === 'number') return number.format(value);
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return printableLine(typeof value === 'object' ? JSON.stringify(value) : String(value));
}
