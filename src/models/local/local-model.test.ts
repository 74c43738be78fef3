import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { Bm25Index } from './bm25.js';
import { composeAnswer, NO_MATCH_ANSWER } from './compose-answer.js';
import { loadKnowledgeBase, splitMarkdown } from './knowledge-base.js';
import { LocalModel } from './local-model.js';
import { splitTokens } from './text-tokens.js';

const prompt = (text: string) => [{ role: 'user' as const, content: [{ type: 'text' as const, text }] }];

async function readAll(stream: ReadableStream<LanguageModelV3StreamPart>) {
  const parts: LanguageModelV3StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('splitTokens', () => {
  it('gives back the text exactly when joined', () => {
    const text = 'Hello  world,\nthis is [1].\n\nSources:\n[1] x ';
    expect(splitTokens(text).join('')).toBe(text);
    expect(splitTokens('one two three')).toEqual(['one', ' two', ' three']);
  });
});

describe('splitMarkdown', () => {
  it('makes one passage per section, titled by document and heading', () => {
    const passages = splitMarkdown(
      'a.md',
      '# Guide\n\nIntro text.\n\n## Install\n\nRun npm.\n\nThen start.\n',
    );
    expect(passages.map((p) => [p.title, p.text])).toEqual([
      ['Guide', 'Intro text.'],
      ['Guide › Install', 'Run npm.\n\nThen start.'],
    ]);
  });
});

describe('composeAnswer', () => {
  const index = new Bm25Index(loadKnowledgeBase(), (p) => `${p.title}\n${p.text}`);

  it('answers from the shipped documentation with numbered citations and their sources', () => {
    const answer = composeAnswer(index, 'How do I use PostgreSQL instead of the embedded database?');
    expect(answer).toMatch(/DATABASE_URL/);
    const cited = new Set([...(answer ?? '').matchAll(/ \[(\d+)\][.!?]/g)].map((m) => m[1]));
    const listed = new Set([...(answer ?? '').matchAll(/^\[(\d+)\] /gm)].map((m) => m[1]));
    expect(cited.size).toBeGreaterThan(0);
    expect(cited).toEqual(listed);
  });

  it('finds nothing for a question the documentation does not cover', () => {
    expect(composeAnswer(index, 'Who won the football world cup in 1954?')).toBeUndefined();
  });
});

describe('LocalModel', () => {
  const model = new LocalModel({ tokenDelayMs: 0 });

  it('streams its answer token by token and reports the real counts', async () => {
    const { stream } = await model.doStream({ prompt: prompt('How are events numbered in the stream?') });
    const parts = await readAll(stream);
    const deltas = parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : []));
    const finish = parts.find((p) => p.type === 'finish');
    expect(deltas.join('')).toBe(model.answer(prompt('How are events numbered in the stream?')));
    expect(finish?.type === 'finish' && finish.usage.outputTokens.total).toBe(deltas.length);
    expect(finish?.type === 'finish' && finish.usage.inputTokens.total).toBe(7);
  });

  it('says what it can answer when nothing matches', async () => {
    const result = await model.doGenerate({ prompt: prompt('Recipe for lasagne with spinach?') });
    expect(result.content).toEqual([{ type: 'text', text: NO_MATCH_ANSWER }]);
  });

  it('stops streaming when its abort signal fires', async () => {
    const paced = new LocalModel({ tokenDelayMs: 50 });
    const stop = new AbortController();
    const { stream } = await paced.doStream({
      prompt: prompt('What is StreamForge?'),
      abortSignal: stop.signal,
    });
    const reader = stream.getReader();
    let deltas = 0;
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'finished';
        if (value.type === 'text-delta' && ++deltas === 2) stop.abort(new Error('stop'));
      }
    })();
    await expect(reading).rejects.toThrow('stop');
    expect(deltas).toBe(2);
  });
});
