import {
  idParamsSchema,
  type ChatReply,
  chatReplySchema,
  createChatRequestSchema,
  createRegenerateRequestSchema,
  problemSchema,
  runEvent,
} from '../../protocol/index.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Run, RunLog } from '../../runs/index.js';
import type { App, AppContext } from '../app-context.js';
import { problem, sendProblem } from '../problem.js';
import { startChatRun, startRegeneration } from '../start-chat-run.js';
import { streamRun } from '../stream-run.js';

/** What a route that starts an answer replies: its event stream, or with `stream: false` one JSON document. */
const ANSWER = {
  description: 'The event stream (text/event-stream), or the whole reply (application/json)',
  content: {
    'text/event-stream': { schema: runEvent },
    'application/json': { schema: chatReplySchema },
  },
};

export function chatRoutes(app: App, ctx: AppContext): void {
  const { config } = ctx;
  app.post(
    '/v1/chat',
    {
      schema: {
        tags: ['chat'],
        summary: 'Send a message; the answer streams as Server-Sent Events',
        description:
          'Answers `text/event-stream`: `start`, `progress`…, `sources`, `token`/`component`…, then `done` or ' +
          '`error`. Each event has `id: <n>` (1, 2, 3… within the run) and `event: <type>`; `data` is JSON ' +
          'repeating `type`. With `"stream": false` or `Accept: application/json` the reply is one JSON ' +
          'document instead. The run outlives the connection (`on_disconnect: "continue"`, the default): ' +
          'resume it at `GET /v1/runs/{run_id}/events`; `"cancel"` stops it when the client goes. The ' +
          '`X-Run-Id` response header names the run before its first event.',
        body: createChatRequestSchema(config.maxMessageChars),
        response: {
          200: ANSWER,
          400: problemSchema,
          404: problemSchema,
          413: problemSchema,
          415: problemSchema,
          502: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const started = await startChatRun(ctx, request.body, request.log, request.userId);
      return answerWith(ctx, request, reply, started.run, request.body.stream);
    },
  );

  app.post(
    '/v1/conversations/:id/regenerate',
    {
      config: { rateLimitGroup: 'chat' },
      schema: {
        tags: ['chat'],
        summary: 'Answer the last user message again, in place of its answer',
        description:
          'Deletes the conversation’s last answer (finished, failed or cancelled) and generates a new one for ' +
          'the same user message, streamed exactly as `POST /v1/chat` streams (or one JSON reply). The body ' +
          'takes the options of `POST /v1/chat` (another `model`, `system`, `rag`…), without a message. ' +
          '409 `answer_in_progress` while the last answer is still being generated; 409 ' +
          '`nothing_to_regenerate` when there is no user message.',
        params: idParamsSchema,
        body: createRegenerateRequestSchema(config.maxMessageChars),
        response: {
          200: ANSWER,
          400: problemSchema,
          404: problemSchema,
          409: problemSchema,
          429: problemSchema,
          502: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const started = await startRegeneration(ctx, request.params.id, body, request.log, request.userId);
      return answerWith(ctx, request, reply, started.run, body.stream);
    },
  );
}

/**
 * Sends a started run as the client asked: one JSON reply (`stream: false` or `Accept: application/json`), or
 * the event stream. The response is the run's first subscriber; leaving ends the subscription, and the run per
 * its `on_disconnect`.
 */
async function answerWith(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  run: Run,
  stream: boolean | undefined,
) {
  const release = ctx.runs.subscribe(run.id);
  if (stream === false || prefersJson(request.headers.accept)) {
    const gone = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    try {
      const result = await collectReply(run.log, gone.signal);
      if ('code' in result) return sendProblem(reply, problem(502, result.code, result.message, request.url));
      return reply.send(result);
    } finally {
      release();
    }
  }
  return streamRun(reply, run.log, {
    after: 0,
    keepAliveMs: ctx.config.sseKeepAliveMs,
    stallMs: ctx.config.subscriberStallMs,
    onClose: release,
    lifecycle: ctx.lifecycle,
    runId: run.id,
    // The run is resumable before its first event arrives (a connection cut mid-headers-and-start).
    headers: { 'x-run-id': run.id },
  });
}

/** True when the client asks for JSON and not for an event stream. */
function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.includes('application/json') && !accept.includes('text/event-stream');
}

/** Reads the run to its end and folds the events into one reply. */
async function collectReply(
  log: RunLog,
  signal: AbortSignal,
): Promise<ChatReply | { code: string; message: string }> {
  let content = '';
  let reply: Partial<ChatReply> = {};
  for await (const batch of log.read(0, signal)) {
    for (const logged of batch) {
      const event = runEvent.parse(JSON.parse(logged.data));
      if (event.type === 'start') {
        reply = {
          run_id: event.run_id,
          conversation_id: event.conversation_id,
          user_message_id: event.user_message_id,
          model: event.model,
        };
      } else if (event.type === 'token') {
        content += event.delta;
      } else if (event.type === 'error') {
        return { code: event.code, message: event.message };
      } else if (event.type === 'done') {
        return chatReplySchema.parse({
          ...reply,
          message_id: event.message_id,
          content,
          finish_reason: event.finish_reason,
          usage: event.usage,
          metrics: event.metrics,
          sources: event.sources ?? [],
        });
      }
    }
  }
  return { code: 'cancelled', message: 'The run ended before it finished.' };
}
