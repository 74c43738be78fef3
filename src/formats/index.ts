export { type AnswerFailure, emptyAnswer, type FoldedAnswer, foldAnswer } from './answer-fold.js';
export { chatReplyOf } from './chat-reply.js';
export { DONE_FRAME, type Frame, PING_FRAME } from './frame.js';
export { legacyMessageFormat } from './legacy-message-format.js';
export {
  legacyProgressFormat,
  type ProgressChatContext,
  type ProgressChatMode,
} from './legacy-progress-format.js';
export { legacySessionFormat } from './legacy-session-format.js';
export { legacyWordFormat } from './legacy-word-format.js';
export { nativeSseFormat } from './native-sse-format.js';
export { nativeWsFormat } from './native-ws-format.js';
export { OPENAI_RESTARTING, openaiChunkFormat } from './openai-chunk-format.js';
export { openaiCompletionOf } from './openai-completion.js';
export { socketIoFormat } from './socket-io-format.js';
export { sseFrame, sseFrames } from './sse-framer.js';
export {
  type UiChunk,
  type UiDataTypes,
  type UiMessageMetadata,
  uiMessageFormat,
} from './ui-message-format.js';
export { runEventOf, type WireFormat } from './wire-format.js';
