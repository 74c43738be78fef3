import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { type ParsedEvent, postChatStream } from './helpers/sse-client.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';
import { WsTestClient } from './helpers/ws-client.js';

const { DATABASE_URL, REDIS_URL } = process.env;
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const SHIPPED_CONF = fileURLToPath(new URL('../deploy/nginx.conf', import.meta.url));
const words = (n: number) => Array.from({ length: n }, (_, i) => ` w${i}`);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (nginx has started). */
async function listening(port: number, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Debian's nginx, run as an unprivileged foreground process in a temporary prefix, with the shipped
 * deploy/nginx.conf: only its upstream addresses and its port are replaced by the test's.
 */
async function startNginx(upstreams: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-nginx-'));
  const port = await freePort();
  let site = readFileSync(SHIPPED_CONF, 'utf8');
  const servers = [...site.matchAll(/^\s*server app\d:8000(.*);$/gm)];
  expect(servers).toHaveLength(2);
  site = site
    .replace(servers[0]?.[0] ?? '', `  server ${upstreams[0]}${servers[0]?.[1]};`)
    .replace(servers[1]?.[0] ?? '', `  server ${upstreams[1]}${servers[1]?.[1]};`)
    .replace(/listen 8080;/, `listen 127.0.0.1:${port};`);
  writeFileSync(join(dir, 'site.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${dir}/access.log;`,
      `  client_body_temp_path ${dir}/body;`,
      `  proxy_temp_path ${dir}/proxy;`,
      `  fastcgi_temp_path ${dir}/fastcgi;`,
      `  uwsgi_temp_path ${dir}/uwsgi;`,
      `  scgi_temp_path ${dir}/scgi;`,
      `  include ${dir}/site.conf;`,
      '}',
    ].join('\n'),
  );
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await listening(port, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT'); // graceful: open connections are closed, then the master exits
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Which instance served a request for `path`: the one whose log has it. */
function servedBy(instances: { name: string; log: string[] }[], path: string): string[] {
  return instances
    .filter((i) => i.log.some((line) => line.includes('"incoming request"') && line.includes(path)))
    .map((i) => i.name);
}

describe.skipIf(!existsSync(NGINX) || !DATABASE_URL || !REDIS_URL)(
  'two instances on PostgreSQL and Redis behind nginx (deploy/nginx.conf)',
  () => {
    const prefix = `sftest:${randomBytes(4).toString('hex')}:`;
    const env = { REDIS_URL: REDIS_URL ?? '', REDIS_PREFIX: prefix };
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = () => resolve();
    });
    // The same scripted model on both: the chat runs on whichever instance nginx sends it to.
    const paced = () =>
      new ScriptedModel({ deltas: words(60), pauseAfter: 5, resumeWhen: released, delayMs: 5 });
    const logs = { a: [] as string[], b: [] as string[] };
    let a: TestServer;
    let b: TestServer;
    let nginx: Awaited<ReturnType<typeof startNginx>>;

    beforeAll(async () => {
      a = await startTestServer({
        engine: 'postgres',
        env,
        logSink: logs.a,
        configureModels: (m) => m.register('test:paced', paced()),
      });
      b = await startTestServer({
        shareDatabaseWith: a,
        env,
        logSink: logs.b,
        configureModels: (m) => m.register('test:paced', paced()),
      });
      nginx = await startNginx([new URL(a.url).host, new URL(b.url).host]);
    });
    afterAll(async () => {
      release();
      await nginx?.close();
      await b?.server.close();
      await a?.close();
    });

    it('streams through nginx unbuffered, and a cut stream resumes through nginx on the other instance with exact ids', async () => {
      // Events arrive while the answer is still being written (the model waits after 5 tokens): nothing buffers.
      let runId = '';
      const before = await postChatStream(
        nginx.url,
        { message: 'through the balancer', model: 'test:paced' },
        {
          onEvent: (e, cut) => {
            if (e.event === 'start') runId = String(e.data.run_id);
            if (e.event === 'token' && e.data.delta === ' w4') cut();
          },
        },
      );
      expect(before.events.filter((e) => e.event === 'token')).toHaveLength(5);
      const instances = [
        { name: 'a', log: logs.a },
        { name: 'b', log: logs.b },
      ];
      const producer = servedBy(instances, '/v1/chat');
      expect(producer).toHaveLength(1);
      const lastId = before.events.at(-1)?.id ?? 0;
      release();

      // Resume through nginx until a resume reaches the instance that does not run the answer (round robin
      // sends the next request there; a bounded number of tries in case something else came between).
      const { createParser } = await import('eventsource-parser');
      let resumed: ParsedEvent[] = [];
      let servedOn: string[] = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        const path = `/v1/runs/${runId}/events?attempt=${attempt}`;
        const response = await fetch(`${nginx.url}${path}`, { headers: { 'last-event-id': String(lastId) } });
        expect(response.status).toBe(200);
        const events: ParsedEvent[] = [];
        const parser = createParser({
          onEvent: (m) =>
            events.push({ id: Number(m.id), event: m.event ?? '', data: JSON.parse(m.data), read: 0 }),
        });
        const decoder = new TextDecoder();
        for await (const chunk of response.body ?? []) parser.feed(decoder.decode(chunk, { stream: true }));
        servedOn = servedBy(instances, path);
        resumed = events;
        if (servedOn[0] !== producer[0]) break;
      }
      expect(servedOn).toHaveLength(1);
      expect(servedOn[0]).not.toBe(producer[0]);

      const joined = [...before.events, ...resumed];
      expect(joined.map((e) => e.id)).toEqual(joined.map((_, i) => i + 1));
      expect(joined.at(-1)?.event).toBe('done');
      const text = joined
        .filter((e) => e.event === 'token')
        .map((e) => e.data.delta)
        .join('');
      expect(text).toBe(words(60).join(''));
      const conversationId = String(before.events[0]?.data.conversation_id);
      const stored = await fetch(`${nginx.url}/v1/conversations/${conversationId}`).then(readJson);
      expect(stored.messages.at(-1)).toMatchObject({ role: 'assistant', status: 'complete', content: text });
    }, 120_000);

    it('ships the settings event streams need', () => {
      // The server also sends X-Accel-Buffering: no on its streams; the configuration does not rely on it.
      const conf = readFileSync(SHIPPED_CONF, 'utf8').replace(/#.*$/gm, '');
      const directive = (name: string) => new RegExp(`^\\s*${name}\\s+([^;]+);`, 'm').exec(conf)?.[1];
      expect(directive('proxy_buffering')).toBe('off');
      expect(directive('proxy_http_version')).toBe('1.1');
      expect(directive('proxy_set_header Connection')).toBe('$connection_upgrade');
      expect(directive('proxy_set_header Upgrade')).toBe('$http_upgrade');
      // Longer than any pause between events (heartbeats every 15 s); nginx's default is 60 s.
      expect(directive('proxy_read_timeout')).toBe('1h');
    });

    it('carries WebSocket upgrades', async () => {
      const ws = await WsTestClient.open(nginx.url);
      try {
        ws.send({ type: 'ping', request_id: 'through-nginx' });
        expect(await ws.waitFor((m) => m.type === 'pong')).toMatchObject({ request_id: 'through-nginx' });
      } finally {
        await ws.close();
      }
    });
  },
);
