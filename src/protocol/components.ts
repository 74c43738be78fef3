import { z } from 'zod';

/** How a table column's values are to be shown. */
export const columnType = z.enum(['string', 'integer', 'number', 'money', 'date', 'boolean']);
export const columnSchema = z
  .object({ key: z.string(), label: z.string(), type: columnType })
  .meta({ id: 'TableColumn' });
export const rowSchema = z.record(z.string(), z.unknown()).describe('Values by column key');

export const componentKind = z.enum(['simple', 'table']);

/**
 * The life of a UI component inside an answer, as `component` events: `create` first (a placeholder a
 * client shows at once), then `update`s (simple: shallow-merged data) or `rows` (table: appended), then
 * `complete`. Nothing follows `complete`. `id` is unique within the message.
 */
export const componentEvent = z
  .discriminatedUnion('op', [
    z.object({
      type: z.literal('component'),
      op: z.literal('create'),
      id: z.string(),
      kind: componentKind,
      title: z.string(),
      columns: z.array(columnSchema).optional().describe('Tables only: the columns, in order'),
    }),
    z.object({
      type: z.literal('component'),
      op: z.literal('update'),
      id: z.string(),
      kind: z.literal('simple'),
      data: z.record(z.string(), z.unknown()).describe('Shallow-merged into the component data'),
    }),
    z.object({
      type: z.literal('component'),
      op: z.literal('rows'),
      id: z.string(),
      kind: z.literal('table'),
      rows: z.array(rowSchema).describe('Appended to the table, in order'),
    }),
    z.object({
      type: z.literal('component'),
      op: z.literal('complete'),
      id: z.string(),
      kind: componentKind,
      row_count: z.number().int().optional().describe('Tables only: rows sent in all'),
    }),
  ])
  .meta({ id: 'ComponentEvent' });

/** A component as it stands after its events: what a client renders and what a message stores. */
export const componentState = z
  .object({
    id: z.string(),
    kind: componentKind,
    title: z.string(),
    status: z.enum(['loading', 'complete']),
    data: z.record(z.string(), z.unknown()).describe('Simple components: the merged data'),
    columns: z.array(columnSchema).describe('Tables: the columns ([] for simple components)'),
    rows: z.array(rowSchema).describe('Tables: every row so far ([] for simple components)'),
  })
  .meta({ id: 'ComponentState' });

export type ColumnType = z.infer<typeof columnType>;
export type Column = z.infer<typeof columnSchema>;
export type Row = z.infer<typeof rowSchema>;
export type ComponentKind = z.infer<typeof componentKind>;
export type ComponentEvent = z.infer<typeof componentEvent>;
export type ComponentState = z.infer<typeof componentState>;
