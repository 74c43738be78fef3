import type { LanguageModelV3Message, LanguageModelV3Prompt } from '@ai-sdk/provider';
import {
  basePromptFor,
  type ChatDeps,
  type ChatLogger,
  type CompletionTurn,
  runChat,
  runCompletion,
  type TurnRetrieval,
  withLanguage,
} from '../chat/index.js';
import type { RateWindow } from '../limits/index.js';
import { detectLanguage } from '../rag/index.js';
import type { ModelRegistry, ResolvedModel } from '../models/index.js';
import { type ChatRequest, type ConversationId, type MessageId, newId } from '../protocol/index.js';
import type { Run, RunRegistry } from '../runs/index.js';
import type { DocumentStore, TurnStore } from '../store/index.js';
import type { ChatBudget } from './chat-budget.js';
import { checkNamedDocuments, decideRetrieval } from './decide-retrieval.js';
import type { SessionLinks, SessionRef } from './session-links.js';
import { refusalError, ServerRestartingError, TooManyRunsError } from './turn-errors.js';

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
  /** With a conversation id and a session: the session names that conversation from this turn on. */
  relinkSession?: boolean;
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
/** A stateless completion to start: the client's messages in the model's terms. */
export interface CompletionRequest {
  userId: string;
  /** A StreamForge model id; undefined: the default. */
  model: string | undefined;
  /** The client's system prompt; undefined: the server's. */
  system: string | undefined;
  /** Every message but the system prompt, in order. */
  messages: LanguageModelV3Message[];
  /** The text the user's language is told from. */
  lastUserText: string;
  turn: Omit<CompletionTurn, 'modelId' | 'model' | 'prompt' | 'language'>;
  onDisconnect: 'cancel' | 'continue';
  log?: ChatLogger;
}

/** A started stateless completion: its run and what it spent. */
export interface StartedCompletion {
  run: Run;
  budget: RateWindow | undefined;
}

export class TurnStarter {
  /** Stateless completions running here, per user: they have no run row to be counted by. */
  readonly #stateless = new Map<string, number>();

  constructor(private readonly o: TurnStarterOptions) {}

  /** The model a request names (or the default), resolved before anything else is checked. */
  resolveModel(model: string | undefined): ResolvedModel {
    return this.o.models.resolve(model);
  }

  /**
   * Starts a stateless completion: the chat budget is spent and a run slot taken as for any turn, but nothing
   * is written — no conversation, message or run row; its run exists only while it streams to the client that
   * asked (no row says whose it is, so it is not resumed or cancelled by id). Its slot is counted on this
   * instance, beside the stored runs counted in the database.
   */
  async startCompletion(request: CompletionRequest): Promise<StartedCompletion> {
    const { o } = this;
    const { userId } = request;
    if (o.shutdown.aborted) throw new ServerRestartingError();
    const { id: modelId, model } = o.models.resolve(request.model);
    const budget = await o.budget.charge(userId);
    const running = this.#stateless.get(userId) ?? 0;
    if (running >= o.budget.maxConcurrentRuns) throw new TooManyRunsError(o.budget.maxConcurrentRuns);
    this.#stateless.set(userId, running + 1);
    const release = () => {
      const left = (this.#stateless.get(userId) ?? 1) - 1;
      if (left > 0) this.#stateless.set(userId, left);
      else this.#stateless.delete(userId);
    };
    const log = request.log ?? o.log;
    const language = detectLanguage(request.lastUserText);
    const system = withLanguage(basePromptFor(o.prompts, { system: request.system }), language);
    const prompt: LanguageModelV3Prompt = [
      ...(system.trim() ? [{ role: 'system' as const, content: system }] : []),
      ...request.messages,
    ];
    const run = o.runs.start(
      newId('run'),
      (r) =>
        runCompletion(o.chat, log, r, { ...request.turn, modelId, model, prompt, language }).finally(release),
      (error, r) => {
        release();
        log.error({ err: error, runId: r.id }, 'run crashed');
        if (!r.log.ended)
          r.log.append({
            type: 'error',
            code: 'internal_error',
            message: 'Something went wrong on our side. Please try again.',
            retryable: true,
          });
      },
      request.onDisconnect,
    );
    return { run, budget };
  }

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
    } else if (conversationId !== undefined && session?.id !== undefined && request.relinkSession) {
      // The session moves to this conversation (a branch the client made), in the admission's statement.
      sessionKey = o.sessions.key(session.id, session.scope);
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
