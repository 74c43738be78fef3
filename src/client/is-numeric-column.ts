import type { ColumnType } from '../protocol/index.js';

/** Columns whose values are numbers, shown aligned on the right (the page and the terminal alike). */
export function isNumericColumn(type: ColumnType): boolean {
  return type === 'integer' || type === 'number' || type === 'money';
}
