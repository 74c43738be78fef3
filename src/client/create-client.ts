import type {
  DocumentText,
  ChatReply,
  ChatRequest,
  ConversationDetail,
  ConversationPage,
  Conversation,
  DocumentInfo,
  ModelList,
  RunInfo,
  SearchRequest,
  SearchResult,
  UploadResult,
} from '../protocol/index.js';
import { type ReconnectOptions, RunStream } from './run-stream.js';
import { StreamForgeError } from './streamforge-error.js';

export interface ClientOptions {
  /** Where the server is, e.g. `http://127.0.0.1:8000`; '' in a page the server itself serves. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`: an API key or a JWT, or a function returning the current one. */
  token?: string | (() => string | null | undefined | Promise<string | null | undefined>);
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** How run streams reconnect after a dropped connection. */
  reconnect?: ReconnectOptions;
}

/** The body of `POST /v1/chat` as a client writes it (defaults may be left out). */
export type ChatInput = Omit<Partial<ChatRequest>, 'stream' | 'message'> & { message: string };

/** The options of a regeneration: those of a chat, without a message or conversation. */
export type RegenerateInput = Omit<ChatInput, 'message' | 'conversation_id'>;

export interface StreamOptions {
  signal?: AbortSignal;
  reconnect?: ReconnectOptions;
}

/** A file to upload: its name and its bytes (a browser `File` is both). */
export type UploadFile = Blob & { name?: string };

export type StreamForgeClient = ReturnType<typeof createClient>;

/**
 * A typed client of a StreamForge server, for browsers and Node (anything with `fetch` and web streams).
 * `chat` and `resume` return a `RunStream`; everything else returns the parsed JSON, or throws a
 * `StreamForgeError` carrying the server's problem code and message.
 */
export function createClient(options: ClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function headers(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
  }

  /** Sends a request; a status that is not ok (and not one of `alsoOk`) throws its StreamForgeError. */
  async function send(
    path: string,
    init: RequestInit & { headers?: Record<string, string> } = {},
    alsoOk: number[] = [],
  ) {
    let response: Response;
    try {
      response = await fetchFn(base + path, { ...init, headers: await headers(init.headers) });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new StreamForgeError(0, 'network_error', error instanceof Error ? error.message : String(error));
    }
    if (!response.ok && !alsoOk.includes(response.status))
      throw await StreamForgeError.fromResponse(response);
    return response;
  }

  async function json<T>(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
    const response = await send(path, init);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  const post = (body: unknown) => ({
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

  async function openEvents(runId: string, after: number, signal: AbortSignal): Promise<Response> {
    return fetchFn(`${base}/v1/runs/${encodeURIComponent(runId)}/events`, {
      headers: await headers({ accept: 'text/event-stream', 'last-event-id': String(after) }),
      signal,
    });
  }

  /** A run started by POSTing `body` to `path`, whose event stream it answers with; reconnections resume it. */
  function startStream(path: string, body: unknown, streamOptions: StreamOptions): RunStream {
    return new RunStream(
      async ({ runId, after, signal }) => {
        if (runId) return openEvents(runId, after, signal);
        return fetchFn(base + path, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: await headers({ 'content-type': 'application/json', accept: 'text/event-stream' }),
          signal,
        });
      },
      cancelRun,
      { reconnect: streamOptions.reconnect ?? options.reconnect, signal: streamOptions.signal },
    );
  }

  const cancelRun = async (runId: string) => {
    await send(`/v1/runs/${encodeURIComponent(runId)}/cancel`, { method: 'POST' });
  };

  return {
    /**
     * Sends a message and streams the answer. The run outlives a dropped connection, which the stream
     * resumes by itself; `close()` or the signal stops listening, `cancel()` stops the run.
     */
    chat(input: ChatInput, streamOptions: StreamOptions = {}): RunStream {
      return startStream('/v1/chat', input, streamOptions);
    },

    /**
     * Answers the conversation's last user message again, in place of its last answer (after a failed or
     * cancelled answer, or for another try, perhaps with another `model`); streams like `chat`.
     */
    regenerate(
      conversationId: string,
      input: RegenerateInput = {},
      streamOptions: StreamOptions = {},
    ): RunStream {
      const path = `/v1/conversations/${encodeURIComponent(conversationId)}/regenerate`;
      return startStream(path, input, streamOptions);
    },

    /** Sends a message and waits for the whole answer as one JSON reply. */
    chatOnce(input: ChatInput, init: { signal?: AbortSignal } = {}): Promise<ChatReply> {
      return json<ChatReply>('/v1/chat', { ...post({ ...input, stream: false }), ...init });
    },

    /**
     * Rejoins a run (one still generating, e.g. a conversation's `active_run`) from its first event, or
     * after `after` to get only what is new.
     */
    resume(runId: string, streamOptions: StreamOptions & { after?: number } = {}): RunStream {
      return new RunStream(
        ({ runId: id, after, signal }) => openEvents(id ?? runId, after, signal),
        cancelRun,
        {
          runId,
          after: streamOptions.after ?? 0,
          reconnect: streamOptions.reconnect ?? options.reconnect,
          signal: streamOptions.signal,
        },
      );
    },

    /** Stops a run on whichever instance runs it. */
    cancel: cancelRun,

    run: (runId: string) => json<RunInfo>(`/v1/runs/${encodeURIComponent(runId)}`),

    models: () => json<ModelList>('/v1/models'),

    conversations: {
      list: (query: { limit?: number; cursor?: string } = {}) => {
        const params = new URLSearchParams();
        if (query.limit !== undefined) params.set('limit', String(query.limit));
        if (query.cursor) params.set('cursor', query.cursor);
        const qs = params.size ? `?${params}` : '';
        return json<ConversationPage>(`/v1/conversations${qs}`);
      },
      get: (id: string) => json<ConversationDetail>(`/v1/conversations/${encodeURIComponent(id)}`),
      create: (body: { title?: string } = {}) => json<Conversation>('/v1/conversations', post(body)),
      delete: (id: string) => json<void>(`/v1/conversations/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    },

    documents: {
      list: () => json<{ data: DocumentInfo[] }>('/v1/documents'),
      get: (id: string) => json<DocumentInfo>(`/v1/documents/${encodeURIComponent(id)}`),
      /** Its text as indexed, chunk by chunk (what a source's `chunk_id` names), with headings and PDF pages. */
      text: (id: string) => json<DocumentText>(`/v1/documents/${encodeURIComponent(id)}/chunks`),
      /** Uploads and indexes files (multipart); each file's result says indexed, duplicate or rejected. */
      upload: async (files: UploadFile[], init: { signal?: AbortSignal } = {}) => {
        const form = new FormData();
        for (const [i, file] of files.entries()) form.append('file', file, file.name ?? `file-${i + 1}`);
        // 207: some files were indexed and some rejected; the body says which.
        const response = await send(
          '/v1/documents',
          { method: 'POST', body: form, signal: init.signal },
          [207],
        );
        return (await response.json()) as UploadResult;
      },
      delete: (id: string) => json<void>(`/v1/documents/${encodeURIComponent(id)}`, { method: 'DELETE' }),
      search: (body: Partial<SearchRequest> & { query: string }) =>
        json<SearchResult>('/v1/search', post(body)),
    },
  };
}
