import {
  type ChatReply,
  chatReplySchema,
  createChatRequestSchema,
  problemSchema,
  runEvent,
} from '../../protocol/index.js';
import type { RunLog } from '../../runs/index.js';
import type { App, AppContext } from '../app-context.js';
import { problem, sendProblem } from '../problem.js';
import { startChatRun } from '../start-chat-run.js';
import { streamRun } from '../stream-run.js';

export function chatRoutes(app: App, ctx: AppContext): void {
  const { config, runs } = ctx;
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
          200: {
            description: 'The event stream (text/event-stream), or the whole reply (application/json)',
            content: {
              'text/event-stream': { schema: runEvent },
              'application/json': { schema: chatReplySchema },
            },
          },
          400: problemSchema,
          404: problemSchema,
          413: problemSchema,
          415: problemSchema,
          502: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { run } = await startChatRun(ctx, body, request.log, request.userId);
      // The response is the run's first subscriber; leaving ends the subscription, and the run per policy.
      const release = runs.subscribe(run.id);
      if (body.stream === false || prefersJson(request.headers.accept)) {
        const gone = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) gone.abort();
        });
        try {
          const result = await collectReply(run.log, gone.signal);
          if ('code' in result)
            return sendProblem(reply, problem(502, result.code, result.message, request.url));
          return reply.send(result);
        } finally {
          release();
        }
      }
      return streamRun(reply, run.log, {
        after: 0,
        keepAliveMs: config.sseKeepAliveMs,
        stallMs: config.subscriberStallMs,
        onClose: release,
        lifecycle: ctx.lifecycle,
        runId: run.id,
        // The run is resumable before its first event arrives (a connection cut mid-headers-and-start).
        headers: { 'x-run-id': run.id },
      });
    },
  );
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
