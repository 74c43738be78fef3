import { describe, expect, it } from 'vitest';
import { seesImages } from './model-capabilities.js';

describe('seesImages', () => {
  it.each([
    ['openai:gpt-4o-mini', 'openai'],
    ['openai:gpt-4.1-nano', 'openai'],
    ['openai:gpt-5', 'openai'],
    ['openai:o3', 'openai'],
    ['openai:o4-mini', 'openai'],
    ['anthropic:claude-3-5-haiku-latest', 'anthropic'],
    ['anthropic:claude-sonnet-4-5', 'anthropic'],
    ['google:gemini-2.5-flash', 'google'],
    ['ollama:llava:13b', 'openai-compatible'],
    ['ollama:llama3.2-vision', 'openai-compatible'],
    ['vllm:Qwen2.5-VL-7B-Instruct', 'openai-compatible'],
    ['ollama:gemma3:4b', 'openai-compatible'],
  ] as const)('knows %s takes images', (id, kind) => {
    expect(seesImages(id, kind, [])).toBe(true);
  });

  it.each([
    ['openai:gpt-3.5-turbo', 'openai'],
    ['openai:o3-mini', 'openai'],
    ['openai:o1-mini', 'openai'],
    ['anthropic:claude-2.1', 'anthropic'],
    ['anthropic:claude-instant-1.2', 'anthropic'],
    ['ollama:llama3.2', 'openai-compatible'],
    ['ollama:mistral', 'openai-compatible'],
    ['ollama:devstral', 'openai-compatible'],
  ] as const)('takes %s to read text only', (id, kind) => {
    expect(seesImages(id, kind, [])).toBe(false);
  });

  it('takes a fixed model (local, a registered one) to read text only unless declared', () => {
    expect(seesImages('local', undefined, [])).toBe(false);
    expect(seesImages('local', undefined, ['ollama:*'])).toBe(false);
  });

  it('believes VISION_MODELS: exact ids and * patterns, matched whole', () => {
    const declared = ['ollama:my-eyes', 'lab:vis-*'];
    expect(seesImages('ollama:my-eyes', 'openai-compatible', declared)).toBe(true);
    expect(seesImages('lab:vis-large-2', 'openai-compatible', declared)).toBe(true);
    expect(seesImages('ollama:my-eyes-2', 'openai-compatible', declared)).toBe(false);
    expect(seesImages('otherlab:vis-large', 'openai-compatible', declared)).toBe(false);
    // A pattern's dots are dots, not any character.
    expect(seesImages('lab:m1x0', 'openai-compatible', ['lab:m1.0'])).toBe(false);
  });
});
