import { z } from 'zod';

/** `interrupted`: the instance running it stopped before it finished (its lease ran out). */
export const runStatus = z.enum(['running', 'done', 'failed', 'cancelled', 'interrupted']);

export const runInfoSchema = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    message_id: z.string().describe('The assistant message the run writes'),
    status: runStatus,
    last_event_id: z.number().int().nullable().describe('Resume after this id to get only what is new'),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'RunInfo' });

export type RunStatus = z.infer<typeof runStatus>;
export type RunInfo = z.infer<typeof runInfoSchema>;

/** What the client asks to happen to a run when its connection closes. */
export const onDisconnect = z
  .enum(['continue', 'cancel'])
  .describe(
    '`continue` (default): the run goes on and can be resumed; cancelled after a grace period without subscribers. `cancel`: stop at once.',
  );

/**
 * What a client is told when the instance serving its stream shuts down: resume this run after this id, here
 * later or on another instance. Sent without an event id, so a client's Last-Event-ID stays on the last real
 * event.
 */
export const reconnectNotice = z
  .object({
    type: z.literal('reconnect'),
    run_id: z.string(),
    after: z.number().int().describe('The last event id the client received'),
    url: z.string().describe('Where to resume: `/v1/runs/{run_id}/events` with `Last-Event-ID: after`'),
  })
  .meta({ id: 'ReconnectNotice' });
export type ReconnectNotice = z.infer<typeof reconnectNotice>;

export function reconnectNoticeFor(runId: string, after: number): ReconnectNotice {
  return { type: 'reconnect', run_id: runId, after, url: `/v1/runs/${runId}/events` };
}
