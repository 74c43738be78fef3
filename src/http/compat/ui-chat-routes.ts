import { z } from 'zod';
import { type ConversationId, problemSchema } from '../../protocol/index.js';
import { LegacySessionStore } from '../../store/index.js';
import type { App, AppContext } from '../app-context.js';
import { HttpProblem } from '../problem.js';
import { startChatRun, startRegeneration } from '../start-chat-run.js';
import { findChatConversation, linkChatConversation } from './ui-chat-conversation.js';
import { lastUserText, uiChatRequestSchema } from './ui-chat-request.js';
import { streamUiRun } from './ui-stream-run.js';

const uiMessageChunk = z
  .looseObject({ type: z.string() })
  .describe(
    'A chunk of the AI SDK UI message stream (v1), one `data:` line each: `start`, `start-step`, ' +
      '`data-progress`, `source-document`, `text-start`/`text-delta`/`text-end`, `data-component`, ' +
      '`finish-step`, `finish` (or `error`, or `abort`), then `data: [DONE]`',
  )
  .meta({ id: 'UiMessageChunk' });

const chatIdParams = z.object({ id: z.string().min(1).max(200) });

/**
 * The Vercel AI SDK's `useChat` (`DefaultChatTransport`) as a client: its request body in, the run's events
 * out as a UI message stream. The chat id names a conversation; the run is the one every transport reads.
 * @see https://ai-sdk.dev/docs/ai-sdk-ui/stream-protocol#ui-message-stream-protocol
 */
export function uiChatRoutes(app: App, ctx: AppContext): void {
  const { config, runs, store } = ctx;
  const sessions = new LegacySessionStore(ctx.db);
  const streaming = {
    keepAliveMs: config.sseKeepAliveMs,
    stallMs: config.subscriberStallMs,
    lifecycle: ctx.lifecycle,
  };

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
          'conversation (created the first time). `trigger: "regenerate-message"` answers the last user ' +
          'message again in place of its answer (`POST /v1/conversations/{id}/regenerate`). Answers `text/event-stream` with ' +
          '`x-vercel-ai-ui-message-stream: v1`.',
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
        },
      },
    },
    async (request, reply) => {
      const { body, userId } = request;
      const known = await findChatConversation(store, sessions, userId, body.id);
      // useChat's regenerate(): the chat's last answer is made again (a chat the server does not know yet
      // has no answer to replace, so its last user message is simply sent).
      if (body.trigger === 'regenerate-message' && known !== undefined) {
        const options = { model: body.model, rag: body.rag, on_disconnect: body.on_disconnect };
        const { run } = await startRegeneration(ctx, known, options, request.log, userId);
        return streamUiRun(reply, run.log, { ...streaming, onClose: runs.subscribe(run.id), runId: run.id });
      }
      const message = lastUserText(body.messages);
      if (message === '')
        throw new HttpProblem(400, 'invalid_request', 'The last user message has no text part.');
      if (message.length > config.maxMessageChars) {
        throw new HttpProblem(
          400,
          'message_too_long',
          `message must be at most ${config.maxMessageChars} characters`,
        );
      }
      const { run, conversationId } = await startChatRun(
        ctx,
        {
          message,
          conversation_id: known,
          model: body.model,
          rag: body.rag,
          on_disconnect: body.on_disconnect,
        },
        request.log,
        userId,
      );
      // The response is the run's first subscriber; leaving ends the subscription, and the run per policy.
      const release = runs.subscribe(run.id);
      try {
        if (known === undefined)
          await linkChatConversation(sessions, userId, body.id, conversationId as ConversationId);
      } catch (error) {
        release();
        throw error;
      }
      return streamUiRun(reply, run.log, { ...streaming, onClose: release, runId: run.id });
    },
  );

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
      const conversationId = await findChatConversation(store, sessions, userId, request.params.id);
      const detail = conversationId && (await store.getConversationDetail(userId, conversationId));
      const active = detail ? detail.active_run : null;
      // The run may have ended (and its events expired) since the query: then there is nothing to rejoin.
      const log = active && (await runs.openLog(active.id));
      if (!active || !log) return reply.code(204).send(null);
      return streamUiRun(reply, log, { ...streaming, onClose: runs.subscribe(active.id), runId: active.id });
    },
  );
}
