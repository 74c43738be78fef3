/**
 * StreamForge's streaming hot path against the floor of what Node can do with the same bytes.
 *
 * Two servers, each in its own child process on 127.0.0.1: the floor (floor-server.ts, bare `node:http`
 * writing the events StreamForge would write) and StreamForge (streamforge-server.ts, the real server on an
 * in-memory PGlite with a zero-cost model). One load generator, here in the parent, drives both the same
 * way: N concurrent `POST /v1/chat` streams, a warm-up round (JIT, N keep-alive connections, the database's
 * first growth), a measured round, then N streams held open after 10 tokens to weigh what an open stream
 * costs the server. Every stream is aborted after 60 s; the children are stopped whatever happens.
 *
 *   npm run bench [-- --n 100,1000,5000 --tokens 1000 --cpu-prof ./prof]
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HELD_AFTER, type Stats, type ToChild, type ToParent } from './ipc.js';

const USAGE = `npm run bench -- [--n 100,1000] [--tokens 200] [--cpu-prof DIR]
  --n          concurrent streams, one table per value (default 100,1000; at most 10000)
  --tokens     tokens per answer (default 200; at least ${HELD_AFTER})
  --cpu-prof   write a CPU profile of each server's measured round to DIR/<server>-n<N>-t<tokens>.cpuprofile
               (open in Chrome DevTools or speedscope)`;

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100,1000' },
    tokens: { type: 'string', default: '200' },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const NS = values.n.split(',').map((s) => Number(s.trim()));
const TOKENS = Number(values.tokens);
if (
  NS.some((n) => !Number.isInteger(n) || n < 1 || n > 10_000) ||
  !Number.isInteger(TOKENS) ||
  TOKENS < HELD_AFTER
) {
  console.error(USAGE);
  process.exit(2);
}

/** Any stream still open after this is aborted and counted as failed. */
const STREAM_TIMEOUT_MS = 60_000;
/** How long a child may take to start, or to answer a request. */
const CHILD_TIMEOUT_MS = 60_000;
const HOST = '127.0.0.1';
const FIXED_BODY = JSON.stringify({ message: 'bench', model: 'bench:fixed' });
const HELD_BODY = JSON.stringify({ message: 'bench', model: 'bench:held' });

// ---------------------------------------------------------------------------------------------------------
// The server children

/** CPU time (user + system) between two readings, in ms. */
const cpuMs = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) =>
  (to.user + to.system - from.user - from.system) / 1000;

class ServerChild {
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

