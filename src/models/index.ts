export { createEmbedder, EmbeddingModelError } from './embedding-model.js';
export { Bm25Index, terms } from './local/bm25.js';
export {
  composeAnswer,
  composeFromSources,
  type GivenSource,
  NO_MATCH_ANSWER,
} from './local/compose-answer.js';
export { KNOWLEDGE_DIR, loadKnowledgeBase, type Passage, splitMarkdown } from './local/knowledge-base.js';
export { LocalModel, type LocalModelOptions } from './local/local-model.js';
export { phrasesFor } from './local/phrases.js';
export { countTokens, splitTokens } from './local/text-tokens.js';
export {
  type ListedModel,
  ModelRegistry,
  type ResolvedModel,
  ProviderNotConfiguredError,
  UnknownModelError,
} from './model-registry.js';
export { DEFAULT_PRICES, type Price, PriceTable, priceTableSchema } from './pricing.js';
export {
  KNOWN_PROVIDERS,
  type KnownProvider,
  parseProviders,
  type ProviderKind,
  type ProviderSettings,
} from './provider-settings.js';
