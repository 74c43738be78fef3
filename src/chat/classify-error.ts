import { AISDKError, APICallError } from '@ai-sdk/provider';

/** The model call exceeded `MODEL_TIMEOUT_MS` or `MODEL_IDLE_TIMEOUT_MS`. */
export class ModelTimeoutError extends Error {
  override name = 'ModelTimeoutError';
  constructor(readonly kind: 'total' | 'idle') {
    super(
      kind === 'total'
        ? 'model call exceeded its total timeout'
        : 'model sent nothing within the idle timeout',
    );
  }
}

/** What a client is told about a failure: a stable code, a human message, and whether trying again may help. */
export interface ClientError {
  code: string;
  message: string;
  retryable: boolean;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
]);

/** Maps a model failure to what the client may know. Upstream bodies and messages are never part of it. */
export function classifyModelError(error: unknown): ClientError {
  if (error instanceof ModelTimeoutError) {
    return { code: 'upstream_timeout', message: 'The model did not answer in time.', retryable: true };
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === 429) {
      return {
        code: 'upstream_rate_limited',
        message: 'The model provider is limiting requests. Try again shortly.',
        retryable: true,
      };
    }
    if (status === 401 || status === 403) {
      return {
        code: 'upstream_auth_failed',
        message: "The model provider refused this server's credentials.",
        retryable: false,
      };
    }
    if (error.isRetryable || status === undefined || status >= 500) {
      return { code: 'upstream_unavailable', message: 'The model provider is unavailable.', retryable: true };
    }
    return {
      code: 'upstream_rejected',
      message: 'The model provider rejected the request.',
      retryable: false,
    };
  }
  if (isNetworkError(error)) {
    return {
      code: 'upstream_unavailable',
      message: 'The model provider could not be reached.',
      retryable: true,
    };
  }
  return {
    code: 'model_error',
    message: 'The model failed while generating the answer.',
    retryable: true,
  };
}

/** Worth another attempt before any token was sent: rate limits, overload, 5xx, dropped connections. */
export function isRetryableBeforeFirstToken(error: unknown): boolean {
  if (error instanceof ModelTimeoutError) return false;
  if (APICallError.isInstance(error)) return error.isRetryable;
  return isNetworkError(error);
}

/**
 * What the log may hold about a model failure: never an upstream body, a request body or a header (keys).
 * Errors of our own code keep their stack: they are bugs to fix.
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (error instanceof ModelTimeoutError) return { name: error.name, kind: error.kind };
  if (APICallError.isInstance(error)) {
    return { name: error.name, statusCode: error.statusCode, url: error.url.split('?')[0] };
  }
  if (AISDKError.isInstance(error)) return { name: error.name };
  if (isNetworkError(error)) return { name: 'NetworkError', code: networkCode(error) };
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  // A provider's in-stream error event: its payload comes from upstream, so only its kind is kept.
  const type =
    typeof error === 'object' && error !== null && 'type' in error ? String(error.type) : typeof error;
  return { name: 'UpstreamStreamError', type };
}

function networkCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e instanceof Error; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    e = e.cause;
  }
  return undefined;
}

function isNetworkError(error: unknown): boolean {
  if (networkCode(error)) return true;
  // undici: "fetch failed" / "terminated" when the server drops the connection.
  return error instanceof TypeError && /^(fetch failed|terminated)$/.test(error.message);
}
