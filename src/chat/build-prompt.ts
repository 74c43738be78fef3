import type { LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { HistoryTurn } from '../store/index.js';

/** The model's input: the system prompt, then every turn oldest first (the current question last). */
export function buildPrompt(
  system: string | undefined,
  turns: readonly HistoryTurn[],
): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Prompt = [];
  if (system?.trim()) prompt.push({ role: 'system', content: system });
  for (const turn of turns) prompt.push({ role: turn.role, content: [{ type: 'text', text: turn.content }] });
  return prompt;
}
