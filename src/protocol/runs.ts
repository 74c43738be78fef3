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
