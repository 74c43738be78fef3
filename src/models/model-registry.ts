import type { LanguageModelV3 } from '@ai-sdk/provider';

/** A request named a model this server does not serve. */
export class UnknownModelError extends Error {
  override name = 'UnknownModelError';
  constructor(
    readonly modelId: string,
    readonly available: string[],
  ) {
    super(`Unknown model "${modelId}". Available: ${available.join(', ')}.`);
  }
}

/** The models this server can run, by id (`local`, later `provider:model`). */
export class ModelRegistry {
  readonly #models = new Map<string, LanguageModelV3>();

  constructor(readonly defaultModel: string) {}

  register(id: string, model: LanguageModelV3): this {
    this.#models.set(id, model);
    return this;
  }

  ids(): string[] {
    return [...this.#models.keys()];
  }

  /** The model for `id` (the default when undefined); throws UnknownModelError. */
  resolve(id: string | undefined): { id: string; model: LanguageModelV3 } {
    const wanted = id ?? this.defaultModel;
    const model = this.#models.get(wanted);
    if (!model) throw new UnknownModelError(wanted, this.ids());
    return { id: wanted, model };
  }
}
