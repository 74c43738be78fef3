import { readFile, rm } from 'node:fs/promises';
import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  idParamsSchema,
  documentListSchema,
  documentSchema,
  documentTextSchema,
  problemSchema,
  searchRequestSchema,
  searchResultSchema,
  type UploadResult,
  uploadResultSchema,
} from '../../protocol/index.js';
import { loggableError } from '../../chat/index.js';
import {
  type Embedder,
  EmbeddingError,
  ExtractionError,
  fileTypeOf,
  ingestDocument,
  type Retriever,
} from '../../rag/index.js';
import type { DocumentStore } from '../../store/index.js';
import { checkNamedDocuments, DocumentNotFoundError } from '../../turns/index.js';
import { HttpProblem, problem, sendProblem } from '../problem.js';
import { saveUpload } from '../save-upload.js';

type FileResult = UploadResult['files'][number];

export interface DocumentRoutesOptions {
  documents: DocumentStore;
  retriever: Retriever;
  /** Set when vector retrieval is on: uploads are embedded as they are indexed. */
  embedder: Embedder | undefined;
  maxUploadBytes: number;
  maxFilesPerUpload: number;
}

/** Uploads (multipart) indexed for retrieval, the user's documents, and search over them. */
export const documentRoutes: FastifyPluginAsyncZod<DocumentRoutesOptions> = async (app, o) => {
  const { documents, retriever, embedder } = o;
  await app.register(fastifyMultipart, {
    limits: { fileSize: o.maxUploadBytes, files: o.maxFilesPerUpload, fields: 20 },
    // A file over the limit is cut off and reported per file (413), not thrown for the whole request.
    throwFileSizeLimit: false,
  });

  app.post(
    '/v1/documents',
    {
      schema: {
        tags: ['documents'],
        summary: 'Upload one or more files to index (multipart/form-data)',
        description:
          'Send each file as a multipart file field (any field name): .txt, .md, .html, .pdf, .json or .csv, at ' +
          'most `MAX_UPLOAD_BYTES` each. The same content is indexed once. One file: 201 with the result, or ' +
          'its problem (413, 415, 422). Several files: each reported in `files`; 201 when all were indexed, ' +
          '207 when some were rejected.',
        consumes: ['multipart/form-data'],
        response: {
          200: uploadResultSchema,
          201: uploadResultSchema,
          207: uploadResultSchema,
          400: problemSchema,
          413: problemSchema,
          415: problemSchema,
          422: problemSchema,
          502: problemSchema,
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new HttpProblem(415, 'unsupported_media_type', 'Upload files as multipart/form-data.');
      }
      const files: FileResult[] = [];
      try {
        for await (const part of request.files())
          files.push(await indexFile(part, request.userId, request.log));
      } catch (error) {
        // The request is refused whole: files indexed before the failure are taken back.
        await forgetIndexed(files, request.userId);
        if ((error as { code?: string }).code === 'FST_FILES_LIMIT') {
          throw new HttpProblem(413, 'too_many_files', `At most ${o.maxFilesPerUpload} files per upload.`);
        }
        if (isMalformedMultipart(error)) {
          throw new HttpProblem(
            400,
            'invalid_request',
            'The multipart body is cut off or malformed; nothing was stored. Send the upload again.',
          );
        }
        throw error;
      }
      if (files.length === 0) throw new HttpProblem(400, 'no_files', 'The upload holds no file.');
      const [only] = files;
      if (files.length === 1 && only?.problem) return sendProblem(reply, only.problem);
      const rejected = files.some((f) => f.status === 'rejected');
      const created = files.some((f) => f.status === 'indexed');
      return reply.code(rejected ? 207 : created ? 201 : 200).send({ files });
    },
  );

  /** Deletes what this request indexed (not the duplicates, which were there before it). */
  async function forgetIndexed(files: FileResult[], userId: string): Promise<void> {
    for (const f of files)
      if (f.status === 'indexed' && f.document) await documents.delete(userId, f.document.id);
  }

  /** One file: saved while it streams in, then extracted, chunked and indexed; rejected with a reason. */
  async function indexFile(part: MultipartFile, userId: string, log: FastifyBaseLogger): Promise<FileResult> {
    const filename = safeFilename(part.filename);
    const reject = (status: number, code: string, detail: string): FileResult => ({
      filename,
      status: 'rejected',
      problem: problem(status, code, detail, '/v1/documents'),
    });
    try {
      fileTypeOf(filename);
    } catch (error) {
      part.file.resume(); // the rest of the request still has to be read
      if (error instanceof ExtractionError) return reject(error.status, error.code, error.message);
      throw error;
    }
    const saved = await saveUpload(part.file);
    try {
      if (part.file.truncated) {
        return reject(413, 'file_too_large', `"${filename}" is larger than ${o.maxUploadBytes} bytes.`);
      }
      // Read once, after the upload finished: the only whole copy in memory.
      const bytes = await readFile(saved.path);
      const { document, duplicate } = await ingestDocument(
        { userId, filename, bytes, sha256: saved.sha256 },
        documents,
        embedder,
      );
      return { filename, status: duplicate ? 'duplicate' : 'indexed', document };
    } catch (error) {
      if (error instanceof ExtractionError) return reject(error.status, error.code, error.message);
      if (error instanceof EmbeddingError) {
        log.error({ err: loggableError(error.cause), filename }, 'embedding failed');
        return reject(
          502,
          'embedding_failed',
          `"${filename}" could not be embedded; nothing was stored. Try again.`,
        );
      }
      throw error;
    } finally {
      await rm(saved.dir, { recursive: true, force: true });
    }
  }

  app.get(
    '/v1/documents',
    {
      schema: {
        tags: ['documents'],
        summary: 'Indexed documents, newest first',
        response: { 200: documentListSchema },
      },
    },
    async (request) => ({ data: await documents.list(request.userId) }),
  );

  app.get(
    '/v1/documents/:id',
    {
      schema: {
        tags: ['documents'],
        summary: 'One document',
        params: idParamsSchema,
        response: { 200: documentSchema, 404: problemSchema },
      },
    },
    async (request) =>
      (await documents.get(request.userId, request.params.id)) ?? notFound(request.params.id),
  );

  app.get(
    '/v1/documents/:id/chunks',
    {
      schema: {
        tags: ['documents'],
        summary: 'A document’s text as indexed: its chunks in order, with headings and PDF pages',
        description: 'What a source cites: its `chunk_id` is one of these chunks.',
        params: idParamsSchema,
        response: { 200: documentTextSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const document = await documents.get(request.userId, request.params.id);
      if (!document) return notFound(request.params.id);
      return { document, chunks: await documents.chunks(document.id) };
    },
  );

  app.delete(
    '/v1/documents/:id',
    {
      schema: {
        tags: ['documents'],
        summary: 'Delete a document and its chunks',
        params: idParamsSchema,
        response: { 204: z.null().describe('Deleted'), 404: problemSchema },
      },
    },
    async (request, reply) => {
      if (!(await documents.delete(request.userId, request.params.id))) notFound(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/search',
    {
      schema: {
        tags: ['documents'],
        summary: 'Ranked chunks for a query (hybrid when an embedding model is configured)',
        body: searchRequestSchema,
        response: { 200: searchResultSchema, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const { query, top_k, document_ids } = request.body;
      await checkNamedDocuments(documents, request.userId, { top_k, document_ids });
      const found = await retriever.search(request.userId, query, top_k, document_ids);
      return { mode: retriever.mode, results: found.map(({ heading: _heading, ...rest }) => rest) };
    },
  );
};

function notFound(id: string): never {
  throw new DocumentNotFoundError(id);
}

/**
 * The name a document is shown under: the last path segment only, without control characters, at most 255
 * characters. (It is never used as a path: uploads are written to a fresh temporary file.)
 */
export function safeFilename(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = [...base]
    .filter((ch) => ch.charCodeAt(0) > 0x1f && ch.charCodeAt(0) !== 0x7f)
    .join('')
    .trim()
    .slice(0, 255);
  return clean === '' || clean === '.' || clean === '..' ? 'upload' : clean;
}

/**
 * A body that is not the multipart it says it is: cut off before its closing boundary, or with broken part
 * headers (busboy's parse errors), as opposed to a failure of the server.
 */
function isMalformedMultipart(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /^(Unexpected end of (form|multipart data)|Malformed part header|Multipart: Boundary not found)/i.test(
    message,
  );
}
