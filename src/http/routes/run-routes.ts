import { z } from 'zod';
import { idParamsSchema, problemSchema, runEvent, runInfoSchema } from '../../protocol/index.js';
import type { RunStore } from '../../store/index.js';
import type { App, AppContext } from '../app-context.js';
import { HttpProblem } from '../problem.js';
import { streamRun } from '../stream-run.js';

export function runRoutes(app: App, ctx: AppContext, runStore: RunStore): void {
  const { runs, config } = ctx;

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
      if (!info) throw notFound(request.params.id);
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
        querystring: z.object({ after: z.coerce.number().int().min(0).optional() }),
        headers: z.object({ 'last-event-id': z.coerce.number().int().min(0).optional() }).passthrough(),
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
      // Ownership first: another user's run is unknown, whether or not its log is still there.
      const info = await runStore.get(request.userId, id);
      if (!info) throw notFound(id);
      const log = await runs.openLog(id);
      if (!log) {
        throw new HttpProblem(
          410,
          'run_expired',
          `The events of run "${id}" are no longer kept; its final message is in conversation "${info.conversation_id}".`,
        );
      }
      return streamRun(reply, log, {
        after,
        keepAliveMs: config.sseKeepAliveMs,
        stallMs: config.subscriberStallMs,
        retryMs: config.sseRetryMs,
        lifecycle: ctx.lifecycle,
        runId: id,
        onClose: runs.subscribe(id),
      });
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
      if (!info) throw notFound(request.params.id);
      if (info.status === 'running') await runs.cancel(info.id);
      return reply.code(202).send(info);
    },
  );
}

function notFound(id: string): HttpProblem {
  return new HttpProblem(404, 'run_not_found', `No run with id "${id}".`);
}
