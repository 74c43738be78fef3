import { z } from 'zod';

/** USD per million tokens. */
export interface Price {
  input_per_mtok: number;
  output_per_mtok: number;
}

export const priceSchema = z.object({
  input_per_mtok: z.number().min(0),
  output_per_mtok: z.number().min(0),
});
/** `MODEL_PRICES`: `{"openai:gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.6}, "ollama:*": …}` */
export const priceTableSchema = z.record(z.string(), priceSchema);

/**
 * List prices (USD per million tokens) of common models; `MODEL_PRICES` overrides or extends them.
 * Self-hosted servers cost nothing per token; unknown models have no price (cost `null`).
 */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = {
  local: { input_per_mtok: 0, output_per_mtok: 0 },
  'ollama:*': { input_per_mtok: 0, output_per_mtok: 0 },
  'openai:gpt-4o-mini': { input_per_mtok: 0.15, output_per_mtok: 0.6 },
  'openai:gpt-4o': { input_per_mtok: 2.5, output_per_mtok: 10 },
  'openai:gpt-4.1': { input_per_mtok: 2, output_per_mtok: 8 },
  'openai:gpt-4.1-mini': { input_per_mtok: 0.4, output_per_mtok: 1.6 },
  'openai:gpt-4.1-nano': { input_per_mtok: 0.1, output_per_mtok: 0.4 },
  'anthropic:claude-sonnet-4-5': { input_per_mtok: 3, output_per_mtok: 15 },
  'anthropic:claude-haiku-4-5': { input_per_mtok: 1, output_per_mtok: 5 },
  'anthropic:claude-opus-4-1': { input_per_mtok: 15, output_per_mtok: 75 },
  'google:gemini-2.5-flash': { input_per_mtok: 0.3, output_per_mtok: 2.5 },
  'google:gemini-2.5-flash-lite': { input_per_mtok: 0.1, output_per_mtok: 0.4 },
  'google:gemini-2.5-pro': { input_per_mtok: 1.25, output_per_mtok: 10 },
};

/** Prices by model id, with `provider:*` as a provider-wide fallback. */
export class PriceTable {
  readonly #prices: Record<string, Price>;

  constructor(overrides: Record<string, Price> = {}) {
    this.#prices = { ...DEFAULT_PRICES, ...overrides };
  }

  priceOf(modelId: string): Price | undefined {
    const provider = modelId.split(':')[0];
    return this.#prices[modelId] ?? this.#prices[`${provider}:*`];
  }

  /** Cost in USD (rounded to 1e-10, below any price's precision, to drop float noise); null when unpriced. */
  costOf(modelId: string, inputTokens: number, outputTokens: number): number | null {
    const price = this.priceOf(modelId);
    if (!price) return null;
    const usd = (inputTokens * price.input_per_mtok + outputTokens * price.output_per_mtok) / 1_000_000;
    return Math.round(usd * 1e10) / 1e10;
  }
}
