import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { DomainError } from '../domain-error.js';
import { seesImages } from './model-capabilities.js';
import { KNOWN_PROVIDERS, type ProviderSettings } from './provider-settings.js';

/** A request named a model this server does not know. */
export class UnknownModelError extends DomainError {
  override name = 'UnknownModelError';
  constructor(
    readonly modelId: string,
    readonly available: string[],
  ) {
    super(
      'invalid',
      'unknown_model',
      `Unknown model "${modelId}". Use "provider:model" with a configured provider, or one of: ${available.join(', ')}.`,
    );
  }
}

/** A request named a model of a provider StreamForge knows but that is not configured here. */
export class ProviderNotConfiguredError extends DomainError {
  override name = 'ProviderNotConfiguredError';
  constructor(
    readonly modelId: string,
    readonly variable: string,
  ) {
    super(
      'invalid',
      'provider_not_configured',
      `Model "${modelId}" needs a provider that is not configured: set ${variable}.`,
    );
  }
}

/** A model a request named, ready to call, with what it can take. */
export interface ResolvedModel {
  id: string;
  model: LanguageModelV3;
  /** It takes image input (see model-capabilities.ts); images sent to another model are a 400. */
  seesImages: boolean;
}

export interface ListedModel {
  id: string;
  provider: string;
}

/**
 * The models this server can run: exact ids (`local`, and any registered) and `provider:model` ids of
 * configured providers, built with the AI SDK provider packages and kept once built.
 */
export class ModelRegistry {
  readonly #fixed = new Map<string, ResolvedModel>();
  readonly #providers = new Map<string, ProviderSettings>();
  readonly #built = new Map<string, ResolvedModel>();

  /** `visionModels`: ids (with `*`) declared to take images besides the known vision models (VISION_MODELS). */
  constructor(
    readonly defaultModel: string,
    providers: readonly ProviderSettings[] = [],
    private readonly visionModels: readonly string[] = [],
  ) {
    for (const p of providers) this.#providers.set(p.id, p);
  }

  register(id: string, model: LanguageModelV3): this {
    this.#fixed.set(id, { id, model, seesImages: seesImages(id, undefined, this.visionModels) });
    return this;
  }

  /** Every listed model: the fixed ones, then each configured provider's. */
  list(): ListedModel[] {
    const fixed = [...this.#fixed.keys()].map((id) => ({ id, provider: id.split(':')[0] ?? id }));
    const provided = [...this.#providers.values()].flatMap((p) =>
      p.models.map((m) => ({ id: `${p.id}:${m}`, provider: p.id })),
    );
    return [...fixed, ...provided];
  }

  providerIds(): string[] {
    return [...this.#providers.keys()];
  }

  /** The model for `id` (the default when undefined). Throws UnknownModelError or ProviderNotConfiguredError. */
  resolve(id: string | undefined): ResolvedModel {
    const wanted = id ?? this.defaultModel;
    const known = this.#fixed.get(wanted) ?? this.#built.get(wanted);
    if (known) return known;
    const colon = wanted.indexOf(':');
    const providerId = colon > 0 ? wanted.slice(0, colon) : '';
    const modelName = wanted.slice(colon + 1);
    const provider = this.#providers.get(providerId);
    if (!provider || !modelName) {
      const known = KNOWN_PROVIDERS.find((k) => k.id === providerId);
      if (known && modelName) throw new ProviderNotConfiguredError(wanted, known.required);
      throw new UnknownModelError(
        wanted,
        this.list().map((m) => m.id),
      );
    }
    const resolved = {
      id: wanted,
      model: buildModel(provider, modelName),
      seesImages: seesImages(wanted, provider.kind, this.visionModels),
    };
    this.#built.set(wanted, resolved);
    return resolved;
  }
}

function buildModel(p: ProviderSettings, modelName: string): LanguageModelV3 {
  switch (p.kind) {
    case 'openai':
      // `.chat()`: the Chat Completions API, which every OpenAI-compatible server speaks too.
      return createOpenAI({ apiKey: p.apiKey, baseURL: p.baseURL }).chat(modelName);
    case 'anthropic':
      return createAnthropic({ apiKey: p.apiKey, baseURL: p.baseURL })(modelName);
    case 'google':
      return createGoogleGenerativeAI({ apiKey: p.apiKey, baseURL: p.baseURL })(modelName);
    case 'openai-compatible':
      return createOpenAICompatible({
        name: p.id,
        baseURL: p.baseURL ?? '',
        apiKey: p.apiKey,
        includeUsage: true,
      }).chatModel(modelName);
  }
}
