import type { Problem } from '../protocol/index.js';

/**
 * A request the server refused or could not serve, with the problem's stable `code` and human `detail`;
 * `status` 0 when no response came at all (`network_error`), or a run stream that could not be resumed.
 */
export class StreamForgeError extends Error {
  override readonly name = 'StreamForgeError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problem?: Problem,
  ) {
    super(message);
  }

  /** The error a failed response stands for: its problem+json when it has one. */
  static async fromResponse(response: Response): Promise<StreamForgeError> {
    const text = await response.text().catch(() => '');
    try {
      const body = JSON.parse(text) as Partial<Problem> & { error?: { message?: string; code?: string } };
      if (typeof body.code === 'string' && typeof body.detail === 'string')
        return new StreamForgeError(response.status, body.code, body.detail, body as Problem);
    } catch {
      // Not JSON (a proxy's error page…): fall through to the status line.
    }
    return new StreamForgeError(
      response.status,
      `http_${response.status}`,
      `The server answered ${response.status} ${response.statusText}`.trim(),
    );
  }
}
