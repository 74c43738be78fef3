export { buildPrompt } from './build-prompt.js';
export { type ClientError, classifyModelError, loggableError, ModelTimeoutError } from './classify-error.js';
export { detectLanguage, languageName } from './detect-language.js';
export { type ChatDeps, type ChatLogger, type ChatTurn, runChat } from './run-chat.js';
export { type ModelCallPolicy, retryDelay, streamModel } from './stream-model.js';
export { systemPromptFor, UnknownTemplateError } from './system-prompt.js';
export { messageTokens, trimHistory } from './trim-history.js';
