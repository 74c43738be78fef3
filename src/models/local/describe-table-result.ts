import type { LanguageModelV3Prompt } from '@ai-sdk/provider';

interface ShownTable {
  shown: boolean;
  reason?: string;
  title?: string;
  rows_shown?: number;
  rows_matching?: number;
  first_rows?: Record<string, unknown>[];
}

/** The local model's words after its table was shown: what it holds, led by its first row. */
export function describeTableResult(prompt: LanguageModelV3Prompt): string {
  const tool = prompt.at(-1);
  const result = tool?.role === 'tool' ? tool.content.find((p) => p.type === 'tool-result') : undefined;
  const call = findCall(prompt, result?.toolCallId);
  if (!result || result.output.type === 'error-text' || result.output.type === 'error-json') {
    return 'I could not build that table. Try naming sales, users or products, a filter such as a country, and a sort.';
  }
  const value = (result.output.type === 'json' ? result.output.value : {}) as unknown as ShownTable;
  if (!value.shown) return `I could not show the table: ${value.reason ?? 'it was not allowed'}`;
  const rows = value.rows_shown ?? 0;
  if (rows === 0) return `No rows match "${value.title}".`;
  const sort = call?.sort as { column?: string; direction?: string } | undefined;
  const parts = [
    `The table "${value.title}" shows ${rows} of ${value.rows_matching ?? rows} matching rows` +
      (sort?.column
        ? `, sorted by ${sort.column.replaceAll('_', ' ')} (${sort.direction === 'asc' ? 'lowest' : 'highest'} first).`
        : '.'),
  ];
  const first = value.first_rows?.[0];
  if (first) {
    const label = first.name ?? first.product ?? first[String(call?.group_by)] ?? Object.values(first)[0];
    const detail =
      sort?.column && sort.column in first
        ? ` with ${sort.column.replaceAll('_', ' ')} ${first[sort.column]}`
        : '';
    parts.push(`First is ${String(label)}${detail}.`);
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
