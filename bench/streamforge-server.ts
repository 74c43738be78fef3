/**
 * StreamForge as the benchmark measures it, in its own process: the real server (Fastify, turns, run log,
 * follower, chat pipeline, stores on an in-memory PGlite, or on PostgreSQL when DATABASE_URL is set; the run
 * log in Redis when REDIS_URL is set) with zero-cost models: `bench:<n>` streams n deltas as fast as they are
 * read, `bench:paced` one every PACED_MS until cancelled. Started by stream-bench.ts.
 */
import type { AddressInfo } from 'node:net';
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { BENCH_TOKENS, childBacklog, delta, PACED_MS, PACED_TOKENS, serveParent } from './ipc.js';

/** A model that costs nothing: `tokens` deltas as fast as they are read, or one every PACED_MS. */
function syntheticModel(id: string, tokens: number, paced: boolean): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: 'bench',
    modelId: id,
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('stream only')),
    doStream({ abortSignal }) {
      let i = 0;
      // Paced: one timer per token and one abort listener per call (a listener per token would be the
      // model's cost, not the server's), which ends the wait at once.
      let wake: (() => void) | undefined;
      let timer: NodeJS.Timeout | undefined;
      if (paced)
        abortSignal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            wake?.();
          },
          { once: true },
        );
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          if (paced && !abortSignal?.aborted)
            await new Promise<void>((resolve) => {
              wake = resolve;
              timer = setTimeout(resolve, PACED_MS);
            });
          if (abortSignal?.aborted) {
            controller.error(abortSignal.reason);
            return;
          }
          if (i < tokens) {
            controller.enqueue({ type: 'text-delta', id: 't', delta: delta(i++) });
            return;
          }
          controller.enqueue({
            type: 'finish',
            finishReason: { unified: 'stop', raw: 'stop' },
            usage: {
              inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
              outputTokens: { total: tokens, text: tokens, reasoning: undefined },
            },
          });
          controller.close();
        },
      });
      return Promise.resolve({ stream });
    },
  };
}

// The server as `npm start` runs it: the build in dist/ (npm run bench builds it first when stale), not
// src/ through the TypeScript loader, which names every function it creates (a property write each, and a
// dictionary-mode function: about 4 KB and a tenth of the CPU per held stream here, that users never pay).
const built = (path: string) => import(new URL(`../dist/${path}`, import.meta.url).href);
const { loadConfig } = (await built('config/index.js')) as typeof import('../src/config/index.js');
const { createServer } = (await built('server.js')) as typeof import('../src/server.js');
const { openDatabase } = (await built('store/index.js')) as typeof import('../src/store/index.js');

if (!process.send)
  throw new Error('streamforge-server.ts is started by stream-bench.ts (it needs an IPC channel)');
{
  const backlog = childBacklog();
  // DATABASE_URL set: PostgreSQL, in a schema of its own that is dropped at the end; else in-memory PGlite.
  const url = process.env.DATABASE_URL;
  const schema = url ? `sf_bench_${process.pid}` : undefined;
  const db = url
    ? await openDatabase({ engine: 'postgres', url, schema })
    : await openDatabase({ engine: 'pglite' });
  const server = await createServer({
    // Settings from the environment apply (RUN_RETENTION_MS=…, REDIS_URL=…), except the log level.
    // One load generator is one user: the per-user guards would measure themselves, not the stream path.
    config: loadConfig({
      RATE_LIMIT_CHAT_PER_MIN: '1000000',
      MAX_CONCURRENT_RUNS_PER_USER: '10000',
      ...process.env,
      LOG_LEVEL: 'silent',
    }),
    db,
    configureModels: (m) => {
      for (const n of BENCH_TOKENS) m.register(`bench:${n}`, syntheticModel(`bench:${n}`, n, false));
      m.register('bench:paced', syntheticModel('bench:paced', PACED_TOKENS, true));
    },
  });
  await server.app.listen({ port: 0, host: '127.0.0.1', backlog });
  const { port } = server.app.server.address() as AddressInfo;
  serveParent(
    port,
    () => server.runs.size,
    async () => {
      await server.close();
      if (schema) await db.exec(`drop schema ${schema} cascade`);
      await db.close();
    },
  );
}
