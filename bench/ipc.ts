import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The messages between the benchmark (parent) and a server it measures (a child process), and the child's
 * side of them. Each server child runs `node --expose-gc --import tsx <server>.ts <backlog>`.
 */

/** The i-th delta of every answer, the same in both servers. */
export const delta = (i: number): string => ` tok${i}`;

/** Between the tokens of `bench:paced`: the pace of a held stream. */
export const PACED_MS = 1000;
/** Most tokens a paced answer sends (an hour at one a second): held streams end by being cancelled. */
export const PACED_TOKENS = 3600;

/**
 * The models both servers serve: `bench:<n>` streams n deltas as fast as they are read; `bench:paced` one
 * delta every PACED_MS, for held streams.
 */
export function benchModel(model: string): { tokens: number; paced: boolean } | undefined {
  if (model === 'bench:paced') return { tokens: PACED_TOKENS, paced: true };
  const n = /^bench:(\d+)$/.exec(model)?.[1];
  return n ? { tokens: Number(n), paced: false } : undefined;
}

/** The answer lengths the bench asks for (StreamForge registers one model each). */
export const BENCH_TOKENS = [10, 100, 200, 1000] as const;

/** What the server reports about itself: memory (after a full GC when asked) and CPU time used so far. */
export interface Stats {
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
  /** Runs still executing (StreamForge) or streams still open (the floor). */
  active: number;
  /** The longest the event loop was blocked since the previous stats request (ms). */
  loopDelayMaxMs: number;
}

/** Parent → child. Requests carry a `seq` that the child's `reply` repeats. */
export type ToChild =
  | { type: 'stats'; seq: number; gc: boolean }
  | { type: 'profile-start'; seq: number }
  | { type: 'profile-stop'; seq: number; file: string }
  | { type: 'stop' };

/** Child → parent. */
export type ToParent = { type: 'listening'; port: number } | { type: 'reply'; seq: number; stats?: Stats };

/** The listen backlog a server child is started with: large enough that N connects at once are not dropped. */
export function childBacklog(): number {
  const backlog = Number(process.argv[2]);
  if (!Number.isInteger(backlog) || backlog < 1)
    throw new Error(`usage: <server>.ts <backlog>, got ${process.argv.slice(2).join(' ')}`);
  return backlog;
}

/**
 * The child's side: reports its port, answers stats requests, and profiles its CPU between `profile-start`
 * and `profile-stop` (V8's sampling profiler through the inspector, this thread only). `stop` (or the parent
 * going away) ends the process after `close`.
 */
export function serveParent(port: number, active: () => number, close: () => Promise<void>): void {
  const send = (message: ToParent) => process.send?.(message);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the server child with --expose-gc');
  let profiler: Session | undefined;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Open streams would keep a graceful close waiting; the parent has what it needs.
    const timer = setTimeout(() => process.exit(0), 5000);
    timer.unref();
    await close().catch(() => undefined);
    process.exit(0);
  };
  const handle = async (message: ToChild) => {
    switch (message.type) {
      case 'stats': {
        // Read before the forced GC below, whose own pause is left out of the next reading.
        const loopDelayMaxMs = loopDelay.max / 1e6;
        if (message.gc) {
          gc();
          gc();
        }
        send({
          type: 'reply',
          seq: message.seq,
          stats: {
            memory: process.memoryUsage(),
            cpu: process.cpuUsage(),
            active: active(),
            loopDelayMaxMs,
          },
        });
        setTimeout(() => loopDelay.reset(), 50);
        return;
      }
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
      case 'stop':
        await stop();
    }
  };
  process.on('message', (message: ToChild) => void handle(message));
  process.on('disconnect', () => void stop());
  send({ type: 'listening', port });
}
