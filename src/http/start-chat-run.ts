import type { FastifyBaseLogger } from 'fastify';
import { detectLanguage, runChat, systemPromptFor, type TurnRetrieval } from '../chat/index.js';
import { type ChatRequest, type ConversationId, newId, type RagOptions } from '../protocol/index.js';
import type { Run } from '../runs/index.js';
import type { BeginRegeneration, DocumentStore, Turn } from '../store/index.js';
import type { AppContext } from './app-context.js';
import { HttpProblem } from './problem.js';

export interface StartedChat {
  run: Run;
  conversationId: string;
  userMessageId: string;
  assistantMessageId: string;
}

/**
 * What an answer is asked with, besides the message: a chat request's options, or a regeneration's (the body
 * of `POST /v1/conversations/{id}/regenerate`).
 */
export type AnswerOptions = Omit<ChatRequest, 'message' | 'conversation_id'>;

/**
 * The one way a chat starts, for every transport (SSE, JSON, WebSocket, Socket.IO, compat APIs): checks
 * everything that can reject the request before anything is written, stores the turn, and starts the run.
 * Throws HttpProblem / UnknownModelError / … for a request to reject.
 */
export function startChatRun(
  ctx: AppContext,
  body: ChatRequest,
  log: FastifyBaseLogger,
  /** Who asks: the owner of the conversation, the run and the documents searched. */
  userId: string,
): Promise<StartedChat> {
  return startAnswer(ctx, body, body.message, log, userId, body.conversation_id, (common) =>
    ctx.store.beginTurn({
      ...common,
      maxMessages: ctx.config.maxMessagesPerConversation,
      conversationId: body.conversation_id as ConversationId | undefined,
      userText: body.message,
    }),
  );
}

/**
 * Answers a conversation's last user message again, in place of the answer it had (a retry after a failed or
 * cancelled answer, or another try at a finished one). Same checks, same run, same events as a chat.
 */
export async function startRegeneration(
  ctx: AppContext,
  conversationId: string,
  body: AnswerOptions,
  log: FastifyBaseLogger,
  userId: string,
): Promise<StartedChat> {
  // Read for the language and the system prompt; whether it may be answered again is decided in the write.
  const userText = (await ctx.store.lastUserText(userId, conversationId)) ?? '';
  return startAnswer(ctx, body, userText, log, userId, conversationId, (common) =>
    ctx.store.beginRegeneration({ ...common, conversationId: conversationId as ConversationId }),
  );
}

async function startAnswer(
  ctx: AppContext,
  body: AnswerOptions,
  userText: string,
  log: FastifyBaseLogger,
  userId: string,
  conversationId: string | undefined,
  begin: (common: Omit<BeginRegeneration, 'conversationId'>) => Promise<Turn | undefined>,
): Promise<StartedChat> {
  const { config, models, runs, chat, documents } = ctx;
  const { id: modelId, model } = models.resolve(body.model);
  const named = body.rag?.enabled === false ? undefined : await namedDocuments(documents, userId, body.rag);
  const language = detectLanguage(userText);
  const system = systemPromptFor(
    { serverPrompt: config.systemPrompt, templates: config.systemTemplates },
    body,
    language,
  );
  const runId = newId('run');
  const turn = await begin({
    userId,
    model: modelId,
    runId,
    maxConcurrentRuns: config.maxConcurrentRunsPerUser,
    instanceId: runs.instanceId,
    leaseMs: runs.leaseMs,
  });
  if (!turn) {
    throw new HttpProblem(404, 'conversation_not_found', `No conversation with id "${conversationId}".`);
  }
  const rag = retrievalFor(userId, body.rag, named ?? turn.documentCount);
  const run = runs.start(
    runId,
    (r) =>
      runChat(chat, log, r, {
        ...turn,
        userText,
        maxOutputTokens: body.max_output_tokens,
        modelId,
        model,
        system,
        language,
        rag,
      }),
    (error, r) => endCrashedRun(log, r, error),
    body.on_disconnect ?? 'continue',
  );
  return { run, ...turn };
}

/** The documents a request names, all of which must exist (404 before anything is written). */
async function namedDocuments(
  documents: DocumentStore,
  userId: string,
  rag: RagOptions | undefined,
): Promise<string[] | undefined> {
  if (!rag?.document_ids) return undefined;
  const missing = await documents.missing(userId, rag.document_ids);
  if (missing.length > 0)
    throw new HttpProblem(404, 'document_not_found', `No document with id "${missing[0]}".`);
  return rag.document_ids;
}

/**
 * Whether and where this turn searches: by default when the user has documents, never when the request says
 * so; only in the named documents when it names some.
 */
function retrievalFor(
  userId: string,
  rag: RagOptions | undefined,
  documents: string[] | number,
): TurnRetrieval | undefined {
  if (rag?.enabled === false) return undefined;
  const topK = rag?.top_k ?? 5;
  if (Array.isArray(documents))
    return { userId, topK, documentIds: documents, documentCount: documents.length };
  if (documents === 0 && rag?.enabled !== true) return undefined;
  return { userId, topK, documentIds: undefined, documentCount: documents };
}

/** A pipeline that threw instead of ending its run: log it, and still give subscribers a terminal event. */
function endCrashedRun(log: FastifyBaseLogger, run: Run, error: unknown): void {
  log.error({ err: error, runId: run.id }, 'run crashed');
  if (!run.log.ended) {
    run.log.append({
      type: 'error',
      code: 'internal_error',
      message: 'Something went wrong on our side. Please try again.',
      retryable: true,
    });
  }
}
