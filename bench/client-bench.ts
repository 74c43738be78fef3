/**
 * What `streamforge/client` costs a client per event: SSE parsing (eventsource-parser), JSON, the state
 * reducer and one listener, for answers of `--tokens` tokens, without a network (each run's bytes are
 * prepared up front and handed over as a Response in 16 KB chunks, as a socket would deliver them).
 *
 *   npm run bench:client [-- --tokens 1000 --runs 200]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { RunStream } from '../src/client/run-stream.js';
import type { RunEvent } from '../src/protocol/index.js';

const { values } = parseArgs({
  options: { tokens: { type: 'string', default: '1000' }, runs: { type: 'string', default: '200' } },
});
const TOKENS = Number(values.tokens);
const RUNS = Number(values.runs);
if (!Number.isInteger(TOKENS) || TOKENS < 1 || !Number.isInteger(RUNS) || RUNS < 1) {
  console.error('npm run bench:client -- [--tokens 1000] [--runs 200]');
  process.exit(2);
}

const events: RunEvent[] = [
  {
    type: 'start',
    run_id: 'run_b',
    conversation_id: 'conv_b',
    user_message_id: 'u',
    assistant_message_id: 'a',
    model: 'bench',
    language: null,
  },
  ...Array.from({ length: TOKENS }, (_, i): RunEvent => ({ type: 'token', delta: ` word${i % 50}` })),
  {
    type: 'done',
    finish_reason: 'stop',
    message_id: 'a',
    conversation_id: 'conv_b',
    usage: { input_tokens: 1, output_tokens: TOKENS, cost_usd: null },
    metrics: { ttft_ms: 1, duration_ms: 1, tokens_per_s: 1 },
  },
];
const bytes = new TextEncoder().encode(
  events.map((e, i) => `id: ${i + 1}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(''),
);
const CHUNK = 16 * 1024;

function response(): Response {
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + CHUNK));
      offset += CHUNK;
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

async function oneRun(): Promise<number> {
  const stream = new RunStream(
    async () => response(),
    async () => {},
  );
  let updates = 0;
  stream.subscribe(() => updates++);
  const state = await stream.done;
  if (state.status !== 'done' || updates !== events.length) throw new Error('the run did not end as sent');
  return updates;
}

for (let i = 0; i < 20; i++) await oneRun(); // warm-up: JIT
const started = performance.now();
let total = 0;
for (let i = 0; i < RUNS; i++) total += await oneRun();
const seconds = (performance.now() - started) / 1000;
console.log(
  `client: ${RUNS} runs × ${events.length} events (${(bytes.length / 1024).toFixed(0)} KB each): ` +
    `${Math.round(total / seconds).toLocaleString('en')} events/s, ` +
    `${((seconds * 1e6) / total).toFixed(2)} µs per event`,
);
