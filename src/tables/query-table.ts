import { z } from 'zod';
import type { Column, Row } from '../protocol/index.js';
import { sampleRows } from './sample-data.js';
import { columnsOf, TABLE_NAMES, TABLE_SCHEMAS, type TableName } from './table-schemas.js';

/** A query on a sample table: the input of the `show_table` tool and what the local model parses. */
export const tableQuerySchema = z
  .object({
    schema: z
      .enum(TABLE_NAMES as [TableName, ...TableName[]])
      .describe('Which table: sales, users or products'),
    filter: z
      .array(
        z.object({
          column: z.string(),
          op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains']).default('eq'),
          value: z.union([z.string(), z.number(), z.boolean()]),
        }),
      )
      .optional()
      .describe('Every condition must hold; strings compare case-insensitively'),
    group_by: z
      .string()
      .optional()
      .describe(
        'Group rows by this column: one row per value, with the count and the sum of money/number columns',
      ),
    sort: z.object({ column: z.string(), direction: z.enum(['asc', 'desc']).default('asc') }).optional(),
    limit: z.number().int().min(1).max(100).default(20).describe('At most this many rows (1 to 100)'),
  })
  .meta({ id: 'TableQuery' });
export type TableQuery = z.input<typeof tableQuerySchema>;

export class TableQueryError extends Error {}

export interface TableResult {
  title: string;
  columns: Column[];
  rows: Row[];
  /** Rows matching before the limit. */
  total: number;
}

/** Runs a query on a sample table. Throws TableQueryError naming an unknown column. */
export function queryTable(input: TableQuery): TableResult {
  const q = tableQuerySchema.parse(input);
  let columns = columnsOf(q.schema);
  const known = (name: string) => {
    if (!columns.some((c) => c.key === name)) {
      throw new TableQueryError(
        `${q.schema} has no column "${name}"; it has ${columns.map((c) => c.key).join(', ')}`,
      );
    }
  };
  for (const f of q.filter ?? []) known(f.column);
  let rows = sampleRows(q.schema).filter((row) =>
    (q.filter ?? []).every((f) => matches(row[f.column], f.op, f.value)),
  );
  if (q.group_by) {
    known(q.group_by);
    const additive: readonly string[] = TABLE_SCHEMAS[q.schema].additive;
    ({ columns, rows } = groupRows(
      columns,
      rows,
      q.group_by,
      columns.filter((c) => additive.includes(c.key) && c.key !== q.group_by),
    ));
  }
  if (q.sort) {
    known(q.sort.column);
    const { column, direction } = q.sort;
    const sign = direction === 'desc' ? -1 : 1;
    rows = [...rows].sort((a, b) => sign * compare(a[column], b[column]));
  }
  return { title: titleOf(q), columns, rows: rows.slice(0, q.limit), total: rows.length };
}

function matches(value: unknown, op: string, wanted: string | number | boolean): boolean {
  if (op === 'contains') return String(value).toLowerCase().includes(String(wanted).toLowerCase());
  const c = compare(value, wanted);
  switch (op) {
    case 'eq':
      return c === 0;
    case 'ne':
      return c !== 0;
    case 'gt':
      return c > 0;
    case 'gte':
      return c >= 0;
    case 'lt':
      return c < 0;
    default:
      return c <= 0;
  }
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean')
    return String(a) === String(b) ? 0 : String(a) < String(b) ? -1 : 1;
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function groupRows(
  columns: Column[],
  rows: Row[],
  by: string,
  summed: Column[],
): { columns: Column[]; rows: Row[] } {
  const groups = new Map<string, Row>();
  for (const row of rows) {
    const key = String(row[by]);
    const group = groups.get(key) ?? {
      [by]: row[by],
      count: 0,
      ...Object.fromEntries(summed.map((c) => [c.key, 0])),
    };
    group.count = Number(group.count) + 1;
    for (const c of summed)
      group[c.key] = Math.round((Number(group[c.key]) + Number(row[c.key])) * 100) / 100;
    groups.set(key, group);
  }
  const byColumn = columns.find((c) => c.key === by) as Column;
  return {
    columns: [
      byColumn,
      { key: 'count', label: 'Count', type: 'integer' },
      ...summed.map((c) => ({ ...c, label: `Total ${c.label.toLowerCase()}` })),
    ],
    rows: [...groups.values()],
  };
}

function titleOf(q: z.infer<typeof tableQuerySchema>): string {
  const base = TABLE_SCHEMAS[q.schema].title;
  const parts: string[] = [q.group_by ? `${base} by ${q.group_by.replaceAll('_', ' ')}` : base];
  for (const f of q.filter ?? []) parts.push(`${f.column.replaceAll('_', ' ')} ${OP_WORDS[f.op]} ${f.value}`);
  if (q.sort) {
    const order = q.sort.direction === 'desc' ? 'highest' : 'lowest';
    parts.push(`${order} ${q.sort.column.replaceAll('_', ' ')} first`);
  }
  return parts.join(', ');
}

const OP_WORDS: Record<string, string> = {
  eq: '=',
  ne: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  contains: 'contains',
};
