/**
 * What kind of refusal an error is, whatever the transport: each transport turns a kind into its own shape in
 * one table (an HTTP status for problem+json, a WebSocket `error`, a Socket.IO `chat_error`, an OpenAI error).
 */
export type RefusalKind =
  'invalid' | 'not_found' | 'conflict' | 'gone' | 'unprocessable' | 'rate_limited' | 'unavailable';

/**
 * A request the server refuses for a reason the user can act on: a stable `code`, a human `message`, and its
 * kind. Thrown by the domain (turns, stores, models) before anything is written; never internal detail.
 */
export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly kind: RefusalKind,
    readonly code: string,
    message: string,
    /** When trying again may help, after how many seconds (`Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
