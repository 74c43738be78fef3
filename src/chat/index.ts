export { Checkpoints } from './checkpoints.js';
export { buildPrompt } from './build-prompt.js';
export { type ClientError, classifyModelError, loggableError, ModelTimeoutError } from './classify-error.js';
export { ComponentStream } from './component-stream.js';
export { type Answer, type CallSettings, generateAnswer, MAX_STEPS } from './generate-answer.js';
export { type CompletionTurn, runCompletion } from './run-completion.js';
export { type ChatDeps, type ChatLogger, type ChatTurn, runChat, type TurnRetrieval } from './run-chat.js';
export {
  promptWithSources,
  SOURCES_INSTRUCTIONS,
  searchQueryFor,
  sourcesBlock,
  systemWithSources,
} from './sources-prompt.js';
export { type ModelCallPolicy, retryDelay, streamModel } from './stream-model.js';
export { basePromptFor, UnknownTemplateError, withLanguage } from './system-prompt.js';
export { COMPONENT_TOOLS, cardInputSchema, runTool, type ToolCall } from './tools.js';
export { messageTokens, trimHistory } from './trim-history.js';
