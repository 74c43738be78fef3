import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Stats, ToChild, ToParent } from './ipc.js';

/** How long a child may take to start, or to answer a request. */
const CHILD_TIMEOUT_MS = 120_000;

/** A server the bench measures, in a child process of its own, driven over IPC. */
export class ServerChild {
  readonly #pending = new Map<number, (reply: Extract<ToParent, { type: 'reply' }>) => void>();
  #seq = 0;
  #exited: Promise<void>;
  #alive = true;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    public port = 0,
  ) {
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.#exited.then(() => (this.#alive = false));
    child.on('message', (message: ToParent) => {
      if (message.type === 'reply') {
        this.#pending.get(message.seq)?.(message);
        this.#pending.delete(message.seq);
      }
    });
  }

  /** Forks `file` with `env` over this process's environment and resolves once it listens. */
  static async start(
    name: string,
    file: string,
    backlog: number,
    env: Record<string, string | undefined> = {},
  ): Promise<ServerChild> {
    // A variable given as undefined is left out (a child started without DATABASE_URL, say).
    const childEnv = Object.fromEntries(
      Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined),
    );
    const child = fork(fileURLToPath(new URL(file, import.meta.url)), [String(backlog)], {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      env: childEnv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const server = new ServerChild(name, child);
    server.port = await withTimeout(
      new Promise<number>((resolve, reject) => {
        child.on('message', (m: ToParent) => m.type === 'listening' && resolve(m.port));
        child.once('exit', (code) => reject(new Error(`${name} server exited (${code}) before listening`)));
      }),
      CHILD_TIMEOUT_MS,
      `${name} server did not start`,
    ).catch(async (error: unknown) => {
      await server.stop();
      throw error;
    });
    return server;
  }

  /** The child's memory (after a full GC when `gc`), the CPU time it has used and its open runs. */
  async stats(gc = false): Promise<Stats> {
    const { stats } = await this.#request({ type: 'stats', seq: 0, gc });
    if (!stats) throw new Error(`${this.name} server sent no stats`);
    return stats;
  }

  /** Resolves once nothing runs in the child any more (held streams were cancelled), within `ms`. */
  async idle(ms = 60_000): Promise<void> {
    const until = Date.now() + ms;
    for (let active; (active = (await this.stats()).active) > 0;) {
      if (Date.now() > until)
        throw new Error(`${this.name} server still runs ${active} runs after ${ms / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async profileStart(): Promise<void> {
    await this.#request({ type: 'profile-start', seq: 0 });
  }

  /** Stops the child's CPU profiler and has it write the profile to `file`. */
  async profileStop(file: string): Promise<void> {
    await this.#request({ type: 'profile-stop', seq: 0, file });
  }

  #request(message: Extract<ToChild, { seq: number }>) {
    const seq = ++this.#seq;
    const reply = new Promise<Extract<ToParent, { type: 'reply' }>>((resolve) =>
      this.#pending.set(seq, resolve),
    );
    this.#send({ ...message, seq });
    const exited = this.#exited.then(() => {
      throw new Error(`${this.name} server exited`);
    });
    return withTimeout(
      Promise.race([reply, exited]),
      CHILD_TIMEOUT_MS,
      `${this.name} server did not answer ${message.type}`,
    );
  }

  async stop(): Promise<void> {
    if (!this.#alive) return;
    this.#send({ type: 'stop' });
    const stopped = await withTimeout(this.#exited, 10_000, '').then(
      () => true,
      () => false,
    );
    if (!stopped) this.child.kill('SIGKILL');
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  #send(message: ToChild): void {
    if (this.#alive && this.child.connected) this.child.send(message);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** CPU time (user + system) between two readings, in ms. */
export const cpuMs = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) =>
  (to.user + to.system - from.user - from.system) / 1000;
