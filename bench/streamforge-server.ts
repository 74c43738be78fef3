/**
 * StreamForge as the benchmark measures it, in its own process: the real server (Fastify, run log, SSE
 * writer, chat pipeline, chat store on an in-memory PGlite, or on PostgreSQL when DATABASE_URL is set) with two
 * zero-cost models. `bench:fixed` streams
 * a fixed answer of `tokens` deltas as fast as it is read; `bench:held` stops after 10 deltas until the
 * parent sends `release`. Started by stream-bench.ts.
 */
import type { AddressInfo } from 'node:net';
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { loadConfig } from '../src/config/index.js';
import { createServer } from '../src/server.js';
import { openDatabase } from '../src/store/index.js';
import { childArgs, delta, Gate, HELD_AFTER, serveParent } from './ipc.js';

/** A model that costs nothing: `tokens` deltas as fast as they are read, or waiting on `gate` after `holdAfter`. */
function syntheticModel(id: string, tokens: number, gate?: Gate): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: 'bench',
    modelId: id,
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('stream only')),
    async doStream() {
      let i = 0;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          if (gate && i === HELD_AFTER) await gate.promise;
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
  const { tokens, backlog } = childArgs();
  const gate = new Gate();
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
    configureModels: (m) =>
      m
        .register('bench:fixed', syntheticModel('fixed', tokens))
        .register('bench:held', syntheticModel('held', tokens, gate)),
  });
  await server.app.listen({ port: 0, host: '127.0.0.1', backlog });
  const { port } = server.app.server.address() as AddressInfo;
  serveParent(port, gate, async () => {
    await server.close();
    if (schema) await db.exec(`drop schema ${schema} cascade`);
    await db.close();
  });
}
