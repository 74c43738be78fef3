import { readFile } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { problemSchema } from '../../protocol/index.js';
import type { App } from '../app.js';
import { problem, sendProblem } from '../problem.js';

/**
 * Where `npm run build` puts the page (scripts/build-web.mjs). This file sits three levels below the package
 * root both as src/http/routes/*.ts and as dist/http/routes/*.js, so one relative path serves both.
 */
const WEB_DIR = new URL('../../../dist/web/', import.meta.url);

const ASSETS: Record<string, { file: string; type: string }> = {
  '': { file: 'index.html', type: 'text/html; charset=utf-8' },
  'app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  'app.js.map': { file: 'app.js.map', type: 'application/json; charset=utf-8' },
  'app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** The web chat page at `/ui`: a static page and its bundle, talking to the same /v1 API as any client. */
export function webRoutes(app: App, webDir: URL = WEB_DIR): void {
  const cache = new Map<string, string>();
  const load = async (file: string): Promise<string | null> => {
    const cached = cache.get(file);
    if (cached) return cached;
    try {
      const content = await readFile(new URL(file, webDir), 'utf8');
      cache.set(file, content);
      return content;
    } catch {
      return null;
    }
  };

  const serve = async (asset: string, url: string, reply: FastifyReply) => {
    const known = ASSETS[asset];
    const content = known && (await load(known.file));
    if (!known || !content) {
      return sendProblem(
        reply,
        problem(503, 'web_not_built', 'The web page has not been built: run `npm run build`.', url),
      );
    }
    // The page itself is small and must pick up a new build at once; the bundle is named the same.
    return reply.type(known.type).header('cache-control', 'no-cache').send(content);
  };
  const notBuilt = { 503: problemSchema };

  app.get(
    '/ui',
    {
      schema: {
        tags: ['service'],
        summary: 'The web chat page',
        description:
          'A chat page served by the server itself: conversations, streaming answers with progress, tables ' +
          'and sources, Stop, Regenerate, model picker and document upload. It uses the public API with the ' +
          'token the user pastes (none needed when `AUTH_MODE=none`).',
        response: {
          200: { description: 'The page', content: { 'text/html': { schema: z.string() } } },
          ...notBuilt,
        },
      },
    },
    (request, reply) => serve('', request.url, reply),
  );

  app.get(
    '/ui/:asset',
    {
      schema: {
        tags: ['service'],
        summary: 'The web chat page’s script and stylesheet',
        params: z.object({ asset: z.enum(['app.js', 'app.js.map', 'app.css']) }),
        response: {
          200: {
            description: 'Its script (text/javascript), source map or stylesheet (text/css)',
            content: { 'text/javascript': { schema: z.string() } },
          },
          ...notBuilt,
        },
      },
    },
    (request, reply) => serve(request.params.asset, request.url, reply),
  );
}
