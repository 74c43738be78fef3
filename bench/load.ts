import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** Any stream still open after this is aborted and counted as failed (held streams are ended by the bench). */
export const STREAM_TIMEOUT_MS = 120_000;
export const HOST = '127.0.0.1';

/** What one client asked for: a bench model, and on disconnect the run stops (held streams end that way). */
export function chatBody(model: string): string {
  return JSON.stringify({ message: 'bench', model, on_disconnect: 'cancel' });
}

export interface StreamResult {
  /** Ended with a `done` event. */
  ok: boolean;
  error?: string;
  events: number;
  tokens: number;
  bytes: number;
  /** Request start to the first `token` event. */
  ttftMs: number | undefined;
}

/** A growing list of numbers, sorted once at the end. */
export class Samples {
  #values: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.#values = new Float64Array(Math.max(16, capacity));
  }
  push(value: number): void {
    if (this.length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.length++] = value;
  }
  sorted(): Float64Array {
    return this.#values.subarray(0, this.length).sort();
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/**
 * One `POST /v1/chat` stream, read to its end (or until `signal` aborts it). SSE is parsed just enough: frames
 * split on a blank line, comments (`: ping`) and `retry:` skipped, the `event:` line (second after `id:`)
 * checked for `token` and `done`.
 */
export function openStream(
  port: number,
  agent: http.Agent,
  body: string,
  o: { onToken?: (tokens: number) => void; signal?: AbortSignal } = {},
): Promise<StreamResult> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const result: StreamResult = { ok: false, events: 0, tokens: 0, bytes: 0, ttftMs: undefined };
    let settled = false;
    let responded = false;
    const timeout = AbortSignal.timeout(STREAM_TIMEOUT_MS);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      if (error)
        result.error = timeout.aborted
          ? `aborted after ${STREAM_TIMEOUT_MS / 1000} s with ${result.tokens} tokens${responded ? '' : ', no response'}`
          : error;
      resolve(result);
    };
    const req = http.request(
      {
        host: HOST,
        port,
        path: '/v1/chat',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        signal,
      },
      (res) => {
        responded = true;
        if (res.statusCode !== 200) {
          res.resume();
          settle(`HTTP ${res.statusCode}`);
          return;
        }
        let tail = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = performance.now();
          result.bytes += chunk.length; // the stream is ASCII
          const text = tail.length > 0 ? tail + chunk : chunk;
          let from = 0;
          let end = text.indexOf('\n\n');
          while (end !== -1) {
            // Comments (`: ping`) and `retry:` are not events; an event's first line is `id:`.
            if (text.charCodeAt(from) === 105 /* 'i' */) {
              result.events++;
              const eventLine = text.indexOf('\n', from) + 1;
              if (text.startsWith('event: token', eventLine)) {
                if (result.tokens++ === 0) result.ttftMs = now - startedAt;
                o.onToken?.(result.tokens);
              } else if (text.startsWith('event: done', eventLine)) {
                result.ok = true;
              }
            }
            from = end + 2;
            end = text.indexOf('\n\n', from);
          }
          tail = from < text.length ? text.slice(from) : '';
        });
        res.on('end', () => settle(result.ok ? undefined : 'ended without done'));
        res.on('error', (error) => settle(error.message));
        res.on('close', () => settle(result.ok ? undefined : 'closed without done'));
      },
    );
    req.on('error', (error) => settle(error.message));
    req.end(body);
  });
}

/** A keep-alive agent with a socket per client, kept between rounds so measured rounds pay no connects. */
export function agentFor(clients: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: clients, maxFreeSockets: clients });
}

/** `n` streams at once; resolves when every one has ended. */
export async function round(port: number, agent: http.Agent, n: number, model: string) {
  const started = performance.now();
  const body = chatBody(model);
  const streams = await Promise.all(Array.from({ length: n }, () => openStream(port, agent, body)));
  return { wallMs: performance.now() - started, streams };
}

/**
 * `clients` clients, each starting its next run as soon as its last one ended, for `ms`: the runs that ended
 * in that time (a run still going when the time is up is not counted).
 */
export async function closedLoop(
  port: number,
  agent: http.Agent,
  clients: number,
  model: string,
  ms: number,
) {
  const body = chatBody(model);
  const until = performance.now() + ms;
  const results: StreamResult[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const r = await openStream(port, agent, body);
        if (performance.now() <= until) results.push(r);
      }
    }),
  );
  return { wallMs: Math.min(performance.now(), until) - started, streams: results };
}

/** The failures among streams, counted by kind. */
export function failures(label: string, streams: StreamResult[]): string[] {
  const counts = new Map<string, number>();
  for (const s of streams) if (!s.ok) counts.set(s.error ?? '?', (counts.get(s.error ?? '?') ?? 0) + 1);
  return [...counts].map(([error, count]) => `${label}: ${count} × ${error}`);
}
