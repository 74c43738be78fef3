export { buildPrompt } from './build-prompt.js';
export { type ChatLogger, type ChatTurn, runChat } from './run-chat.js';
