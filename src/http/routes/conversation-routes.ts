import { z } from 'zod';
import {
  idParamsSchema,
  conversationDetailSchema,
  conversationPageSchema,
  conversationSchema,
  createConversationSchema,
  listConversationsQuery,
  problemSchema,
} from '../../protocol/index.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ConversationStore } from '../../store/index.js';
import { ConversationNotFoundError } from '../../turns/index.js';

/** Stored conversations: create, list, read, delete, each the user's own. */
export const conversationRoutes: FastifyPluginAsyncZod<{ conversations: ConversationStore }> = async (
  app,
  { conversations: store },
) => {
  app.post(
    '/v1/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Create an empty conversation',
        body: createConversationSchema.optional(),
        response: { 201: conversationSchema, 400: problemSchema, 415: problemSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await store.create(request.userId, request.body?.title)),
  );

  app.get(
    '/v1/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'List conversations, newest first, a page at a time',
        querystring: listConversationsQuery,
        response: { 200: conversationPageSchema, 400: problemSchema },
      },
    },
    async (request) => store.list(request.userId, request.query.limit, request.query.cursor),
  );

  app.get(
    '/v1/conversations/:id',
    {
      schema: {
        tags: ['conversations'],
        summary: 'A conversation with its messages, oldest first',
        params: idParamsSchema,
        response: { 200: conversationDetailSchema, 404: problemSchema },
      },
    },
    async (request) => (await store.detail(request.userId, request.params.id)) ?? notFound(request.params.id),
  );

  app.delete(
    '/v1/conversations/:id',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Delete a conversation and its messages',
        params: idParamsSchema,
        response: { 204: z.null().describe('Deleted'), 404: problemSchema },
      },
    },
    async (request, reply) => {
      if (!(await store.delete(request.userId, request.params.id))) notFound(request.params.id);
      return reply.code(204).send(null);
    },
  );
};

function notFound(id: string): never {
  throw new ConversationNotFoundError(id);
}
