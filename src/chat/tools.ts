import { setTimeout as delay } from 'node:timers/promises';
import type {
  JSONValue,
  LanguageModelV3FunctionTool,
  LanguageModelV3ToolResultOutput,
} from '@ai-sdk/provider';
import { z } from 'zod';
import { queryTable, tableQuerySchema } from '../tables/index.js';
import type { ComponentStream } from './component-stream.js';

/** The input of `show_card`. */
export const cardInputSchema = z.object({
  title: z.string().min(1).max(200),
  fields: z
    .array(
      z.object({ label: z.string().min(1).max(100), value: z.union([z.string(), z.number(), z.boolean()]) }),
    )
    .max(50)
    .describe('The card fields, in display order'),
});

/** Tools every model is offered: each shows a component in the answer. */
export const COMPONENT_TOOLS: LanguageModelV3FunctionTool[] = [
  {
    type: 'function',
    name: 'show_table',
    description:
      'Show the user a table from a sample dataset (sales, users or products), filled row by row in the answer. ' +
      'Use it when the user asks to see, list or compare records. Then continue your answer in text.',
    inputSchema: z.toJSONSchema(tableQuerySchema, {
      io: 'input',
    }) as LanguageModelV3FunctionTool['inputSchema'],
  },
  {
    type: 'function',
    name: 'show_card',
    description: 'Show the user a card with a title and labelled fields, e.g. a summary or a profile.',
    inputSchema: z.toJSONSchema(cardInputSchema, {
      io: 'input',
    }) as LanguageModelV3FunctionTool['inputSchema'],
  },
];

export interface ToolCall {
  toolCallId: string;
  toolName: string;
  /** JSON text, as models send it. */
  input: string;
}

export interface ToolContext {
  components: ComponentStream;
  /** Pause between table rows, so a client sees them arrive. */
  rowDelayMs: number;
  signal: AbortSignal;
}

/** Runs one tool call: streams its component and returns the short result the model continues from. */
export async function runTool(call: ToolCall, ctx: ToolContext): Promise<LanguageModelV3ToolResultOutput> {
  let input: unknown;
  try {
    input = JSON.parse(call.input || '{}');
  } catch {
    return { type: 'error-text', value: 'The tool input was not valid JSON.' };
  }
  if (call.toolName === 'show_table') return showTable(input, ctx);
  if (call.toolName === 'show_card') return showCard(input, ctx);
  return { type: 'error-text', value: `There is no tool "${call.toolName}".` };
}

async function showTable(input: unknown, ctx: ToolContext): Promise<LanguageModelV3ToolResultOutput> {
  const query = tableQuerySchema.safeParse(input);
  if (!query.success)
    return { type: 'error-text', value: `Invalid show_table input: ${z.prettifyError(query.error)}` };
  let result: ReturnType<typeof queryTable>;
  try {
    result = queryTable(query.data);
  } catch (error) {
    return { type: 'error-text', value: error instanceof Error ? error.message : 'The query failed.' };
  }
  const id = ctx.components.nextId('table');
  if (!ctx.components.create(id, 'table', result.title, result.columns)) {
    return {
      type: 'json',
      value: { shown: false, reason: 'The answer already shows the most components allowed.' },
    };
  }
  for (const row of result.rows) {
    if (ctx.signal.aborted) break;
    ctx.components.rows(id, [row]);
    if (ctx.rowDelayMs > 0) await pause(ctx.rowDelayMs, ctx.signal);
  }
  ctx.components.complete(id, result.rows.length);
  return {
    type: 'json',
    value: {
      shown: true,
      title: result.title,
      rows_shown: result.rows.length,
      rows_matching: result.total,
      columns: result.columns.map((c) => c.key),
      first_rows: result.rows.slice(0, 5),
    } as JSONValue,
  };
}

async function showCard(input: unknown, ctx: ToolContext): Promise<LanguageModelV3ToolResultOutput> {
  const card = cardInputSchema.safeParse(input);
  if (!card.success)
    return { type: 'error-text', value: `Invalid show_card input: ${z.prettifyError(card.error)}` };
  const id = ctx.components.nextId('simple');
  if (!ctx.components.create(id, 'simple', card.data.title)) {
    return {
      type: 'json',
      value: { shown: false, reason: 'The answer already shows the most components allowed.' },
    };
  }
  for (const field of card.data.fields) {
    if (ctx.signal.aborted) break;
    ctx.components.update(id, { [field.label]: field.value });
    if (ctx.rowDelayMs > 0) await pause(ctx.rowDelayMs, ctx.signal);
  }
  ctx.components.complete(id);
  return { type: 'json', value: { shown: true, title: card.data.title, fields: card.data.fields.length } };
}

/** Waits `ms`, or less when the run is stopped (the loop then ends). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => {});
}
