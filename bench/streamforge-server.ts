/**
 * StreamForge as the benchmark measures it, in its own process: the real server (Fastify, turns, run log,
 * follower, chat pipeline, stores on an in-memory PGlite, or on PostgreSQL when DATABASE_URL is set; the run
 * log in Redis when REDIS_URL is set) with zero-cost models: `bench:<n>` streams n deltas as fast as they are
 * read, `bench:paced` one every PACED_MS until cancelled. Started by stream-bench.ts.
 */
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { loadConfig } from '../src/config/index.js';
import { createServer } from '../src/server.js';
import { openDatabase } from '../src/store/index.js';
import { BENCH_TOKENS, childBacklog, delta, PACED_MS, PACED_TOKENS, serveParent } from './ipc.js';

/** A model that costs nothing: `tokens` deltas as fast as they are read, or one every PACED_MS. */
function syntheticModel(id: string, tokens: number, paced: boolean): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: 'bench',
    modelId: id,
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('stream only')),
    async doStream({ abortSignal }) {
      let i = 0;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          if (paced) await sleep(PACED_MS, undefined, { signal: abortSignal }).catch(() => undefined);
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
      return { stream };
    },
  };
}

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