  /** Forks `file` and resolves once it listens. */
  static async start(name: string, file: string, backlog: number): Promise<ServerChild> {
    const execArgv = ['--expose-gc', '--import', 'tsx'];
    const child = fork(fileURLToPath(new URL(file, import.meta.url)), [String(TOKENS), String(backlog)], {
      execArgv,
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

  /** The child's memory (after a full GC when `gc`) and the CPU time it has used. */
  async stats(gc: boolean): Promise<Stats> {
    const { stats } = await this.#request({ type: 'stats', seq: 0, gc });
    if (!stats) throw new Error(`${this.name} server sent no stats`);
    return stats;
  }

  /** Starts the child's CPU profiler. */
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

  /** Lets held streams finish. */
  release(): void {
    this.#send({ type: 'release' });
  }

  async stop(): Promise<void> {
    if (!this.#alive) return;
    this.#send({ type: 'stop' });
    const stopped = await withTimeout(this.#exited, 5000, '').then(
      () => true,
      () => false,
    );
    if (!stopped) this.child.kill('SIGKILL');
  }

  #send(message: ToChild): void {
    if (this.#alive && this.child.connected) this.child.send(message);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------------------
// The load generator

interface StreamResult {
  /** Ended with a `done` event. */
  ok: boolean;
  error?: string;
  events: number;
  tokens: number;
  bytes: number;
  /** Request start to the first `token` event. */
  ttftMs: number | undefined;
}

/** A growing list of numbers (inter-event gaps), sorted once at the end. */
class Samples {
  #values: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.#values = new Float64Array(Math.max(16, capacity));
  }
  push(value: number): void {
    if (this.length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.length++] = value;
  }
  sorted(): Float64Array {
    return this.#values.subarray(0, this.length).sort();
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/**
 * One `POST /v1/chat` stream, read to its end. SSE is parsed just enough: frames split on a blank line,
 * comments (`: ping`) and `retry:` skipped, the `event:` line (second after `id:`) checked for `token` and
 * `done`.
 */
function openStream(
  port: number,
  agent: http.Agent,
  path: string,
  body: string,
  gaps?: Samples,
  onToken?: (tokens: number) => void,
): Promise<StreamResult> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const result: StreamResult = { ok: false, events: 0, tokens: 0, bytes: 0, ttftMs: undefined };
    let settled = false;
    const signal = AbortSignal.timeout(STREAM_TIMEOUT_MS);
    const settle = (error?: string) => {
      if (settled) return;
      settled = true;
      if (error) result.error = signal.aborted ? `aborted after ${STREAM_TIMEOUT_MS / 1000} s` : error;
      resolve(result);
    };
    const req = http.request(
      {
        host: HOST,
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        signal,
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          settle(`HTTP ${res.statusCode}`);
          return;
        }
        let tail = '';
        let lastEventAt = 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = performance.now();
          result.bytes += chunk.length; // the stream is ASCII
          const text = tail.length > 0 ? tail + chunk : chunk;
          let from = 0;
          let end = text.indexOf('\n\n');
          while (end !== -1) {
            // Comments (`: ping`) and `retry:` are not events; an event's first line is `id:`.
            if (text.charCodeAt(from) === 105 /* 'i' */) {
              if (result.events++ > 0) gaps?.push(now - lastEventAt);
              lastEventAt = now;
              const eventLine = text.indexOf('\n', from) + 1;
              if (text.startsWith('event: token', eventLine)) {
                if (result.tokens++ === 0) result.ttftMs = now - startedAt;
                onToken?.(result.tokens);
              } else if (text.startsWith('event: done', eventLine)) {
                result.ok = true;
              }
            }
            from = end + 2;
            end = text.indexOf('\n\n', from);
          }
          tail = from < text.length ? text.slice(from) : '';
        });
        res.on('end', () => settle(result.ok ? undefined : 'ended without done'));
        res.on('error', (error) => settle(error.message));
        res.on('close', () => settle(result.ok ? undefined : 'closed without done'));
      },
    );
    req.on('error', (error) => settle(error.message));
    req.end(body);
  });
}

interface RoundResult {
  wallMs: number;
  streams: StreamResult[];
}

/** N streams at once; resolves when every one has ended. */
async function round(port: number, agent: http.Agent, n: number, gaps?: Samples): Promise<RoundResult> {
  const started = performance.now();
  const streams = await Promise.all(
    Array.from({ length: n }, () => openStream(port, agent, '/v1/chat', FIXED_BODY, gaps)),
  );
  return { wallMs: performance.now() - started, streams };
}

interface Measured {
  eventsPerS: number;
  ttftP50: number;
  ttftP99: number;
  gapP99: number;
  gapP999: number;
  gapMax: number;
  /** Server CPU time per delivered event in the measured round. */
  serverCpuUsPerEvent: number;
  /** Share of one core the server and the load generator used in the measured round. */
  serverCpuShare: number;
  loadCpuShare: number;
  /** Bytes of server heap + external memory per held stream. */
  memoryPerStream: number;
  heapPerStream: number;
  externalPerStream: number;
  /** The server's memory with no stream open, after the warm-up and measured rounds. */
  idle: NodeJS.MemoryUsage;
  wallMs: number;
  eventsPerStream: number;
  bytesPerStream: number;
  failed: string[];
}

/** Warm-up round, measured round, held streams: the figures of one server at one N. */
async function measure(server: ServerChild, n: number, profDir?: string): Promise<Measured> {
  // One socket per stream, kept between rounds so the measured round does not pay N connects.
  const agent = new http.Agent({ keepAlive: true, maxSockets: n, maxFreeSockets: n });
  try {
    const warm = await round(server.port, agent, n);
    const gaps = new Samples(n * (TOKENS + 8));
    if (profDir) await server.profileStart();
    const before = await server.stats(false);
    const loadBefore = process.cpuUsage();
    const { wallMs, streams } = await round(server.port, agent, n, gaps);
    const loadCpu = cpuMs(loadBefore, process.cpuUsage());
    const serverCpu = cpuMs(before.cpu, (await server.stats(false)).cpu);
    if (profDir) await server.profileStop(resolvePath(profDir, `${server.name}-n${n}-t${TOKENS}.cpuprofile`));
    const held = await heldMemory(server, agent, n);

    const ttfts = Float64Array.from(
      streams.flatMap((s) => (s.ttftMs === undefined ? [] : [s.ttftMs])),
    ).sort();
    const sortedGaps = gaps.sorted();
    const events = streams.reduce((sum, s) => sum + s.events, 0);
    const ok = streams.filter((s) => s.ok);
    return {
      eventsPerS: events / (wallMs / 1000),
      ttftP50: percentile(ttfts, 0.5),
      ttftP99: percentile(ttfts, 0.99),
      gapP99: percentile(sortedGaps, 0.99),
      gapP999: percentile(sortedGaps, 0.999),
      gapMax: sortedGaps.at(-1) ?? Number.NaN,
      serverCpuUsPerEvent: (serverCpu * 1000) / events,
      serverCpuShare: serverCpu / wallMs,
      loadCpuShare: loadCpu / wallMs,
      ...held.memory,
      wallMs,
      eventsPerStream: ok.length ? ok.reduce((sum, s) => sum + s.events, 0) / ok.length : 0,
      bytesPerStream: ok.length ? ok.reduce((sum, s) => sum + s.bytes, 0) / ok.length : 0,
      failed: [
        ...failures('warm-up', warm.streams),
        ...failures('measured', streams),
        ...failures('held', held.streams),
      ],
    };
  } finally {
    agent.destroy();
  }
}

function failures(label: string, streams: StreamResult[]): string[] {
  const counts = new Map<string, number>();
  for (const s of streams) if (!s.ok) counts.set(s.error ?? '?', (counts.get(s.error ?? '?') ?? 0) + 1);
  return [...counts].map(([error, count]) => `${label}: ${count} × ${error}`);
}

/**
 * Server memory per open stream: heap + external after a full GC with N streams held after HELD_AFTER
 * tokens, minus the same with none open, divided by N.
 */
async function heldMemory(server: ServerChild, agent: http.Agent, n: number) {
  const idle = (await server.stats(true)).memory;
  let waiting = n;
  let allHeld!: () => void;
  const held = new Promise<void>((resolve) => (allHeld = resolve));
  const arrived = () => --waiting === 0 && allHeld();
  const streams = Array.from({ length: n }, () =>
    // `?hold=1` holds the floor; the `bench:held` model holds StreamForge. Both get the same request.
    openStream(server.port, agent, '/v1/chat?hold=1', HELD_BODY, undefined, (tokens) => {
      if (tokens === HELD_AFTER) arrived();
    }).then((s) => {
      if (s.tokens < HELD_AFTER) arrived();
      return s;
    }),
  );
  await withTimeout(held, STREAM_TIMEOUT_MS, '').catch(() => undefined);
  const open = (await server.stats(true)).memory;
  server.release();
  const results = await Promise.all(streams);
  const heap = (open.heapUsed - idle.heapUsed) / n;
  const external = (open.external - idle.external) / n;
  return {
    memory: { memoryPerStream: heap + external, heapPerStream: heap, externalPerStream: external, idle },
    streams: results,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Same bytes? One stream from each server, compared by headers, event types and JSON field layout.

interface Probe {
  headers: string[];
  events: { type: string; shape: string }[];
}

function probe(port: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: HOST,
        port,
        path: '/v1/chat',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(STREAM_TIMEOUT_MS),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const headers: string[] = [`status ${res.statusCode}`];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const name = (res.rawHeaders[i] ?? '').toLowerCase();
            // Values that differ on every response.
            const value = name === 'date' || name === 'x-request-id' ? '…' : res.rawHeaders[i + 1];
            headers.push(`${name}: ${value}`);
          }
          const events = text
            .split('\n\n')
            .filter((frame) => frame && !frame.startsWith(':'))
            .map((frame) => {
              const lines = frame.split('\n');
              const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? 'null';
              return {
                type: `${lines[0]?.replace(/\d+$/, 'n')} | ${lines[1]}`,
                shape: shapeOf(JSON.parse(data)),
              };
            });
          resolve({ headers, events });
        });
      },
    );
    req.on('error', reject);
    req.end(FIXED_BODY);
  });
}

