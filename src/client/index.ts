/** `streamforge/client`: what browsers and Node clients import. */
export { createClient } from './create-client.js';
export type {
  ChatInput,
  ClientOptions,
  RegenerateInput,
  StreamForgeClient,
  StreamOptions,
  UploadFile,
} from './create-client.js';
export { applyRunEvent, emptyMessageState } from './message-state.js';
export type { MessageState, MessageStatus, ProgressStep } from './message-state.js';
// The server's own merge: imported from its file, so a browser bundle does not take the zod schemas along.
export { applyComponentEvent, mergeComponents } from '../protocol/merge-components.js';
export { isNumericColumn } from './is-numeric-column.js';
export { RunStream } from './run-stream.js';
export type { ReconnectOptions, RunStreamListener } from './run-stream.js';
export { StreamForgeError } from './streamforge-error.js';
export type {
  ChatReply,
  Column,
  ComponentEvent,
  ComponentState,
  Conversation,
  ConversationDetail,
  DocumentInfo,
  Message,
  ModelList,
  RunEvent,
  RunInfo,
  Source,
  UploadResult,
  Usage,
} from '../protocol/index.js';
