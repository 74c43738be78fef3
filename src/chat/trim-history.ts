import { countTokens } from 'gpt-tokenizer';
import type { HistoryTurn } from '../store/index.js';

/** Tokens a chat message costs beyond its text (role and separators), as OpenAI documents for its models. */
const PER_MESSAGE_TOKENS = 4;

/** Tokens of one message, counted with the o200k tokenizer (GPT-4o's); other models' counts are close. */
export function messageTokens(text: string): number {
  return countTokens(text) + PER_MESSAGE_TOKENS;
}

/** System prompts seen lately and their token counts: the same few prompts open every run. */
const systemTokens = new Map<string, number>();
const SYSTEM_PROMPTS_KEPT = 64;

/** `messageTokens` of a system prompt, counted once per distinct prompt (the oldest of many is forgotten). */
export function systemPromptTokens(system: string): number {
  let n = systemTokens.get(system);
  if (n === undefined) {
    n = messageTokens(system);
    if (systemTokens.size >= SYSTEM_PROMPTS_KEPT)
      systemTokens.delete(systemTokens.keys().next().value as string);
    systemTokens.set(system, n);
  }
  return n;
}

/**
 * The turns that fit `budget` tokens together with the system prompt: the newest turn always, then earlier
 * ones newest to oldest while they fit. The result never starts with an assistant turn (providers want
 * a conversation to open with the user).
 */
export function trimHistory(
  system: string,
  turns: readonly HistoryTurn[],
  budget: number,
): { turns: HistoryTurn[]; dropped: number; tokens: number } {
  let used = systemPromptTokens(system);
  let first = turns.length;
  for (let i = turns.length - 1; i >= 0; i--) {
    const cost = messageTokens(turns[i]?.content ?? '');
    if (i < turns.length - 1 && used + cost > budget) break;
    used += cost;
    first = i;
  }
  while (first < turns.length - 1 && turns[first]?.role === 'assistant') {
    used -= messageTokens(turns[first]?.content ?? '');
    first++;
  }
  return { turns: turns.slice(first), dropped: first, tokens: used };
}
