/**
 * StreamForge against the floor of what Node can do with the same bytes, figure by figure, as ratios measured
 * in one run.
 *
 * The floor (floor-server.ts, bare `node:http` writing the events StreamForge would write) and StreamForge
 * (streamforge-server.ts: the real server with zero-cost models) each run in a child process on 127.0.0.1:
 * StreamForge on in-memory PGlite, and also on PostgreSQL when DATABASE_URL is set and with its run log in
 * Redis when REDIS_URL is set. One load generator, here in the parent, drives each the same way. Every figure
 * is measured in `--pairs` interleaved pairs (floor, then StreamForge) and shown as the range of the ratio.
 * The run stops at once, failing, when the floor no longer sends the bytes StreamForge sends.
 *
 *   npm run bench [-- --only events,runs,redis,ttft,held --pairs 3 --held 10000 --seconds 5 --cpu-prof DIR]
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  agentFor,
  chatBody,
  closedLoop,
  failures,
  openStream,
  percentile,
  round,
  type StreamResult,
} from './load.js';
import { compareProbes, probe } from './probe.js';
import { cpuMs, ServerChild } from './server-child.js';

const SCENARIOS = ['events', 'runs', 'redis', 'ttft', 'held'] as const;
type Scenario = (typeof SCENARIOS)[number];

const USAGE = `npm run bench -- [--only ${SCENARIOS.join(',')}] [--pairs 3] [--held 10000] [--seconds 5] [--cpu-prof DIR]
  --only       the scenarios to run (default all)
  --pairs      interleaved floor/StreamForge pairs per figure (default 3; held streams: 1)
  --held       streams held open for the memory figure (default 10000)
  --seconds    length of each closed-loop runs/s and events/s measurement (default 5)
  --cpu-prof   write a CPU profile of StreamForge's measured rounds to DIR/<figure>.cpuprofile`;

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: SCENARIOS.join(',') },
    pairs: { type: 'string', default: '3' },
    held: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '5' },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
const only = new Set(values.only.split(',').map((s) => s.trim()));
const PAIRS = Number(values.pairs);
const HELD = Number(values.held);
const SECONDS = Number(values.seconds);
if (
  values.help ||
  [...only].some((s) => !SCENARIOS.includes(s as Scenario)) ||
  !Number.isInteger(PAIRS) ||
  PAIRS < 1 ||
  !Number.isInteger(HELD) ||
  HELD < 1 ||
  HELD > 15_000 ||
  !(SECONDS > 0)
) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
const profDir = values['cpu-prof'];

/** Concurrent clients of the throughput figures. */
const CLIENTS = 50;

// ---------------------------------------------------------------------------------------------------------
// Figures

/** One figure: its measured values per pair, and the target its ratio (or difference) must meet. */
interface Figure {
  label: string;
  /** What the figure compares: `ratio` is StreamForge ÷ the reference, `difference` StreamForge − it (ms). */
  kind: 'ratio' | 'difference';
  target: { op: '>=' | '<='; value: number };
  pairs: { reference: number; sf: number; note?: string }[];
}

const figures: Figure[] = [];

function figure(f: Omit<Figure, 'pairs'>): Figure {
  const created = { ...f, pairs: [] };
  figures.push(created);
  return created;
}

const score = (f: Figure, p: Figure['pairs'][number]) =>
  f.kind === 'ratio' ? p.sf / p.reference : p.sf - p.reference;
const meets = (f: Figure, v: number) => (f.target.op === '>=' ? v >= f.target.value : v <= f.target.value);

const fmt = (v: number) =>
  Number.isNaN(v)
    ? '—'
    : Math.abs(v) >= 1000
      ? Math.round(v).toLocaleString('en')
      : Math.abs(v) >= 100
        ? v.toFixed(0)
        : Math.abs(v) >= 10
          ? v.toFixed(1)
          : v.toFixed(2);

