import {
  basePromptFor,
  type ChatDeps,
  type ChatLogger,
  runChat,
  type TurnRetrieval,
  withLanguage,
} from '../chat/index.js';
import type { RateWindow } from '../limits/index.js';
import { detectLanguage } from '../rag/index.js';
import type { ModelRegistry } from '../models/index.js';
import { type ChatRequest, type ConversationId, type MessageId, newId } from '../protocol/index.js';
import type { Run, RunRegistry } from '../runs/index.js';
import type { DocumentStore, TurnStore } from '../store/index.js';
import type { ChatBudget } from './chat-budget.js';
import { checkNamedDocuments, decideRetrieval } from './decide-retrieval.js';
import type { SessionLinks, SessionRef } from './session-links.js';
import { refusalError, ServerRestartingError } from './turn-errors.js';

/**
 * What an answer is asked with, besides the message: a chat request's options, or a regeneration's (the body
 * of `POST /v1/conversations/{id}/regenerate`).
 */
export type AnswerOptions = Omit<ChatRequest, 'message' | 'conversation_id' | 'stream'>;

/** A turn to start, already validated by the transport that received it. */
export type TurnRequest = {
  /** Who asks: the owner of the conversation, the run and the documents searched. */
  userId: string;
  options?: AnswerOptions;
  /** A client's own name for the conversation; with no conversation id, it picks (or starts) the conversation. */
  session?: SessionRef;
  /** Where this turn's log lines go (the request's logger, so they carry its id); the server's by default. */
  log?: ChatLogger;
} & (
  | { kind: 'message'; message: string; conversationId?: string }
  /** Answer the conversation's last user message again, in place of the answer it had. */
  | { kind: 'regenerate'; conversationId: string }
);

/** A started turn: its run, where it is stored, and what it spent. */
export interface StartedTurn {
  run: Run;
  conversationId: ConversationId;
  userMessageId: string;
  assistantMessageId: string;
  /** The session id the client continues with (the one it sent, or the new conversation's id). */
  sessionId?: string;
  /** Whether and where the turn searches documents. */
  retrieval: TurnRetrieval | undefined;
  /** The user's chat budget for this minute after this turn; undefined when it could not be counted. */
  budget: RateWindow | undefined;
}

export interface TurnStarterOptions {
  models: ModelRegistry;
  prompts: { serverPrompt: string; templates: Readonly<Record<string, string>> };
  budget: ChatBudget;
  turns: TurnStore;
  documents: DocumentStore;
  sessions: SessionLinks;
  runs: RunRegistry;
  /** What every answer's pipeline shares. */
  chat: ChatDeps;
  /** Messages one conversation may hold. */
  maxMessages: number;
  /** How long a new run's first lease lasts. */
  leaseMs: number;
  /** Aborts when the server begins shutting down: from then on, no new turn starts here. */
  shutdown: AbortSignal;
  log: ChatLogger;
}

/**
 * The one way an answer starts, whatever transport asked (SSE, JSON, WebSocket, Socket.IO, the compatible
 * APIs): resolves the model and prompt, spends the user's chat budget, checks the documents named, admits the
 * turn (ownership, run slot, message limit, session link) in one statement that writes only when every check
 * passes, decides retrieval and starts the run. Refusals are `DomainError`s thrown before anything is written;
 * each transport says them in its own terms.
 */
export class TurnStarter {
  constructor(private readonly o: TurnStarterOptions) {}

  async start(request: TurnRequest): Promise<StartedTurn> {
    const { o } = this;
    const { userId } = request;
    if (o.shutdown.aborted) throw new ServerRestartingError();
    const options = request.options ?? {};
    const log = request.log ?? o.log;
    const { id: modelId, model } = o.models.resolve(options.model);
    const prompt = basePromptFor(o.prompts, options);
    const budget = await o.budget.charge(userId);
    await checkNamedDocuments(o.documents, userId, options.rag);

    let conversationId = request.conversationId;
    let sessionKey: string | undefined;
    const session = request.session;
    if (conversationId === undefined && session?.id !== undefined) {
      conversationId = await o.sessions.find(userId, session);
      // A session seen for the first time names the conversation its first message starts.
      if (conversationId === undefined) sessionKey = o.sessions.key(session.id, session.scope);
    }
    const runId = newId('run');
    const common = {
      userId,
      runId,
      model: modelId,
      instanceId: o.runs.instanceId,
      leaseMs: o.leaseMs,
      maxConcurrentRuns: o.budget.maxConcurrentRuns,
      maxMessages: o.maxMessages,
      sessionKey,
    };
    const admitted = await o.turns.admit(
      request.kind === 'message'
        ? {
            ...common,
            kind: 'message',
            text: request.message,
            conversationId: conversationId as ConversationId | undefined,
          }
        : { ...common, kind: 'regenerate', conversationId: request.conversationId as ConversationId },
    );
    if ('refused' in admitted) {
      throw refusalError(admitted.refused, {
        conversationId,
        maxConcurrentRuns: o.budget.maxConcurrentRuns,
        maxMessages: o.maxMessages,
      });
    }
    const { turn } = admitted;
    const language = detectLanguage(turn.userText);
    const retrieval = decideRetrieval(userId, options.rag, turn.documentCount);
    const run = o.runs.start(
      runId,
      (r) =>
        runChat(o.chat, log, r, {
          ...turn,
          maxOutputTokens: options.max_output_tokens,
          modelId,
          model,
          system: withLanguage(prompt, language),
          language,
          rag: retrieval,
        }),
      (error, r) => endCrashedRun(log, o.chat, r, turn.assistantMessageId, error),
      options.on_disconnect ?? 'continue',
    );
    return {
      run,
      conversationId: turn.conversationId,
      userMessageId: turn.userMessageId,
      assistantMessageId: turn.assistantMessageId,
      sessionId: session ? (session.id ?? turn.conversationId) : undefined,
      retrieval,
      budget,
    };
  }
}

/**
 * A pipeline that threw instead of ending its run: log it, store the answer and the run as failed (the text
 * saved so far stays), and still give subscribers a terminal event.
 */
async function endCrashedRun(
  log: ChatLogger,
  chat: ChatDeps,
  run: Run,
  messageId: MessageId,
  error: unknown,
): Promise<void> {
  log.error({ err: error, runId: run.id }, 'run crashed');
  if (run.log.ended) return;
  await chat.store
    .fail(messageId, run.id, run.log.lastId + 1)
    .catch((err: unknown) => log.error({ err, runId: run.id }, 'storing a crashed run failed'));
  run.log.append({
    type: 'error',
    code: 'internal_error',
    message: 'Something went wrong on our side. Please try again.',
    retryable: true,
  });
}
