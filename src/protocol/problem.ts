import { z } from 'zod';

/** RFC 9457 problem details, with a stable `code`. @see https://www.rfc-editor.org/rfc/rfc9457 */
export const problemSchema = z
  .object({
    type: z.string().describe('URI naming the problem type: `urn:streamforge:problem:<code>`'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('Each invalid field, for validation problems'),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof problemSchema>;
