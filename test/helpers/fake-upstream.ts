import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fake upstream LLM API for end-to-end tests: real HTTP on 127.0.0.1 that speaks the streaming wire
 * formats of OpenAI Chat Completions (also what Ollama and other OpenAI-compatible servers speak),
 * Anthropic Messages and Gemini `streamGenerateContent?alt=sse`, so the real AI SDK provider packages
 * talk to it unmodified:
 *
 * - OpenAI / OpenAI-compatible: `baseURL: `${url}/v1``  → `POST /v1/chat/completions` (`/chat/completions` too)
 * - Anthropic:                  `baseURL: `${url}/v1``  → `POST /v1/messages` (`/messages` too)
 * - Google:                     `baseURL: `${url}/v1beta`` → `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`
 * - OpenAI embeddings:          `baseURL: `${url}/v1``  → `POST /v1/embeddings` (`/embeddings` too), answered with
 *                               `fakeEmbedding()` of each input (see there); scripts do not apply to it.
 *
 * Only streaming requests are implemented for chat; a non-streaming one is answered 400 in the provider's format.
 *
 * A script can end the answer with tool calls (`toolCalls`), and `scripts([...])` queues one script per
 * request for multi-step (tool call → tool result → answer) conversations.
 */

export type Provider = 'openai' | 'anthropic' | 'google';

