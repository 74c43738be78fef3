import { z } from 'zod';
import { createChatRequestSchema } from './chat-request.js';
import type { RunEvent } from './events.js';

/** A client's own label for a message, echoed on the server's first message in reply to it. */
const requestId = z
  .string()
  .min(1)
  .max(100)
  .optional()
  .describe('Echoed on the first server message that answers this one');
const runIdField = z.string().min(1).max(64).describe('The run (`run_…`)');

/**
 * What a client sends over `GET /v1/ws`: one JSON object per text frame, told apart by `type`. A `chat`
 * carries the body of `POST /v1/chat`.
 */
export function createWsClientMessageSchema(maxMessageChars: number) {
  return z.discriminatedUnion('type', [
    createChatRequestSchema(maxMessageChars).extend({ type: z.literal('chat'), request_id: requestId }),
    z.object({ type: z.literal('cancel'), run_id: runIdField, request_id: requestId }).strict(),
    z
      .object({
        type: z.literal('resume'),
        run_id: runIdField,
        after: z.number().int().min(0).describe('Replay the events after this id, then follow live'),
        request_id: requestId,
      })
      .strict(),
    z.object({ type: z.literal('ping'), request_id: requestId }).strict(),
  ]);
}
export type WsClientMessage = z.infer<ReturnType<typeof createWsClientMessageSchema>>;

/**
 * A run event on a socket: the event exactly as SSE sends it in `data`, with the run it belongs to and
 * its id (the SSE `id:`, the resume position) added, since several runs interleave on one socket.
 */
export type WsRunEvent = RunEvent & { run_id: string; id: number; request_id?: string };

/** A message the server could not act on; the socket stays open. */
export const wsErrorMessage = z.object({
  type: z.literal('error'),
  code: z.string().describe('Stable machine-readable code, e.g. `too_many_runs`'),
  message: z.string().describe('Human-readable message'),
  request_id: z.string().optional(),
});
export type WsErrorMessage = z.infer<typeof wsErrorMessage>;

export const wsPongMessage = z.object({ type: z.literal('pong'), request_id: z.string().optional() });
export type WsPongMessage = z.infer<typeof wsPongMessage>;
