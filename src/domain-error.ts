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

/** One field that did not validate, named by its path (`body.message`, `messages.2.content`…). */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Input that does not validate: every field's problem, and the code `message_too_long` when what is wrong is
 * that the message is longer than the server takes (clients show that one differently), else `invalid_request`.
 */
export class InvalidInputError extends DomainError {
  constructor(
    readonly errors: FieldProblem[],
    messageTooLong = false,
  ) {
    super(
      'invalid',
      messageTooLong ? 'message_too_long' : 'invalid_request',
      errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '),
    );
  }
}