/** A tool call the fake answers with, after the text tokens. */
export interface UpstreamToolCall {
  /**
   * The call id on the wire. @default OpenAI `call_<n>`, Anthropic `toolu_<n>` (n counts the tool calls this
   * fake has sent, from 1); Gemini sends no id unless one is given, so @ai-sdk/google generates one.
   */
  id?: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface UpstreamScript {
  /** Text deltas to stream, in order (may be empty, e.g. for a tool-call-only answer). */
  tokens: string[];
  /**
   * Tool calls sent after the tokens, in the provider's streaming format, ending with its tool-use finish
   * reason instead of `finishReason` (OpenAI `tool_calls`, Anthropic `tool_use`, Gemini `STOP`, which
   * @ai-sdk/google reports as 'tool-calls' when the answer has function calls):
   * - OpenAI: `delta.tool_calls` chunks, first `{index, id, type: 'function', function: {name, arguments: ''}}`,
   *   then the JSON arguments over at least two `{index, function: {arguments}}` chunks;
   * - Anthropic: per call a `tool_use` content block (`input: {}`) filled by at least two `input_json_delta`s;
   * - Gemini: one chunk whose `parts` hold every `{functionCall: {name, args}}`.
   * A `failAfter`/`hangAfter` interruption comes before them.
   */
  toolCalls?: UpstreamToolCall[];
  /** Reported usage. @default { input: 11, output: tokens.length + toolCalls.length } */
  usage?: { input: number; output: number };
  /** @default 'stop' (ignored when there are `toolCalls`) */
  finishReason?: 'stop' | 'length';
  /**
   * After this many tokens, send the provider's mid-stream error (OpenAI: a `data: {"error":{...}}` chunk;
   * Anthropic: `event: error` with an `overloaded_error`; Gemini: destroy the socket) instead of the rest.
   */
  failAfter?: number;
  /** After this many tokens, send nothing more (socket stays open) until the client closes it. */
  hangAfter?: number;
  /**
   * Statuses for the first requests before the script runs, e.g. `[429]` or `[503, 503]`. These requests do
   * not use up a queued script (see `scripts()`): the retry gets the same script.
   */
  status?: number[];
  /** Pause between tokens. @default 0 */
  tokenDelayMs?: number;
}

export interface RecordedRequest {
  provider: Provider;
  /** The request target as sent: path plus query string (Gemini's includes `?alt=sse`). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (the raw text if it was not JSON). */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface FakeUpstream {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every request received on a provider route (embeddings included, as provider 'openai'), body parsed. */
  requests: RecordedRequest[];
  /** How many requests reached the embeddings route (`/v1/embeddings`, `/embeddings`), failed ones included. */
  readonly embeddingCalls: number;
  /**
   * Makes every following embeddings request answer this HTTP status with an OpenAI-style JSON error body
   * (containing `UPSTREAM_SECRET`; 429 also sends `retry-after: 0`); `null` restores normal answers.
   * Embeddings otherwise ignore scripts (`status` included), so chat scripts and embeddings do not interfere.
   */
  failEmbeddings(status: number | null): void;
  /**
   * The script for every following request (replaces the previous one and any queue; resets the status
   * counter). Same as `scripts([s])`.
   */
  script(s: UpstreamScript): void;
  /**
   * One script per following request, in order (replaces the previous ones): each streamed answer takes the
   * next; the last one then repeats for every later request. A script's `status` list applies to that
   * script only: its error responses do not move the queue on, so a retry gets the same script.
   */
  scripts(list: UpstreamScript[]): void;
  /** The oldest request not yet taken by `nextRequest()`, or the next one to arrive. */
  nextRequest(): Promise<RecordedRequest>;
  /** Resolves when a client closes a streaming response before it finished (one close per call). */
  clientClosed(): Promise<void>;
  /** Destroys every open socket (hanging streams included) and stops listening. */
  close(): Promise<void>;
}

/** Every error message the fake sends contains this, so tests can check it never reaches a client. */
export const UPSTREAM_SECRET = 'UPSTREAM-SECRET-DETAIL';

/** The length of every `fakeEmbedding()` vector. */
export const FAKE_EMBEDDING_DIMENSIONS = 64;

/** 32-bit FNV-1a of the string's UTF-8 bytes. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The deterministic vector the fake answers embeddings requests with: a 64-dimension hashed bag of words.
 * The text is lower-cased and split on everything but Unicode letters and digits; words shorter than 3
 * characters are dropped; each word adds 1 to dimension `fnv1a(word) % 64` and 0.5 to dimension
 * `fnv1a(first 5 characters of the word) % 64` (so 'battery' and 'batteries' meet; for words of up to 5
 * characters that is the same dimension, which then gets 1.5). The result is L2-normalised; a text without
 * any such word gives the all-zero vector. Texts sharing words have a higher cosine (dot product).
 */
export function fakeEmbedding(text: string): number[] {
  const vector = new Array<number>(FAKE_EMBEDDING_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    const chars = [...word];
    if (chars.length < 3) continue;
    const wordDim = fnv1a(word) % FAKE_EMBEDDING_DIMENSIONS;
    const prefixDim = fnv1a(chars.slice(0, 5).join('')) % FAKE_EMBEDDING_DIMENSIONS;
    vector[wordDim] = (vector[wordDim] ?? 0) + 1;
    vector[prefixDim] = (vector[prefixDim] ?? 0) + 0.5;
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/** A rough, deterministic token count for embeddings usage: words, numbers and punctuation marks. */
const countTokens = (text: string) => text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;

const DEFAULT_SCRIPT: UpstreamScript = { tokens: ['Hello', ' from', ' the', ' fake', ' upstream.'] };

/** How one provider frames a stream. Every method returns raw bytes to write ('' for nothing). */
interface Encoder {
  contentType: string;
  head(): string;
  token(text: string, index: number, last: boolean): string;
  finish(): string;
  /** The mid-stream error frame, or `null` to destroy the socket instead. */
  fail(): string | null;
}

/** A tool call with its wire id resolved and its arguments serialized. */
interface PlannedToolCall {
  /** Always set for OpenAI and Anthropic; for Gemini only when the script gave one. */
  id: string | undefined;
  name: string;
  args: Record<string, unknown>;
  /** `JSON.stringify(args)` */
  json: string;
}

interface StreamPlan {
  tokens: string[];
  toolCalls: PlannedToolCall[];
  input: number;
  output: number;
  /** 'tool-calls' whenever there are tool calls. */
  finishReason: 'stop' | 'length' | 'tool-calls';
}

/** A JSON string in at least two pieces (every JSON object text is at least 2 characters long). */
function splitJson(json: string): string[] {
  const size = Math.max(1, Math.min(16, Math.ceil(json.length / 2)));
  const parts: string[] = [];
  for (let i = 0; i < json.length; i += size) parts.push(json.slice(i, i + size));
  return parts;
}

/** The request fields the encoders read (OpenAI and Anthropic bodies). */
interface ChatBody {
  model?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
}
const asChatBody = (body: unknown): ChatBody => (typeof body === 'object' && body !== null ? body : {});

const sse = (data: unknown) => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
const namedSse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function openaiEncoder(body: ChatBody, plan: StreamPlan, seq: number): Encoder {
  // With include_usage, OpenAI sends `"usage": null` on every chunk before the usage chunk.
  const includeUsage = body.stream_options?.include_usage === true;
  const base = {
    id: `chatcmpl-fake${seq}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: String(body.model ?? 'unknown'),
    system_fingerprint: 'fp_fake',
  };
  const chunk = (delta: object, finishReason: string | null = null) =>
    sse({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(includeUsage ? { usage: null } : {}),
    });
  // A tool-call-only answer starts with the first tool call chunk (`content: null`), as OpenAI does.
  const toolOnly = plan.tokens.length === 0 && plan.toolCalls.length > 0;
  const toolCallChunks = () =>
    plan.toolCalls
      .map(
        (call, index) =>
          chunk({
            ...(toolOnly && index === 0 ? { role: 'assistant', content: null } : {}),
            tool_calls: [
              { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
            ],
            ...(toolOnly && index === 0 ? { refusal: null } : {}),
          }) +
          splitJson(call.json)
            .map((part) => chunk({ tool_calls: [{ index, function: { arguments: part } }] }))
            .join(''),
      )
      .join('');
  return {
    contentType: 'text/event-stream; charset=utf-8',
    head: () => (toolOnly ? '' : chunk({ role: 'assistant', content: '', refusal: null })),
    token: (text) => chunk({ content: text }),
    finish: () =>
      toolCallChunks() +
      chunk({}, plan.finishReason === 'tool-calls' ? 'tool_calls' : plan.finishReason) +
      (includeUsage
        ? sse({
            ...base,
            choices: [],
            usage: {
              prompt_tokens: plan.input,
              completion_tokens: plan.output,
              total_tokens: plan.input + plan.output,
              prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
              completion_tokens_details: {
                reasoning_tokens: 0,
                audio_tokens: 0,
                accepted_prediction_tokens: 0,
                rejected_prediction_tokens: 0,
              },
            },
          })
        : '') +
      sse('[DONE]'),
    fail: () =>
      sse({
        error: {
          message: `The server had an error while processing your request. ${UPSTREAM_SECRET}`,
          type: 'server_error',
          param: null,
          code: null,
        },
      }),
  };
}

function anthropicEncoder(body: ChatBody, plan: StreamPlan, seq: number): Encoder {
  // Block 0 is the text, unless the answer is tool calls only; each tool call is a block after it.
  const hasText = plan.tokens.length > 0 || plan.toolCalls.length === 0;
  const firstToolIndex = hasText ? 1 : 0;
  const stopReason = { 'tool-calls': 'tool_use', length: 'max_tokens', stop: 'end_turn' }[plan.finishReason];
  return {
    contentType: 'text/event-stream; charset=utf-8',
    head: () =>
      namedSse('message_start', {
        type: 'message_start',
        message: {
          id: `msg_fake${seq}`,
          type: 'message',
          role: 'assistant',
          model: String(body.model ?? 'unknown'),
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: plan.input,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: 1,
          },
        },
      }) +
      (hasText
        ? namedSse('content_block_start', {
            type: 'content_block_start',
            index: 0,
            content_block: { type: 'text', text: '' },
          })
        : '') +
      namedSse('ping', { type: 'ping' }),
    token: (text) =>
      namedSse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text },
      }),
    finish: () =>
      (hasText ? namedSse('content_block_stop', { type: 'content_block_stop', index: 0 }) : '') +
      plan.toolCalls
        .map((call, i) => {
          const index = firstToolIndex + i;
          return (
            namedSse('content_block_start', {
              type: 'content_block_start',
              index,
              content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
            }) +
            splitJson(call.json)
              .map((partial_json) =>
                namedSse('content_block_delta', {
                  type: 'content_block_delta',
                  index,
                  delta: { type: 'input_json_delta', partial_json },
                }),
              )
              .join('') +
            namedSse('content_block_stop', { type: 'content_block_stop', index })
          );
        })
        .join('') +
      namedSse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: plan.output },
      }) +
      namedSse('message_stop', { type: 'message_stop' }),
    fail: () =>
      namedSse('error', {
        type: 'error',
        error: { type: 'overloaded_error', message: `Overloaded ${UPSTREAM_SECRET}` },
      }),
  };
}

function googleEncoder(model: string, plan: StreamPlan): Encoder {
  const responseId = randomBytes(12).toString('base64url');
  const finishReason = plan.finishReason === 'length' ? 'MAX_TOKENS' : 'STOP';
  const chunk = (parts: object[], candidates: number, final: boolean) =>
    sse({
      candidates: [
        {
          content: { parts, role: 'model' },
          ...(final ? { finishReason } : {}),
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: plan.input,
        candidatesTokenCount: candidates,
        totalTokenCount: plan.input + candidates,
      },
      modelVersion: model,
      responseId,
    });
  return {
    contentType: 'text/event-stream',
    head: () => '',
    // The last chunk carries finishReason and the final usage; earlier ones a running count. That is the
    // last token's, unless function calls follow: then theirs (Gemini sends them whole, in one chunk).
    token: (text, index, last) => {
      const final = last && plan.toolCalls.length === 0;
      return chunk([{ text }], final ? plan.output : Math.min(index + 1, plan.output), final);
    },
    finish: () => {
      if (plan.toolCalls.length > 0) {
        const parts = plan.toolCalls.map((call) => ({
          functionCall: {
            ...(call.id === undefined ? {} : { id: call.id }),
            name: call.name,
            args: call.args,
          },
        }));
        return chunk(parts, plan.output, true);
      }
      // Only reached on its own when there were no tokens to carry the finish.
      return plan.tokens.length === 0 ? chunk([{ text: '' }], plan.output, true) : '';
    },
    fail: () => null,
  };
}

/** The error body each provider sends with a non-2xx status. */
function errorBody(provider: Provider, status: number, message: string): unknown {
  switch (provider) {
    case 'openai': {
      const rateLimited = status === 429;
      return {
        error: {
          message,
          type: rateLimited ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error',
          param: null,
          code: rateLimited ? 'rate_limit_exceeded' : null,
        },
      };
    }
    case 'anthropic': {
      const types: Record<number, string> = {
        400: 'invalid_request_error',
        401: 'authentication_error',
        403: 'permission_error',
        404: 'not_found_error',
        413: 'request_too_large',
        429: 'rate_limit_error',
        529: 'overloaded_error',
      };
      return { type: 'error', error: { type: types[status] ?? 'api_error', message } };
    }
    case 'google': {
      const statuses: Record<number, string> = {
        400: 'INVALID_ARGUMENT',
        401: 'UNAUTHENTICATED',
        403: 'PERMISSION_DENIED',
        404: 'NOT_FOUND',
        429: 'RESOURCE_EXHAUSTED',
        499: 'CANCELLED',
        500: 'INTERNAL',
        503: 'UNAVAILABLE',
        504: 'DEADLINE_EXCEEDED',
      };
      return { error: { code: status, message, status: statuses[status] ?? 'UNKNOWN' } };
    }
  }
}

interface Route {
  provider: Provider;
  /** Gemini's model comes from the path. */
  model?: string;
  /** The OpenAI embeddings route rather than chat. */
  embeddings?: true;
}

function route(method: string | undefined, pathname: string): Route | undefined {
  if (method !== 'POST') return undefined;
  if (pathname === '/v1/chat/completions' || pathname === '/chat/completions') return { provider: 'openai' };
  if (pathname === '/v1/messages' || pathname === '/messages') return { provider: 'anthropic' };
  if (pathname === '/v1/embeddings' || pathname === '/embeddings')
    return { provider: 'openai', embeddings: true };
  // @ai-sdk/google: `${baseURL}/models/${modelId}:streamGenerateContent?alt=sse`, baseURL ending in /v1beta.
  const gemini = /^\/v1beta\/models\/([^/:]+):streamGenerateContent$/.exec(pathname);
  if (gemini?.[1]) return { provider: 'google', model: decodeURIComponent(gemini[1]) };
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  /** Scripts for the next streamed answers, one each; then `current` repeats. */
  let queue: UpstreamScript[] = [];
  let current: UpstreamScript = DEFAULT_SCRIPT;
  /** How many of the script-in-use's `status` entries have been answered. */
  let statusIndex = 0;
  let seq = 0;
  let toolCallSeq = 0;
  let embeddingCalls = 0;
  let embeddingFailure: number | null = null;
  let closing = false;
  const requests: RecordedRequest[] = [];
  let taken = 0;
  const requestWaiters: ((r: RecordedRequest) => void)[] = [];
  let unclaimedCloses = 0;
  const closeWaiters: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const pauses = new Set<{ timer: NodeJS.Timeout; done: () => void }>();

  const record = (r: RecordedRequest) => {
    requests.push(r);
    const waiter = requestWaiters.shift();
    if (waiter) {
      taken++;
      waiter(r);
    }
  };

  const noteClientClose = () => {
    const waiter = closeWaiters.shift();
    if (waiter) waiter();
    else unclaimedCloses++;
  };

  /** A pause that close() cuts short, so no timer outlives the server. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => entry.done(), ms),
        done: () => {
          clearTimeout(entry.timer);
          pauses.delete(entry);
          resolve();
        },
      };
      pauses.add(entry);
    });

  const sendJson = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: http.OutgoingHttpHeaders = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  /**
   * `POST /v1/embeddings` as OpenAI answers it: `input` a string or an array of (non-empty) strings,
   * `encoding_format` 'float' (the default) or 'base64' (little-endian float32s). Token-array inputs and
   * `dimensions` are not supported (`dimensions` is ignored: vectors always have 64 dimensions).
   */
  function embeddings(res: http.ServerResponse, body: unknown) {
    const fail = (status: number, message: string, headers: http.OutgoingHttpHeaders = {}) =>
      sendJson(res, status, errorBody('openai', status, message), headers);
    if (embeddingFailure !== null) {
      const status = embeddingFailure;
      const message =
        status === 429
          ? `Rate limit reached. ${UPSTREAM_SECRET}`
          : `Upstream error ${status}. ${UPSTREAM_SECRET}`;
      return fail(status, message, status === 429 ? { 'retry-after': '0' } : {});
    }
    const request = (typeof body === 'object' && body !== null ? body : {}) as {
      model?: unknown;
      input?: unknown;
      encoding_format?: unknown;
    };
    if (typeof request.model !== 'string' || request.model === '') {
      return fail(400, 'you must provide a model parameter');
    }
    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    if (
      !Array.isArray(inputs) ||
      inputs.length === 0 ||
      !inputs.every((x): x is string => typeof x === 'string' && x !== '')
    ) {
      return fail(400, "'$.input' is invalid: fake-upstream takes a non-empty string or array of them.");
    }
    const format = request.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') {
      return fail(400, `'${String(format)}' is not one of ['float', 'base64'] - 'encoding_format'`);
    }
    const tokens = inputs.reduce((sum, input) => sum + countTokens(input), 0);
    sendJson(res, 200, {
      object: 'list',
      data: inputs.map((input, index) => {
        const vector = fakeEmbedding(input);
        return {
          object: 'embedding',
          index,
          embedding:
            format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
        };
      }),
      model: request.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }

  async function stream(
    res: http.ServerResponse,
    encoder: Encoder,
    script: UpstreamScript,
    plan: StreamPlan,
  ) {
    let finished = false;
    res.on('close', () => {
      if (!finished && !closing) noteClientClose();
    });
    // Resolves once the last write has been handed to the socket (so a destroy cannot discard it).
    let flushed = Promise.resolve();
    const write = (text: string) => {
      if (res.destroyed || res.writableEnded) return false;
      if (text) flushed = new Promise((resolve) => res.write(text, () => resolve()));
      return true;
    };

    const n = plan.tokens.length;
    const fail = script.failAfter === undefined ? Infinity : Math.max(0, Math.min(script.failAfter, n));
    const hang = script.hangAfter === undefined ? Infinity : Math.max(0, Math.min(script.hangAfter, n));
    const interruptAt = Math.min(fail, hang);
    const completes = interruptAt === Infinity;

    res.writeHead(200, {
      'content-type': encoder.contentType,
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    if (!write(encoder.head())) return;
    for (let i = 0; i < n && i < interruptAt; i++) {
      if (i > 0 && script.tokenDelayMs) await pause(script.tokenDelayMs);
      if (!write(encoder.token(plan.tokens[i] ?? '', i, completes && i === n - 1))) return;
    }
    if (completes) {
      finished = true;
      write(encoder.finish());
      res.end();
    } else if (fail <= hang) {
      finished = true;
      const frame = encoder.fail();
      if (frame === null) {
        await flushed;
        res.socket?.destroy();
      } else {
        write(frame);
        res.end();
      }
    }
    // else: hang until the client (or close()) closes the socket.
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const target = route(req.method, url.pathname);
    const text = await readBody(req);
    if (!target) {
      sendJson(res, 404, { error: { message: `fake-upstream: no route for ${req.method} ${req.url}` } });
      return;
    }
    const { provider } = target;
    let body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    // Taken now but used up only when answered (below); nothing in between awaits.
    const queued = queue[0];
    const script = queued ?? current;
    record({ provider, path: req.url ?? url.pathname, headers: { ...req.headers }, body });
    if (target.embeddings) {
      embeddingCalls++;
      return embeddings(res, body);
    }

    const fail = (status: number, message: string, headers: http.OutgoingHttpHeaders = {}) =>
      sendJson(res, status, errorBody(provider, status, message), headers);

    // Headers the real APIs insist on (the SDKs always send them).
    if (provider === 'anthropic') {
      if (!req.headers['anthropic-version']) return fail(400, 'anthropic-version: header is required');
      if (!req.headers['x-api-key'] && !req.headers.authorization)
        return fail(401, 'x-api-key header is required');
    }
    if (provider === 'google' && !req.headers['x-goog-api-key'] && !url.searchParams.get('key')) {
      return fail(403, "Method doesn't allow unregistered callers (missing API key).");
    }

    const status = script.status?.[statusIndex];
    if (status !== undefined) {
      statusIndex++;
      const message =
        status === 429
          ? `Rate limit reached. ${UPSTREAM_SECRET}`
          : `Upstream error ${status}. ${UPSTREAM_SECRET}`;
      return fail(status, message, status === 429 ? { 'retry-after': '0' } : {});
    }

    if (provider === 'google') {
      if (url.searchParams.get('alt') !== 'sse') return fail(400, 'fake-upstream only streams with ?alt=sse');
    } else if (asChatBody(body).stream !== true) {
      return fail(400, 'fake-upstream only implements stream: true');
    }

    // This request gets the script's answer: a queued script is used up, and the next one starts afresh.
    if (queued) {
      queue.shift();
      statusIndex = 0;
    }
    seq++;
    const toolCalls = (script.toolCalls ?? []).map((call): PlannedToolCall => {
      toolCallSeq++;
      const fallback = {
        openai: `call_${toolCallSeq}`,
        anthropic: `toolu_${toolCallSeq}`,
        google: undefined,
      };
      return {
        id: call.id ?? fallback[provider],
        name: call.name,
        args: call.arguments,
        json: JSON.stringify(call.arguments),
      };
    });
    const plan: StreamPlan = {
      tokens: script.tokens,
      toolCalls,
      input: script.usage?.input ?? 11,
      output: script.usage?.output ?? script.tokens.length + toolCalls.length,
      finishReason: toolCalls.length > 0 ? 'tool-calls' : (script.finishReason ?? 'stop'),
    };
    if (provider === 'google') {
      return stream(res, googleEncoder(target.model ?? 'unknown', plan), script, plan);
    }
    const chat = asChatBody(body);
    const encoder =
      provider === 'openai' ? openaiEncoder(chat, plan, seq) : anthropicEncoder(chat, plan, seq);
    return stream(res, encoder, script, plan);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { error: { message: `fake-upstream crashed: ${String(error)}` } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get embeddingCalls() {
      return embeddingCalls;
    },
    failEmbeddings(status) {
      embeddingFailure = status;
    },
    script(s) {
      queue = [];
      current = s;
      statusIndex = 0;
    },
    scripts(list) {
      const last = list.at(-1);
      if (!last) throw new TypeError('fake-upstream: scripts() needs at least one script');
      // The last one is not queued but repeats, so the queue never hands it out with a fresh status list twice.
      queue = list.slice(0, -1);
      current = last;
      statusIndex = 0;
    },
    nextRequest() {
      const ready = requests[taken];
      if (ready) {
        taken++;
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => requestWaiters.push(resolve));
    },
    clientClosed() {
      if (unclaimedCloses > 0) {
        unclaimedCloses--;
        return Promise.resolve();
      }
      return new Promise((resolve) => closeWaiters.push(resolve));
    },
    async close() {
      if (closing) return;
      closing = true;
      for (const p of [...pauses]) p.done();
      const closed = new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
