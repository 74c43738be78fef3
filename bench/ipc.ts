import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * The messages between the benchmark (parent) and the server it measures (a child process), and the child's
 * side of them. Each server child runs `node --expose-gc --import tsx <server>.ts <tokens> <backlog>`.
 */

/** Deltas a held stream (`bench:held`, `?hold=1`) sends before it waits for `release`. */
export const HELD_AFTER = 10;

/** The i-th delta of every answer, the same in both servers. */
export const delta = (i: number): string => ` tok${i}`;

/** What the server reports about itself: memory (after a full GC when asked) and CPU time used so far. */
export interface Stats {
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
}

/** Parent → child. Requests carry a `seq` that the child's `reply` repeats. */
export type ToChild =
  | { type: 'stats'; seq: number; gc: boolean }
  | { type: 'profile-start'; seq: number }
  | { type: 'profile-stop'; seq: number; file: string }
  | { type: 'release' }
  | { type: 'stop' };

/** Child → parent. */
export type ToParent = { type: 'listening'; port: number } | { type: 'reply'; seq: number; stats?: Stats };

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
 * The child's side: reports its port, answers stats requests, profiles its CPU between `profile-start` and
 * `profile-stop` (V8's sampling profiler through the inspector, this thread only) and releases held streams.
 * `stop` (or the parent going away) ends the process after `close`.
 */
export function serveParent(port: number, gate: Gate, close: () => Promise<void>): void {
  const send = (message: ToParent) => process.send?.(message);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the server child with --expose-gc');
  let profiler: Session | undefined;
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
  const handle = async (message: ToChild) => {
    switch (message.type) {
      case 'stats':
        if (message.gc) {
          gc();
          gc();
        }
        send({
          type: 'reply',
          seq: message.seq,
          stats: { memory: process.memoryUsage(), cpu: process.cpuUsage() },
        });
        return;
      case 'profile-start':
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
        send({ type: 'reply', seq: message.seq });
        return;
      case 'profile-stop':
        if (profiler) {
          const { profile } = await profiler.post('Profiler.stop');
          profiler.disconnect();
          profiler = undefined;
          await writeFile(message.file, JSON.stringify(profile));
        }
        send({ type: 'reply', seq: message.seq });
        return;
      case 'release':
        gate.release();
        return;
      case 'stop':
        await stop();
    }
  };
  process.on('message', (message: ToChild) => void handle(message));
  process.on('disconnect', () => void stop());
  send({ type: 'listening', port });
}
