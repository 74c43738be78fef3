import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { EmbeddingModelV3 } from '@ai-sdk/provider';
import type { Embedder } from '../rag/index.js';
import { KNOWN_PROVIDERS, type ProviderSettings } from './provider-settings.js';

/** `EMBEDDING_MODEL` names a model StreamForge cannot build. */
export class EmbeddingModelError extends Error {}

/**
 * The embedder for `EMBEDDING_MODEL` (`openai:text-embedding-3-small`, `google:text-embedding-004`,
 * `ollama:nomic-embed-text`, `<compatible server>:<model>`), through the AI SDK provider packages.
 */
export function createEmbedder(modelId: string, providers: readonly ProviderSettings[]): Embedder {
  const colon = modelId.indexOf(':');
  const providerId = colon > 0 ? modelId.slice(0, colon) : '';
  const name = modelId.slice(colon + 1);
  const p = providers.find((x) => x.id === providerId);
  if (!p || !name) {
    const known = KNOWN_PROVIDERS.find((k) => k.id === providerId);
    throw new EmbeddingModelError(
      known
        ? `its provider is not configured: set ${known.required}`
        : 'use "provider:model" with a configured provider',
    );
  }
  let model: EmbeddingModelV3;
  switch (p.kind) {
    case 'openai':
      model = createOpenAI({ apiKey: p.apiKey, baseURL: p.baseURL }).embedding(name);
      break;
    case 'google':
      model = createGoogleGenerativeAI({ apiKey: p.apiKey, baseURL: p.baseURL }).embedding(name);
      break;
    case 'openai-compatible':
      model = createOpenAICompatible({
        name: p.id,
        baseURL: p.baseURL ?? '',
        apiKey: p.apiKey,
      }).embeddingModel(name);
      break;
    default:
      throw new EmbeddingModelError(
        `${p.id} has no embedding models; use openai, google, ollama or a compatible server`,
      );
  }
  return {
    model: modelId,
    async embed(values, signal) {
      const { embeddings } = await model.doEmbed({ values, abortSignal: signal });
      return embeddings;
    },
  };
}