/** The JSON's layout: keys in order and value types, not values. */
function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(shapeOf).join(',')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value as object)
      .map(([k, v]) => `${k}:${shapeOf(v)}`)
      .join(',')}}`;
  return typeof value;
}

function compareProbes(floor: Probe, sf: Probe): string[] {
  const differences: string[] = [];
  if (floor.headers.join('\n') !== sf.headers.join('\n'))
    differences.push(
      `headers: floor [${floor.headers.join('; ')}] vs StreamForge [${sf.headers.join('; ')}]`,
    );
  if (floor.events.length !== sf.events.length)
    differences.push(`events: floor ${floor.events.length} vs StreamForge ${sf.events.length}`);
  const length = Math.min(floor.events.length, sf.events.length);
  for (let i = 0; i < length && differences.length < 5; i++) {
    const f = floor.events[i];
    const s = sf.events[i];
    if (f && s && (f.type !== s.type || f.shape !== s.shape))
      differences.push(`event ${i + 1}: floor ${f.type} ${f.shape} vs StreamForge ${s.type} ${s.shape}`);
  }
  return differences;
}

// ---------------------------------------------------------------------------------------------------------
// Output

function table(n: number, floor: Measured, sf: Measured): string {
  const fmtMs = (v: number) =>
    Number.isNaN(v) ? '—' : v < 1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v.toFixed(1);
  const rows: [string, number, number, (v: number) => string][] = [
    ['events/s', floor.eventsPerS, sf.eventsPerS, (v) => Math.round(v).toLocaleString('en')],
    ['TTFT p50 (ms)', floor.ttftP50, sf.ttftP50, fmtMs],
    ['TTFT p99 (ms)', floor.ttftP99, sf.ttftP99, fmtMs],
    ['inter-event p99 (ms)', floor.gapP99, sf.gapP99, fmtMs],
    [
      'memory per open stream (KB)',
      floor.memoryPerStream / 1024,
      sf.memoryPerStream / 1024,
      (v) => v.toFixed(1),
    ],
  ];
  const header = ['', 'floor', 'StreamForge', 'StreamForge/floor'];
  const lines = [
    header,
    ...rows.map(([label, f, s, fmt]) => [label, fmt(f), fmt(s), f > 0 && s > 0 ? (s / f).toFixed(2) : '—']),
  ];
  const widths = header.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  const render = (l: string[]) =>
    l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ');
  const kb = (b: number) => (b / 1024).toFixed(1);
  const mb = (m: NodeJS.MemoryUsage) =>
    `${(m.heapUsed / 2 ** 20).toFixed(0)} + ${(m.external / 2 ** 20).toFixed(0)} MB`;
  const pct = (share: number) => `${Math.round(share * 100)}%`;
  return [
    `N = ${n} concurrent streams × ${TOKENS} tokens`,
    ...lines.map(render),
    `  per stream: floor ${floor.eventsPerStream} events, ${kb(floor.bytesPerStream)} KB; StreamForge ${sf.eventsPerStream} events, ${kb(sf.bytesPerStream)} KB` +
      ` · measured round: floor ${(floor.wallMs / 1000).toFixed(2)} s, StreamForge ${(sf.wallMs / 1000).toFixed(2)} s`,
    `  measured round CPU: server ${floor.serverCpuUsPerEvent.toFixed(2)} vs ${sf.serverCpuUsPerEvent.toFixed(2)} µs/event, ` +
      `${pct(floor.serverCpuShare)} vs ${pct(sf.serverCpuShare)} of a core; load generator ${pct(floor.loadCpuShare)} vs ${pct(sf.loadCpuShare)} of a core (floor vs StreamForge)`,
    `  inter-event p99.9 / max (ms): floor ${fmtMs(floor.gapP999)} / ${fmtMs(floor.gapMax)}, StreamForge ${fmtMs(sf.gapP999)} / ${fmtMs(sf.gapMax)}`,
    `  memory per open stream, heap + external: floor ${kb(floor.heapPerStream)} + ${kb(floor.externalPerStream)} KB, StreamForge ${kb(sf.heapPerStream)} + ${kb(sf.externalPerStream)} KB` +
      ` · idle baseline heap + external: floor ${mb(floor.idle)}, StreamForge ${mb(sf.idle)}`,
    ...(floor.failed.length || sf.failed.length
      ? [`  FAILED streams: floor [${floor.failed.join('; ')}], StreamForge [${sf.failed.join('; ')}]`]
      : []),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------

const runStarted = performance.now();
const cpus = os.cpus();
console.log(
  `StreamForge vs floor · node ${process.version} · ${os.availableParallelism()} CPUs (${cpus[0]?.model.trim() ?? '?'}) · ${os.platform()} ${os.arch()}`,
);
console.log(
  `N = ${NS.join(', ')} · ${TOKENS} tokens per answer · StreamForge on ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'in-memory PGlite'} · each server in its own process, load generator in this one · 127.0.0.1`,
);

const children: ServerChild[] = [];
// A last resort: streams are bounded by STREAM_TIMEOUT_MS, so a run longer than this is stuck.
const watchdog = setTimeout(
  () => {
    console.error('bench: run limit reached, stopping');
    for (const c of children) c.child.kill('SIGKILL');
    process.exit(1);
  },
  (NS.length * 2 * 3 + 2) * STREAM_TIMEOUT_MS,
);
watchdog.unref();

try {
  const backlog = Math.max(511, ...NS);
  const profDir = values['cpu-prof'];
  if (profDir) await mkdir(profDir, { recursive: true });
  const floor = await ServerChild.start('floor', './floor-server.ts', backlog);
  children.push(floor);
  const sf = await ServerChild.start('streamforge', './streamforge-server.ts', backlog);
  children.push(sf);

  const differences = compareProbes(await probe(floor.port), await probe(sf.port));
  console.log(
    differences.length === 0
      ? 'floor output checked against StreamForge: same headers, same events, same JSON fields'
      : `WARNING: the floor no longer sends what StreamForge sends — update bench/floor-server.ts:\n  ${differences.join('\n  ')}`,
  );
  console.log('ratio > 1: StreamForge is higher (worse, except for events/s, where < 1 is slower)\n');

  for (const n of NS) {
    const f = await measure(floor, n, profDir);
    const s = await measure(sf, n, profDir);
    console.log(`${table(n, f, s)}\n`);
  }
} finally {
  await Promise.all(children.map((c) => c.stop()));
  clearTimeout(watchdog);
}
console.log(`run time ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
