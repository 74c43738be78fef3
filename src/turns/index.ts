export { ChatBudget, type ChatBudgetOptions } from './chat-budget.js';
export { checkNamedDocuments, decideRetrieval, DEFAULT_TOP_K } from './decide-retrieval.js';
export { SessionLinks, type SessionRef } from './session-links.js';
export {
  type AnswerOptions,
  type StartedTurn,
  type TurnRequest,
  type CompletionRequest,
  type StartedCompletion,
  TurnStarter,
  type TurnStarterOptions,
} from './start-turn.js';
export {
  ConversationFullError,
  ConversationNotFoundError,
  DocumentNotFoundError,
  RegenerationError,
  ServerRestartingError,
  TooManyRunsError,
} from './turn-errors.js';
