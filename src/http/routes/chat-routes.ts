import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { detectLanguage, runChat, systemPromptFor, type TurnRetrieval } from '../../chat/index.js';
import type { DocumentStore } from '../../store/index.js';
import {
  type ChatReply,
  type ConversationId,
  chatReplySchema,
  createChatRequestSchema,
  newId,
  problemSchema,
  type RagOptions,
  runEvent,
} from '../../protocol/index.js';
import type { Run } from '../../runs/index.js';
import type { App, AppContext } from '../app-context.js';
import { HttpProblem, problem, sendProblem } from '../problem.js';
import { SSE_HEADERS, writeSse } from '../sse-writer.js';

export function chatRoutes(app: App, ctx: AppContext): void {
  const { config, store, models, runs, chat, documents } = ctx;
  app.post(
    '/v1/chat',
    {
      schema: {
        tags: ['chat'],
        summary: 'Send a message; the answer streams as Server-Sent Events',
        description:
          'Answers `text/event-stream`: `start`, `progress`…, `token`…, then `done` or `error`. Each event ' +
          'has `id: <n>` (1, 2, 3… within the run) and `event: <type>`; `data` is JSON repeating `type`. ' +
          'With `"stream": false` or `Accept: application/json` the reply is one JSON document instead. ' +
          'Closing the connection cancels the run; the partial answer is stored as `cancelled`.',
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
      // Everything that can reject the request is checked before anything is written.
      const { id: modelId, model } = models.resolve(body.model);
      const language = detectLanguage(body.message);
      const system = systemPromptFor(
        { serverPrompt: config.systemPrompt, templates: config.systemTemplates },
        body,
        language,
      );
      const rag = await retrievalFor(documents, body.rag);
      const runId = newId('run');
      const turn = await store.beginTurn({
        conversationId: body.conversation_id as ConversationId | undefined,
        userText: body.message,
        model: modelId,
        runId,
      });
      if (!turn) {
        throw new HttpProblem(
          404,
          'conversation_not_found',
          `No conversation with id "${body.conversation_id}".`,
        );
      }
      const run = runs.start(
        runId,
        (r) => runChat(chat, request.log, r, { ...turn, modelId, model, system, language, rag }),
        (error, r) => endCrashedRun(request.log, r, error),
      );
      // The client going away ends its subscription; in this release it also cancels the run.
      const gone = new AbortController();
      reply.raw.on('close', () => {
        if (reply.raw.writableFinished) return;
        gone.abort();
        run.abort(new Error('client disconnected'));
      });

      if (body.stream === false || prefersJson(request.headers.accept)) {
        const result = await collectReply(run, gone.signal);
        if ('code' in result) {
          return sendProblem(reply, problem(502, result.code, result.message, request.url));
        }
        return reply.send(result);
      }
      return streamRun(reply, run, config.sseKeepAliveMs, gone.signal);
    },
  );
}

/**
 * Whether and where this turn searches: on by default when there are documents, off when the request says
 * so; named documents must exist (404 otherwise, before anything is written).
 */
async function retrievalFor(
  documents: DocumentStore,
  rag: RagOptions | undefined,
): Promise<TurnRetrieval | undefined> {
  if (rag?.enabled === false) return undefined;
  const topK = rag?.top_k ?? 5;
  if (rag?.document_ids) {
    const missing = await documents.missing(rag.document_ids);
    if (missing.length > 0)
      throw new HttpProblem(404, 'document_not_found', `No document with id "${missing[0]}".`);
    return { topK, documentIds: rag.document_ids, documentCount: rag.document_ids.length };
  }
  const count = await documents.count();
  if (count === 0 && rag?.enabled !== true) return undefined;
  return { topK, documentIds: undefined, documentCount: count };
}

/** True when the client asks for JSON and not for an event stream. */
function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.includes('application/json') && !accept.includes('text/event-stream');
}

async function streamRun(reply: FastifyReply, run: Run, keepAliveMs: number, signal: AbortSignal) {
  // Headers set by hooks (request id, CORS…) still apply; the body is ours from here on.
  const headers = { ...reply.getHeaders(), ...SSE_HEADERS };
  reply.hijack();
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) reply.raw.setHeader(name, value);
  reply.raw.writeHead(200);
  reply.raw.flushHeaders();
  try {
    await writeSse(reply.raw, run.log.read(0, signal), { keepAliveMs, signal });
  } finally {
    // After a disconnect the socket is gone; ending it again is a harmless no-op.
    reply.raw.end();
  }
}

/** Reads the run to its end and folds the events into one reply. */
async function collectReply(
  run: Run,
  signal: AbortSignal,
): Promise<ChatReply | { code: string; message: string }> {
  let content = '';
  let reply: Partial<ChatReply> = {};
  for await (const batch of run.log.read(0, signal)) {
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
