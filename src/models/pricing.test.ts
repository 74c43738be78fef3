import { describe, expect, it } from 'vitest';
import { PriceTable } from './pricing.js';

describe('PriceTable', () => {
  it('prices tokens per million, with provider-wide fallbacks and overrides', () => {
    const prices = new PriceTable({ 'openai:gpt-4o-mini': { input_per_mtok: 1, output_per_mtok: 2 } });
    expect(prices.costOf('openai:gpt-4o-mini', 1_000_000, 500_000)).toBe(2);
    expect(prices.costOf('anthropic:claude-sonnet-4-5', 1000, 1000)).toBe(0.018);
    expect(prices.costOf('ollama:llama3.2', 5000, 5000)).toBe(0);
    expect(prices.costOf('vllm:qwen', 10, 10)).toBeNull();
  });
});
