import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import { type Phrases, phrasesFor } from './phrases.js';

interface ShownTable {
  shown: boolean;
  reason?: string;
  title?: string;
  rows_shown?: number;
  rows_matching?: number;
  first_rows?: Record<string, unknown>[];
}

/** The local model's words after its table was shown: what it holds, led by its first row. */
export function describeTableResult(prompt: LanguageModelV3Prompt, say: Phrases = phrasesFor('en')): string {
  const tool = prompt.at(-1);
  const result = tool?.role === 'tool' ? tool.content.find((p) => p.type === 'tool-result') : undefined;
  const call = findCall(prompt, result?.toolCallId);
  if (!result || result.output.type === 'error-text' || result.output.type === 'error-json')
    return say.tableFailed;
  const value = (result.output.type === 'json' ? result.output.value : {}) as unknown as ShownTable;
  if (!value.shown) return say.tableNotShown(value.reason ?? 'it was not allowed');
  const rows = value.rows_shown ?? 0;
  if (rows === 0) return say.noRows(String(value.title));
  const sort = call?.sort as { column?: string; direction?: string } | undefined;
  const parts = [
    say.tableShows(String(value.title), rows, value.rows_matching ?? rows) +
      (sort?.column ? say.sortedBy(sort.column.replaceAll('_', ' '), sort.direction === 'asc') : '') +
      say.stop,
  ];
  const first = value.first_rows?.[0];
  if (first) {
    const label = first.name ?? first.product ?? first[String(call?.group_by)] ?? Object.values(first)[0];
    parts.push(
      sort?.column && sort.column in first
        ? say.firstIs(String(label), sort.column.replaceAll('_', ' '), String(first[sort.column]))
        : say.firstIs(String(label)),
    );
  }
  return parts.join(' ');
}

function findCall(
  prompt: LanguageModelV3Prompt,
  id: string | undefined,
): Record<string, unknown> | undefined {
  for (const message of prompt) {
    if (message.role !== 'assistant') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call' && part.toolCallId === id) return part.input as Record<string, unknown>;
    }
  }
  return undefined;
}
