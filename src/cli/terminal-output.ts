/**
 * Where the CLI writes: `process.stdout`/`process.stderr`, or a recording fake in tests. `isTTY` decides
 * between drawing in place (ANSI) and plain append-only text; `columns` and `rows` are the screen's size.
 */
export interface TerminalOutput {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** What a command needs from its process: injected so tests can run commands in-process. */
export interface CliIo {
  stdout: TerminalOutput;
  stderr: TerminalOutput;
  env: Record<string, string | undefined>;
  /** Calls `handler` on each Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
}
