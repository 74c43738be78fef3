/**
 * How many events per second one instance streams, and what a held stream costs in memory.
 * Everything runs on 127.0.0.1 and stops by itself. `npm run bench` (add `-- --streams 50 --tokens 1000`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { loadConfig } from '../src/config.js';
import { createServer } from '../src/server.js';
import { openDatabase } from '../src/store/index.js';
import { startFakeUpstream } from '../test/helpers/fake-upstream.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '50' },
    tokens: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
  },
});
const STREAMS = Number(values.streams);
const TOKENS = Number(values.tokens);
const ROUNDS = Number(values.rounds);

/** A model that costs nothing: `tokens` deltas as fast as they are read, or held open after `holdAfter`. */
function syntheticModel(tokens: number, hold?: { after: number; release: Promise<void> }): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: 'bench',
    modelId: 'synthetic',
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('stream only')),
    async doStream() {
      let i = 0;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          if (hold && i === hold.after) await hold.release;
          if (i < tokens) {
            controller.enqueue({ type: 'text-delta', id: 't', delta: ` tok${i++}` });
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

/** POSTs a chat and counts SSE events; resolves with the count when the stream ends. */
function stream(port: number, body: object, onEvent?: (n: number) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/chat',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let events = 0;
        let tail = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const text = tail + chunk;
          let at = text.indexOf('\n\n');
          let from = 0;
          while (at !== -1) {
            // Comment lines (`: ping`) are not events.
            if (text[from] !== ':') {
              events++;
              onEvent?.(events);
            }
            from = at + 2;
            at = text.indexOf('\n\n', from);
          }
          tail = text.slice(from);
        });
        res.on('end', () => resolve(events));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

let release!: () => void;
const released = new Promise<void>((r) => {
  release = r;
});
const db = await openDatabase({ engine: 'pglite' });
// A fake OpenAI server on 127.0.0.1 streaming the same answer in the real wire format.
const upstream = await startFakeUpstream();
upstream.script({ tokens: Array.from({ length: TOKENS }, (_, i) => ` tok${i}`) });
const server = await createServer({
  config: loadConfig({
    LOG_LEVEL: 'silent',
    LOCAL_TOKEN_DELAY_MS: '0',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `${upstream.url}/v1`,
  }),
  db,
  configureModels: (m) =>
    m
      .register('bench:fast', syntheticModel(TOKENS))
      .register('bench:held', syntheticModel(TOKENS, { after: 10, release: released })),
});
await server.app.listen({ port: 0, host: '127.0.0.1' });
const { port } = server.app.server.address() as AddressInfo;

async function round(model: string): Promise<{ events: number; seconds: number }> {
  const started = process.hrtime.bigint();
  const counts = await Promise.all(
    Array.from({ length: STREAMS }, (_, i) => stream(port, { message: `bench ${i}`, model })),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { events: counts.reduce((a, b) => a + b, 0), seconds };
}

console.log(`StreamForge stream benchmark: ${STREAMS} concurrent streams, node ${process.version}`);
await round('bench:fast'); // warm-up
for (let r = 1; r <= ROUNDS; r++) {
  const { events, seconds } = await round('bench:fast');
  console.log(
    `synthetic ${TOKENS}-token answers, round ${r}: ${events} events in ${seconds.toFixed(2)} s = ${Math.round(events / seconds).toLocaleString('en')} events/s`,
  );
}
{
  const { events, seconds } = await round('openai:gpt-4o-mini');
  console.log(
    `openai provider (@ai-sdk/openai ← fake upstream in this process), ${TOKENS}-token answers: ${events} events in ${seconds.toFixed(2)} s = ${Math.round(events / seconds).toLocaleString('en')} events/s`,
  );
}
{
  const { events, seconds } = await round('local');
  console.log(
    `local model (cited answers), ${STREAMS} streams: ${events} events in ${seconds.toFixed(2)} s = ${Math.round(events / seconds).toLocaleString('en')} events/s`,
  );
}

// Memory per held stream: STREAMS runs that stop after 10 tokens, held open until measured.
global.gc?.();
const before = process.memoryUsage();
let ready = 0;
let allHeld!: () => void;
const held = new Promise<void>((r) => {
  allHeld = r;
});
const holding = Array.from({ length: STREAMS }, (_, i) =>
  stream(port, { message: `held ${i}`, model: 'bench:held' }, (n) => {
    if (n === 10 + 3 && ++ready === STREAMS) allHeld();
  }),
);
await held;
global.gc?.();
const after = process.memoryUsage();
console.log(
  `held streams: ${STREAMS}; heap +${((after.heapUsed - before.heapUsed) / STREAMS / 1024).toFixed(1)} KB per stream (server and client in one process)`,
);
release();
await Promise.all(holding);
await server.close();
await db.close();
await upstream.close();