function report(): { passed: number; failed: number } {
  const rows = figures
    .filter((f) => f.pairs.length > 0)
    .map((f) => {
      const scores = f.pairs.map((p) => score(f, p));
      const lo = Math.min(...scores);
      const hi = Math.max(...scores);
      const worst = f.target.op === '>=' ? lo : hi;
      const range = (a: number, b: number) => (fmt(a) === fmt(b) ? fmt(a) : `${fmt(a)}–${fmt(b)}`);
      return {
        ok: meets(f, worst),
        cells: [
          f.label,
          range(Math.min(...f.pairs.map((p) => p.reference)), Math.max(...f.pairs.map((p) => p.reference))),
          range(Math.min(...f.pairs.map((p) => p.sf)), Math.max(...f.pairs.map((p) => p.sf))),
          `${range(lo, hi)}${f.kind === 'difference' ? ' ms' : '×'}`,
          `${f.target.op === '>=' ? '≥' : '≤'} ${f.target.value}${f.kind === 'difference' ? ' ms' : '×'}`,
          meets(f, worst) ? 'yes' : 'NO',
        ],
      };
    });
  const header = ['figure', 'reference', 'StreamForge', 'StreamForge vs reference', 'target', 'met'];
  const lines = [header, ...rows.map((r) => r.cells)];
  const widths = header.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  const render = (l: string[]) =>
    l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  console.log(`\n${render(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) console.log(render(r.cells));
  return { passed: rows.filter((r) => r.ok).length, failed: rows.filter((r) => !r.ok).length };
}

// ---------------------------------------------------------------------------------------------------------
// Measurements

/** Streams that did not end with `done`: a figure built on them would mislead, so the run fails. */
const broken: string[] = [];
function check(server: ServerChild, label: string, streams: StreamResult[]): void {
  for (const f of failures(`${server.name} ${label}`, streams)) broken.push(f);
}

async function profiled<T>(server: ServerChild, name: string, measure: () => Promise<T>): Promise<T> {
  if (!profDir || server.name === 'floor') return measure();
  await server.profileStart();
  try {
    return await measure();
  } finally {
    await server.profileStop(resolvePath(profDir, `${server.name}-${name}.cpuprofile`));
  }
}

/**
 * Events per second of `clients` streams of `model` at once (a warm-up round first), and server CPU per event:
 * rounds one after another until they have streamed for `SECONDS` (at least three), so that one round's
 * garbage collection or scheduling does not decide the figure (one round of 50 × 1000 tokens lasts ~0.2 s).
 */
async function eventsPerSecond(server: ServerChild, model: string, clients: number, name: string) {
  const agent = agentFor(clients);
  try {
    check(server, `${name} warm-up`, (await round(server.port, agent, clients, model)).streams);
    const before = await server.stats();
    let wallMs = 0;
    let events = 0;
    await profiled(server, name, async () => {
      for (let rounds = 0; rounds < 3 || wallMs < SECONDS * 1000; rounds++) {
        const r = await round(server.port, agent, clients, model);
        check(server, name, r.streams);
        wallMs += r.wallMs;
        events += r.streams.reduce((sum, s) => sum + s.events, 0);
      }
    });
    const cpu = cpuMs(before.cpu, (await server.stats()).cpu);
    return { perS: events / (wallMs / 1000), cpuUsPerEvent: (cpu * 1000) / events };
  } finally {
    agent.destroy();
  }
}

/** Runs ended per second by `clients` clients in a closed loop (after a one-second warm-up), and CPU per run. */
async function runsPerSecond(server: ServerChild, model: string, name: string) {
  const agent = agentFor(CLIENTS);
  try {
    check(server, `${name} warm-up`, (await closedLoop(server.port, agent, CLIENTS, model, 1000)).streams);
    const before = await server.stats();
    const { wallMs, streams } = await profiled(server, name, () =>
      closedLoop(server.port, agent, CLIENTS, model, SECONDS * 1000),
    );
    const cpu = cpuMs(before.cpu, (await server.stats()).cpu);
    check(server, name, streams);
    return { perS: streams.length / (wallMs / 1000), cpuUsPerRun: (cpu * 1000) / streams.length };
  } finally {
    agent.destroy();
  }
}

/** Time to first token, p50, of `n` new chats at once (a warm-up round first), over three such rounds. */
async function ttftAt(server: ServerChild, n: number) {
  const agent = agentFor(n);
  try {
    check(server, `ttft ${n} warm-up`, (await round(server.port, agent, n, 'bench:200')).streams);
    const streams: StreamResult[] = [];
    await profiled(server, `ttft-${n}`, async () => {
      for (let i = 0; i < 3; i++) streams.push(...(await round(server.port, agent, n, 'bench:200')).streams);
    });
    check(server, `ttft ${n}`, streams);
    return p50(streams);
  } finally {
    agent.destroy();
  }
}

/** Time to first token, p50, of one chat at a time. */
async function ttftAlone(server: ServerChild) {
  const agent = agentFor(1);
  try {
    const body = chatBody('bench:10');
    for (let i = 0; i < 30; i++) await openStream(server.port, agent, body);
    const streams: StreamResult[] = [];
    for (let i = 0; i < 300; i++) streams.push(await openStream(server.port, agent, body));
    check(server, 'ttft alone', streams);
    return p50(streams);
  } finally {
    agent.destroy();
  }
}

function p50(streams: StreamResult[]): number {
  return percentile(
    Float64Array.from(streams.flatMap((s) => (s.ttftMs === undefined ? [] : [s.ttftMs]))).sort(),
    0.5,
  );
}

/**
 * Server memory per held stream: `n` paced streams (one token a second) held open until each has had two
 * tokens, measured after a full GC, minus the same server just before (after a full GC), divided by n. RSS is
 * what the machine gives the process (buffers, the database's own growth, the allocator's slack); heap +
 * external is what the JavaScript holds.
 */
async function heldMemory(server: ServerChild, n: number) {
  const idle = await server.stats(true);
  const agent = agentFor(n);
  const stop = new AbortController();
  let waiting = n;
  let allFlowing!: () => void;
  const flowing = new Promise<void>((resolve) => (allFlowing = resolve));
  const arrived = () => --waiting === 0 && allFlowing();
  const body = chatBody('bench:paced');
  const streams = Array.from({ length: n }, () =>
    openStream(server.port, agent, body, {
      signal: stop.signal,
      onToken: (tokens) => tokens === 2 && arrived(),
    }).then((s) => {
      if (s.tokens < 2) arrived();
      return s;
    }),
  );
  await flowing;
  const held = await server.stats(true);
  stop.abort();
  agent.destroy();
  const results = await Promise.all(streams);
  await server.idle();
  const short = results.filter((s) => s.tokens < 2);
  if (short.length > 0) broken.push(...failures(`${server.name} held`, short));
  return {
    rss: (held.memory.rss - idle.memory.rss) / n,
    heap: (held.memory.heapUsed + held.memory.external - idle.memory.heapUsed - idle.memory.external) / n,
    loopDelayMaxMs: held.loopDelayMaxMs,
  };
}

// ---------------------------------------------------------------------------------------------------------

const runStarted = performance.now();
const cpus = os.cpus();
console.log(
  `StreamForge vs floor · node ${process.version} · ${os.availableParallelism()} CPUs (${cpus[0]?.model.trim() ?? '?'}) · ${os.platform()} ${os.arch()}`,
);
const children: ServerChild[] = [];
const stopAll = () => Promise.all(children.map((c) => c.stop()));
process.once('SIGINT', () => {
  for (const c of children) c.kill();
  process.exit(130);
});

let exitCode = 0;
try {
  const backlog = Math.max(1024, HELD + 100);
  if (profDir) await mkdir(profDir, { recursive: true });
  const plain = { DATABASE_URL: undefined, REDIS_URL: undefined };
  const floor = await ServerChild.start('floor', './floor-server.ts', backlog);
  children.push(floor);
  const sf = await ServerChild.start('streamforge', './streamforge-server.ts', backlog, plain);
  children.push(sf);
  const pgUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  const sfPg = pgUrl
    ? await ServerChild.start('streamforge-pg', './streamforge-server.ts', backlog, {
        ...plain,
        DATABASE_URL: pgUrl,
      })
    : undefined;
  if (sfPg) children.push(sfPg);
  const sfRedis =
    redisUrl && only.has('redis')
      ? await ServerChild.start('streamforge-redis', './streamforge-server.ts', backlog, {
          ...plain,
          REDIS_URL: redisUrl,
          REDIS_PREFIX: `sf-bench-${process.pid}:`,
        })
      : undefined;
  if (sfRedis) children.push(sfRedis);
  console.log(
    `StreamForge on in-memory PGlite${sfPg ? ', and on PostgreSQL (DATABASE_URL)' : ' (set DATABASE_URL for PostgreSQL)'}` +
      `${sfRedis ? ', and with its run log in Redis (REDIS_URL)' : redisUrl ? '' : ' (set REDIS_URL for the Redis figure)'}` +
      ` · ${PAIRS} interleaved pairs per figure · ${CLIENTS} clients for throughput · 127.0.0.1`,
  );

  for (const s of [sf, sfPg, sfRedis]) {
    if (!s) continue;
    const differences = compareProbes(await probe(floor.port), await probe(s.port));
    if (differences.length > 0) {
      console.error(
        `The floor no longer sends what ${s.name} sends — update bench/floor-server.ts:\n  ${differences.join('\n  ')}`,
      );
      process.exitCode = 1;
      throw new Error('floor and StreamForge differ');
    }
  }
  console.log('floor output checked: the same headers, events and JSON fields as StreamForge');

  const pairs = async (f: Figure, measure: () => Promise<Figure['pairs'][number]>, times = PAIRS) => {
    for (let i = 0; i < times; i++) f.pairs.push(await measure());
    const last = f.pairs.at(-1);
    process.stdout.write(
      `  ${f.label}: ${f.pairs.map((p) => fmt(score(f, p))).join(', ')}${last?.note ? ` (${last.note})` : ''}\n`,
    );
  };

  if (only.has('events')) {
    const f = figure({
      label: `events/s, ${CLIENTS} clients × 1000 tokens, PGlite`,
      kind: 'ratio',
      target: { op: '>=', value: 0.8 },
    });
    await pairs(f, async () => {
      const a = await eventsPerSecond(floor, 'bench:1000', CLIENTS, 'events');
      const b = await eventsPerSecond(sf, 'bench:1000', CLIENTS, 'events');
      return {
        reference: a.perS,
        sf: b.perS,
        note: `server CPU per event ${a.cpuUsPerEvent.toFixed(2)} vs ${b.cpuUsPerEvent.toFixed(2)} µs`,
      };
    });
  }

  if (only.has('runs')) {
    const cases: [number, ServerChild | undefined, string, number][] = [
      [10, sf, 'PGlite', 0.25],
      [10, sfPg, 'PostgreSQL', 0.33],
      [100, sf, 'PGlite', 0.5],
      [100, sfPg, 'PostgreSQL', 0.5],
    ];
    for (const [tokens, server, engine, target] of cases) {
      if (!server) continue;
      const f = figure({
        label: `runs/s, ${CLIENTS} clients × ${tokens} tokens, ${engine}`,
        kind: 'ratio',
        target: { op: '>=', value: target },
      });
      await pairs(f, async () => {
        const a = await runsPerSecond(floor, `bench:${tokens}`, `runs-${tokens}`);
        const b = await runsPerSecond(server, `bench:${tokens}`, `runs-${tokens}`);
        return {
          reference: a.perS,
          sf: b.perS,
          note: `server CPU per run ${fmt(a.cpuUsPerRun)} vs ${fmt(b.cpuUsPerRun)} µs (${fmt(b.cpuUsPerRun / a.cpuUsPerRun)}×)`,
        };
      });
    }
  }

  if (only.has('redis') && sfRedis) {
    const f = figure({
      label: 'events/s with the run log in Redis (reference: StreamForge without Redis)',
      kind: 'ratio',
      target: { op: '>=', value: 0.8 },
    });
    await pairs(f, async () => {
      const a = await eventsPerSecond(sf, 'bench:1000', CLIENTS, 'events');
      const b = await eventsPerSecond(sfRedis, 'bench:1000', CLIENTS, 'redis');
      return { reference: a.perS, sf: b.perS };
    });
  }

  if (only.has('ttft')) {
    const many = figure({
      label: 'TTFT p50, 1000 new chats at once (ms)',
      kind: 'ratio',
      target: { op: '<=', value: 2 },
    });
    await pairs(many, async () => ({ reference: await ttftAt(floor, 1000), sf: await ttftAt(sf, 1000) }));
    const alone = figure({
      label: 'TTFT p50, one chat at a time (ms)',
      kind: 'difference',
      target: { op: '<=', value: 2 },
    });
    await pairs(alone, async () => ({ reference: await ttftAlone(floor), sf: await ttftAlone(sf) }));
  }

  if (only.has('held')) {
    for (const [server, engine] of [
      [sf, 'PGlite'],
      [sfPg, 'PostgreSQL'],
    ] as const) {
      if (!server) continue;
      const f = figure({
        label: `server RSS per held stream (KB), ${HELD} streams at 1 token/s, ${engine}`,
        kind: 'ratio',
        target: { op: '<=', value: 1.5 },
      });
      await pairs(
        f,
        async () => {
          const a = await heldMemory(floor, HELD);
          const b = await profiled(server, `held-${engine}`, () => heldMemory(server, HELD));
          return {
            reference: a.rss / 1024,
            sf: b.rss / 1024,
            note: `heap + external per stream ${fmt(a.heap / 1024)} vs ${fmt(b.heap / 1024)} KB, longest event-loop block while they opened ${fmt(a.loopDelayMaxMs)} vs ${fmt(b.loopDelayMaxMs)} ms`,
          };
        },
        1,
      );
    }
  }

  const { passed, failed } = report();
  if (broken.length > 0) {
    console.error(`\nFAILED streams (the figures above are not trustworthy):\n  ${broken.join('\n  ')}`);
    exitCode = 1;
  }
  console.log(
    `\n${passed} of ${passed + failed} targets met · run time ${((performance.now() - runStarted) / 1000).toFixed(0)} s`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  await stopAll();
}
process.exit(exitCode);
