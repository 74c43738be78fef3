import { z } from 'zod';
import { problemSchema } from './problem.js';

export const documentSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    filename: z.string(),
    media_type: z.string().describe('The type the text was extracted as, e.g. `application/pdf`'),
    size_bytes: z.number().int(),
    sha256: z.string().describe('Of the uploaded bytes: the same content is indexed once'),
    status: z.literal('indexed').describe('Documents appear only once fully indexed'),
    chunk_count: z.number().int(),
    language: z
      .string()
      .nullable()
      .describe('ISO 639-1 code of its text, as detected; it is searched with that language’s stemmer'),
    created_at: z.string(),
  })
  .meta({ id: 'Document' });

export const uploadResultSchema = z
  .object({
    files: z.array(
      z.object({
        filename: z.string(),
        status: z.enum(['indexed', 'duplicate', 'rejected']),
        document: documentSchema.optional().describe('The new document, or the existing one for a duplicate'),
        problem: problemSchema.optional().describe('Why the file was rejected'),
      }),
    ),
  })
  .meta({ id: 'UploadResult' });

export const documentTextSchema = z
  .object({
    document: documentSchema,
    chunks: z.array(
      z.object({
        id: z.string().describe('The `chunk_id` sources cite'),
        seq: z.number().int(),
        heading: z.string().nullable(),
        page: z.number().int().nullable().describe('PDF page (1-based); null for other files'),
        text: z.string(),
      }),
    ),
  })
  .meta({ id: 'DocumentText' });

export const documentListSchema = z.object({ data: z.array(documentSchema) }).meta({ id: 'DocumentList' });

/** One retrieved passage as clients see it: in `sources` events, `done`, stored messages and search. */
export const sourceSchema = z
  .object({
    n: z.number().int().describe('Citation number: `[n]` in the answer text points here'),
    document_id: z.string(),
    title: z.string(),
    chunk_id: z.string(),
    snippet: z.string(),
    score: z.number(),
    page: z.number().int().min(1).optional().describe('The PDF page the passage is on (PDF documents only)'),
  })
  .meta({ id: 'Source' });

export const searchRequestSchema = z
  .object({
    query: z.string().trim().min(1).max(2000),
    top_k: z.number().int().min(1).max(50).default(5),
    document_ids: z.array(z.string()).max(100).optional(),
  })
  .strict()
  .meta({ id: 'SearchRequest' });

export const searchResultSchema = z
  .object({
    mode: z.enum(['lexical', 'hybrid']),
    results: z.array(sourceSchema.extend({ text: z.string().describe('The whole chunk') })),
  })
  .meta({ id: 'SearchResult' });

export const ragOptionsSchema = z
  .object({
    enabled: z.boolean().optional().describe('Default: on when there are documents'),
    top_k: z.number().int().min(1).max(20).default(5),
    document_ids: z.array(z.string()).max(100).optional().describe('Search only these documents'),
  })
  .strict()
  .meta({ id: 'RagOptions' });

export type DocumentInfo = z.infer<typeof documentSchema>;
export type UploadResult = z.infer<typeof uploadResultSchema>;
export type Source = z.infer<typeof sourceSchema>;
export type SearchRequest = z.infer<typeof searchRequestSchema>;
export type SearchResult = z.infer<typeof searchResultSchema>;
export type RagOptions = z.infer<typeof ragOptionsSchema>;
export type DocumentText = z.infer<typeof documentTextSchema>;
