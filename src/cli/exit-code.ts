/** What `streamforge` exits with; `--help` lists them. */
export const ExitCode = {
  /** The command did what was asked (chat: the answer is complete). */
  ok: 0,
  /** The run ended failed or cancelled, or (ingest) a file was rejected, or the server could not start. */
  failed: 1,
  /** Unknown command or option, a missing question or file. */
  usage: 2,
  /** The server refused the request (its problem code and message are printed). */
  refused: 3,
  /** The server could not be reached. */
  unreachable: 4,
  /** Interrupted by Ctrl-C (128 + SIGINT), after cancelling the run. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
