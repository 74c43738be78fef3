import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { nativeSseFormat } from '../../formats/index.js';
import {
  eventPositionSchema,
  idParamsSchema,
  problemSchema,
  runEvent,
  runInfoSchema,
} from '../../protocol/index.js';
import { openRun, type RunRegistry, RunNotFoundError } from '../../runs/index.js';
import type { RunStore } from '../../store/index.js';
import type { HttpDelivery } from '../delivery/http-delivery.js';

export interface RunRoutesOptions {
  runs: RunRegistry;
  runStore: RunStore;
  delivery: HttpDelivery;
  /** `retry:` sent first on a resumed stream (`SSE_RETRY_MS`). */
  retryMs: number;
}

/** A run's status, its resumable event stream, and its cancel: wherever it runs. */
export const runRoutes: FastifyPluginAsyncZod<RunRoutesOptions> = async (
  app,
  { runs, runStore, delivery, retryMs },
) => {
  app.get(
    '/v1/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'A run’s status and the id of its last event',
        params: idParamsSchema,
        response: { 200: runInfoSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const info = await runStore.get(request.userId, request.params.id);
      if (!info) throw new RunNotFoundError(request.params.id);
      // A running run's position lives in its log, not yet in the database.
      const log = info.status === 'running' ? await runs.openLog(info.id) : undefined;
      return log ? { ...info, last_event_id: log.lastId } : info;
    },
  );

  app.get(
    '/v1/runs/:id/events',
    {
      schema: {
        tags: ['runs'],
        summary: 'Resume a run’s event stream after an event id',
        description:
          'Replays every event after `Last-Event-ID` (or `?after=`), then follows live, and ends after `done` ' +
          'or `error`. Works with the browser’s EventSource, which reconnects with Last-Event-ID by itself. ' +
          '410 once a finished run’s events have expired (`RUN_RETENTION_MS`); its message stays in the conversation.',
        params: idParamsSchema,
        querystring: z.object({ after: eventPositionSchema.optional() }),
        headers: z.object({ 'last-event-id': eventPositionSchema.optional() }).passthrough(),
        response: {
          200: { description: 'The event stream', content: { 'text/event-stream': { schema: runEvent } } },
          404: problemSchema,
          410: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const after = request.headers['last-event-id'] ?? request.query.after ?? 0;
      const { log } = await openRun(runs, runStore, request.userId, id);
      return delivery.stream(reply, { target: { id, log, after } }, nativeSseFormat(id, { retryMs }));
    },
  );

  app.post(
    '/v1/runs/:id/cancel',
    {
      schema: {
        tags: ['runs'],
        summary: 'Stop a run, on whichever instance it runs',
        params: idParamsSchema,
        response: { 202: runInfoSchema, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const info = await runStore.get(request.userId, request.params.id);
      if (!info) throw new RunNotFoundError(request.params.id);
      if (info.status === 'running') await runs.cancel(info.id);
      return reply.code(202).send(info);
    },
  );
};
