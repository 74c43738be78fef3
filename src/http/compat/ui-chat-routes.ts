import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidInputError } from '../../domain-error.js';
import { uiMessageFormat } from '../../formats/index.js';
import { problemSchema } from '../../protocol/index.js';
import type { RunRegistry } from '../../runs/index.js';
import { type ConversationStore, titleFrom } from '../../store/index.js';
import type { SessionLinks, SessionRef, TurnStarter } from '../../turns/index.js';
import { answeringOf, type HttpDelivery } from '../delivery/http-delivery.js';
import { lastUserText, type UiChatRequest, uiChatRequestSchema } from './ui-chat-request.js';
import { uiMessagesToPrompt } from './ui-completion-input.js';

const uiMessageChunk = z
  .looseObject({ type: z.string() })
  .describe(
    'A chunk of the AI SDK UI message stream (v1), one `data:` line each: `start`, `start-step`, ' +
      '`data-progress`, `source-document`, `text-start`/`text-delta`/`text-end`, `data-component`, ' +
      '`finish-step`, `finish` (or `error`, or `abort`), then `data: [DONE]`',
  )
  .meta({ id: 'UiMessageChunk' });

const chatIdParams = z.object({ id: z.string().min(1).max(200) });

export interface UiChatRoutesOptions {
  turns: TurnStarter;
  sessions: SessionLinks;
  conversations: ConversationStore;
  runs: RunRegistry;
  delivery: HttpDelivery;
  maxMessageChars: number;
}

/**
 * A stored conversation keeps text: a file part in the client's list would be dropped without a word, so it is
 * a 400 that says how to send files (a stateless chat, where the list is the context).
 */
function refuseFileParts(messages: UiChatRequest['messages']): void {
  for (const [i, m] of messages.entries())
    for (const [j, part] of m.parts.entries())
      if (part.type === 'file')
        throw new InvalidInputError([
          {
            path: `body.messages.${i}.parts.${j}`,
            message:
              'A stored chat keeps text only, so this file would not reach the model: send the chat with ' +
              '`store: false` (the client keeps its messages, and files go to a model that reads them)',
          },
        ]);
}

/**
 * The Vercel AI SDK's `useChat` (`DefaultChatTransport`) as a client: its request body in, the run's events
 * out as a UI message stream. The chat id names a conversation; the run is the one every transport reads.
 * @see https://ai-sdk.dev/docs/ai-sdk-ui/stream-protocol#ui-message-stream-protocol
 */
