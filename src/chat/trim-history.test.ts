import { describe, expect, it } from 'vitest';
import type { HistoryTurn } from '../store/index.js';
import { messageTokens, systemPromptTokens, trimHistory } from './trim-history.js';

const turn = (role: HistoryTurn['role'], words: number, tag: string): HistoryTurn => ({
  role,
  content: `${tag} ${'word '.repeat(words)}`.trim(),
});

describe('trimHistory', () => {
  const turns: HistoryTurn[] = [
    turn('user', 100, 'u1'),
    turn('assistant', 100, 'a1'),
    turn('user', 100, 'u2'),
    turn('assistant', 100, 'a2'),
    turn('user', 10, 'u3'),
  ];

  it('keeps everything that fits', () => {
    expect(trimHistory('sys', turns, 10_000)).toMatchObject({ turns, dropped: 0 });
  });

  it('drops the oldest turns first, keeps the system prompt budgeted, and never opens with an assistant turn', () => {
    const system = 'You are helpful.';
    const last3 = turns.slice(2).reduce((n, t) => n + messageTokens(t.content), messageTokens(system));
    const result = trimHistory(system, turns, last3 + 5);
    expect(result.turns.map((t) => t.content.split(' ')[0])).toEqual(['u2', 'a2', 'u3']);
    expect(result.dropped).toBe(2);
    expect(result.tokens).toBeLessThanOrEqual(last3 + 5);

    // One token less than u2 needs: u2 goes, and a2 may not open the conversation.
    const tight = trimHistory(system, turns, last3 - 1);
    expect(tight.turns.map((t) => t.content.split(' ')[0])).toEqual(['u3']);
  });

  it('always keeps the newest turn, even over budget', () => {
    expect(trimHistory('sys', [turn('user', 500, 'big')], 10).turns).toHaveLength(1);
  });

  it('counts with a real tokenizer', () => {
    expect(messageTokens('hello world')).toBe(2 + 4);
  });

  it('counts a system prompt as any message, also when it was counted before or many others came between', () => {
    const prompts = Array.from(
      { length: 100 },
      (_, i) => `You are assistant number ${i}. ${'Be brief. '.repeat(i)}`,
    );
    for (const round of [1, 2])
      for (const prompt of prompts)
        expect(systemPromptTokens(prompt), `round ${round}`).toBe(messageTokens(prompt));
  });
});
