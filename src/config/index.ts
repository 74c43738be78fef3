export { type AnswerSettings, DEFAULT_SYSTEM_PROMPT } from './answer-settings.js';
export type { AuthSettings } from './auth-settings.js';
export type { DeliverySettings } from './delivery-settings.js';
export type { LimitSettings } from './limit-settings.js';
export {
  BUILT_IN_TEMPLATES,
  type Config,
  ConfigError,
  environmentWithDotEnv,
  loadConfig,
} from './load-config.js';
export type { ModelSettings } from './model-settings.js';
export type { RunSettings } from './run-settings.js';
export type { ServerSettings } from './server-settings.js';
export type { StorageSettings } from './storage-settings.js';