export const uiChatRoutes: FastifyPluginAsyncZod<UiChatRoutesOptions> = async (app, o) => {
  app.post(
    '/v1/ui/chat',
    {
      config: { rateLimitGroup: 'chat' },
      schema: {
        tags: ['chat'],
        summary: 'Chat with the AI SDK’s useChat: the answer streams as a UI message stream',
        description:
          'Takes the body of `DefaultChatTransport` (`id`, `messages`, `trigger`, `messageId`, plus `model`, ' +
          '`rag`, `on_disconnect` from `body`); the text of the last user message is sent to the chat `id`’s ' +
          'conversation (created the first time; a file part is a 400 there: a stored chat keeps text); when ' +
          'the messages before it differ from the stored conversation (an edit, a branch), a new conversation holding them takes the turn and the chat id. ' +
          '`trigger: "regenerate-message"` answers the last user ' +
          'message again in place of its answer (`POST /v1/conversations/{id}/regenerate`). With `tools` (the ' +
          "client's own, run by useChat's onToolCall) or `store: false` the chat is stateless instead: the whole " +
          "message list is the context (text, file parts, tool parts with their outputs), the model's tool calls " +
          'stream as `tool-input-start`/`tool-input-available` and end the step with `finishReason: "tool-calls"`, ' +
          'and nothing is stored. Answers `text/event-stream` with ' +
          '`x-vercel-ai-ui-message-stream: v1`. Spends the chat budget like every way of starting an answer.',
        body: uiChatRequestSchema,
        response: {
          200: {
            description: 'The UI message stream',
            content: { 'text/event-stream': { schema: uiMessageChunk } },
          },
          400: problemSchema,
          404: problemSchema,
          413: problemSchema,
          415: problemSchema,
          429: problemSchema,
          503: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { body, userId } = request;
      // A chat with the client's own tools, or one the client keeps itself: its message list is the truth.
      if (body.tools !== undefined || body.store === false) {
        const input = uiMessagesToPrompt(body, o.turns.resolveModel(body.model));
        const last = body.messages.at(-1);
        if (last?.role === 'system')
          throw new InvalidInputError([{ path: 'body.messages', message: 'Nothing to answer' }]);
        for (const [i, m] of body.messages.entries()) {
          const text = m.parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
          if (text.length > o.maxMessageChars)
            throw new InvalidInputError(
              [{ path: `body.messages.${i}`, message: `Too long: at most ${o.maxMessageChars} characters` }],
              true,
            );
        }
        const started = await o.turns.startCompletion({
          userId,
          model: body.model,
          system: input.system,
          messages: input.messages,
          lastUserText: input.lastUserText,
          turn: { settings: {}, tools: input.tools },
          onDisconnect: body.on_disconnect ?? 'cancel',
          log: request.log,
        });
        return o.delivery.stream(reply, answeringOf(started), uiMessageFormat());
      }
      refuseFileParts(body.messages);
      const session: SessionRef = { scope: 'chat', id: body.id };
      const options = { model: body.model, rag: body.rag, on_disconnect: body.on_disconnect };
      // useChat's regenerate(): the chat's last answer is made again (a chat the server does not know yet
      // has no answer to replace, so its last user message is simply sent).
      if (body.trigger === 'regenerate-message') {
        const known = await o.sessions.find(userId, session);
        if (known !== undefined) {
          const started = await o.turns.start({
            kind: 'regenerate',
            userId,
            conversationId: known,
            options,
            log: request.log,
          });
          return o.delivery.stream(reply, answeringOf(started), uiMessageFormat());
        }
      }
      const message = lastUserText(body.messages);
      if (message === '') {
        const empty = 'The last user message has no text part.';
        throw new InvalidInputError([{ path: 'body.messages', message: empty }]);
      }
      if (message.length > o.maxMessageChars) {
        const tooLong = `the last user message must be at most ${o.maxMessageChars} characters`;
        throw new InvalidInputError([{ path: 'body.messages', message: tooLong }], true);
      }
      // The client's list is the truth: when what it holds before the new message is not the stored
      // conversation (an earlier message edited, a branch from an earlier point), the turn goes on from a new
      // conversation holding the client's history, which the chat id names from now on; the old one stays.
      const target = await conversationFor(userId, session, body.messages.slice(0, -1));
      const started = await o.turns.start({
        kind: 'message',
        userId,
        message,
        session,
        ...target,
        options,
        log: request.log,
      });
      return o.delivery.stream(reply, answeringOf(started), uiMessageFormat());
    },
  );

  /**
   * The conversation the turn goes to when the client sent its history: the stored one when they agree (the
   * session already looked up, so the turn does not look it up again), else a new one holding the client's
   * history, which the session is moved to. Nothing when the client sent only the new message: the turn
   * finds the session's conversation itself.
   */
  async function conversationFor(
    userId: string,
    session: SessionRef,
    prior: UiChatRequest['messages'],
  ): Promise<{ conversationId?: string; relinkSession?: boolean }> {
    const held = prior.flatMap((m) =>
      m.role === 'system' ? [] : [{ role: m.role, content: uiText(m.parts) }],
    );
    // A client that sends only the new message leaves the history to StreamForge.
    if (held.length === 0) return {};
    const known = await o.sessions.find(userId, session);
    const stored = known ? ((await o.conversations.detail(userId, known))?.messages ?? []) : [];
    const same =
      stored.length === held.length &&
      stored.every(
        (m, i) => m.role === held[i]?.role && squash(m.content) === squash(held[i]?.content ?? ''),
      );
    // Agreeing with a non-empty history means the session has its conversation.
    if (same && known) return { conversationId: known };
    const first = held.find((m) => m.role === 'user')?.content ?? 'Branch';
    const created = await o.conversations.createWithHistory(userId, titleFrom(first), held);
    return { conversationId: created.id, relinkSession: true };
  }

  app.get(
    '/v1/ui/chat/:id/stream',
    {
      schema: {
        tags: ['chat'],
        summary: 'Rejoin the chat’s running answer (useChat `resume: true`)',
        description:
          'When the chat’s conversation has a run still generating, streams it from its first event in the ' +
          'same UI message stream format; otherwise 204.',
        params: chatIdParams,
        response: {
          200: {
            description: 'The UI message stream of the active run',
            content: { 'text/event-stream': { schema: uiMessageChunk } },
          },
          204: z.null().describe('No answer is being generated in this chat'),
        },
      },
    },
    async (request, reply) => {
      const { userId } = request;
      const conversationId = await o.sessions.find(userId, { scope: 'chat', id: request.params.id });
      const detail = conversationId && (await o.conversations.detail(userId, conversationId));
      const active = detail ? detail.active_run : null;
      // The run may have ended (and its events expired) since the query: then there is nothing to rejoin.
      const log = active && (await o.runs.openLog(active.id));
      if (!active || !log) return reply.code(204).send(null);
      return o.delivery.stream(reply, { target: { id: active.id, log, after: 0 } }, uiMessageFormat());
    },
  );
};

/** A UI message's text, as StreamForge stores an answer: its text parts in order. */
function uiText(parts: UiChatRequest['messages'][number]['parts']): string {
  return parts.map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

/** Whitespace does not make two histories differ (the page may trim what it shows). */
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
