import { DomainError } from '../domain-error.js';

/** Node's codes for a connection that could not be made or broke. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
/** PostgreSQL's: connection exceptions (class 08), shutdown of the server, too many connections. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * The database does not answer (refused, broken or dropped connections): a refusal with `Retry-After`, never
 * a 500, and what the caller was saving can be tried again.
 */
export class DatabaseUnavailableError extends DomainError {
  constructor(cause?: unknown) {
    super(
      'unavailable',
      'database_unavailable',
      'The database does not answer right now; try again in a moment.',
      1,
    );
    if (cause !== undefined) this.cause = cause;
  }
}

/** True when `error` says the connection to the database failed, rather than the statement. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08')))
    return true;
  return /Connection terminated|connection timeout|Connection ended|not queryable/i.test(error.message);
}

/** `work`, with a failed connection turned into `DatabaseUnavailableError`. */
export async function unavailableIfDisconnected<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw isConnectionFailure(error) ? new DatabaseUnavailableError(error) : error;
  }
}
