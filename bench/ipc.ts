/**
 * The messages between the benchmark (parent) and the server it measures (a child process), and the child's
 * side of them. Each server child runs `node --expose-gc --import tsx <server>.ts <tokens> <backlog>`.
 */

/** Deltas a held stream (`bench:held`, `?hold=1`) sends before it waits for `release`. */
export const HELD_AFTER = 10;

/** The i-th delta of every answer, the same in both servers. */
export const delta = (i: number): string => ` tok${i}`;

/** Parent → child. */
export type ToChild =
  | { type: 'memory'; seq: number }
  | { type: 'release' }
  | { type: 'stop' };

/** Child → parent. */
export type ToParent =
  | { type: 'listening'; port: number }
  | { type: 'memory'; seq: number; usage: NodeJS.MemoryUsage };

/** What a server child is started with. */
export interface ChildArgs {
  /** Tokens per answer. */
  tokens: number;
  /** Listen backlog: the same for both servers, large enough that N connects at once are not dropped. */
  backlog: number;
}

export function childArgs(): ChildArgs {
  const tokens = Number(process.argv[2]);
  const backlog = Number(process.argv[3]);
  if (!Number.isInteger(tokens) || tokens < 10 || !Number.isInteger(backlog) || backlog < 1)
    throw new Error(`usage: <server>.ts <tokens ≥ 10> <backlog>, got ${process.argv.slice(2).join(' ')}`);
  return { tokens, backlog };
}

/** A gate that held streams wait on until the parent says `release`; then a fresh one closes behind it. */
export class Gate {
  #open!: () => void;
  promise!: Promise<void>;

  constructor() {
    this.#reset();
  }

  release(): void {
    const open = this.#open;
    this.#reset();
    open();
  }

  #reset(): void {
    this.promise = new Promise<void>((resolve) => {
      this.#open = resolve;
    });
  }
}

/**
 * The child's side: reports its port, answers memory requests (after a full GC) and releases held streams.
 * `stop` (or the parent going away) ends the process after `close`.
 */
export function serveParent(port: number, gate: Gate, close: () => Promise<void>): void {
  const send = (message: ToParent) => process.send?.(message);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the server child with --expose-gc');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    gate.release();
    // Open streams would keep a graceful close waiting; the parent has what it needs.
    const timer = setTimeout(() => process.exit(0), 2000);
    timer.unref();
    await close().catch(() => undefined);
    process.exit(0);
  };
  process.on('message', (message: ToChild) => {
    if (message.type === 'memory') {
      gc();
      gc();
      send({ type: 'memory', seq: message.seq, usage: process.memoryUsage() });
    } else if (message.type === 'release') {
      gate.release();
    } else if (message.type === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'listening', port });
}
