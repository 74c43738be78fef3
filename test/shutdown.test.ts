import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/index.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { type ParsedEvent, postChatStream } from './helpers/sse-client.js';
import { startTestServer } from './helpers/test-server.js';
import { readJson } from './helpers/read-json.js';
import { freshDataDir } from './helpers/data-dir.js';

/** Reads a raw SSE body, including the `reconnect` control event, until the server ends it. */
async function readAll(
  response: Response,
  onEvent: (e: { event: string; data: Record<string, unknown>; id?: string }) => void,
) {
  const { createParser } = await import('eventsource-parser');
  const parser = createParser({
    onEvent: (m) => onEvent({ event: m.event ?? '', data: JSON.parse(m.data), id: m.id }),
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body ?? []) parser.feed(decoder.decode(chunk, { stream: true }));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('graceful shutdown', () => {
  it('tells each open stream where to resume, then stores an unfinished run as interrupted', async () => {
    const model = new ScriptedModel({ deltas: [' one', ' two', ' three', ' four'], hangAfter: 3 });
    const t = await startTestServer({
      env: { SHUTDOWN_DEADLINE_MS: '100' },
      configureModels: (m) => m.register('test:hang', model),
    });
    const events: ParsedEvent[] = [];
    let shutdown: Promise<void> | undefined;
    await postChatStream(
      t.url,
      { message: 'x', model: 'test:hang' },
      {
        onEvent: (e) => {
          events.push(e);
          if (e.event === 'token' && e.data.delta === ' three') shutdown = t.server.shutdown();
        },
      },
    );
    await shutdown;
    const reconnect = events.at(-1);
    const lastReal = events.at(-2);
    expect(reconnect?.event).toBe('reconnect');
    expect(reconnect?.data).toEqual({
      type: 'reconnect',
      run_id: events[0]?.data.run_id,
      after: lastReal?.id,
      url: `/v1/runs/${events[0]?.data.run_id}/events`,
    });
    expect(Number.isNaN(reconnect?.id)).toBe(true); // no id: Last-Event-ID stays on the last real event
    const [message] = await t.db.query<{ status: string; content: string }>(
      "select status, content from messages where role = 'assistant'",
    );
    expect(message).toEqual({ status: 'interrupted', content: ' one two three' });
    const [run] = await t.db.query<{ status: string }>('select status from runs');
    expect(run?.status).toBe('interrupted');
    await t.db.close();
  });

  it('on SIGTERM the process tells its clients to reconnect (Socket.IO ones to ask again) and exits after storing the unfinished runs', async ({
    onTestFinished,
  }) => {
    const dataDir = freshDataDir('sf-sigterm-');
    const port = await freePort();
    const child = spawn(process.execPath, [fileURLToPath(new URL('../dist/main.js', import.meta.url))], {
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: dataDir,
        LOCAL_TOKEN_DELAY_MS: '40',
        SHUTDOWN_DEADLINE_MS: '300',
        DATABASE_URL: '',
        REDIS_URL: '',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = `http://127.0.0.1:${port}`;
    // A Socket.IO answer in progress too: its client is told to send the message again, before the socket closes.
    const socket = io(url, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      autoConnect: false,
    });
    // Also when the test fails or runs out of time: no server is left behind.
    onTestFinished(() => {
      socket.disconnect();
      child.kill('SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('StreamForge ready') && resolve());
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    socket.connect();
    const socketIoEvents: string[] = [];
    const socketIoClosed = new Promise<void>((resolve) =>
      socket.once('disconnect', () => {
        socketIoEvents.push('disconnect');
        resolve();
      }),
    );
    const answering = new Promise<void>((resolve) => {
      socket.on('chat_token', () => {
        if (socketIoEvents.at(-1) !== 'chat_token') socketIoEvents.push('chat_token');
        resolve();
      });
    });
    socket.on('chat_error', ({ error }: { error: string }) => socketIoEvents.push(`chat_error: ${error}`));
    socket.emit('chat_stream', { message: 'How do I cancel a generation?' });
    await answering;
    const response = await fetch(`${url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'How do I cancel a generation?' }),
    });
    const events: { event: string; data: Record<string, unknown> }[] = [];
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let tokens = 0;
    await readAll(response, (e) => {
      events.push(e);
      if (e.event === 'token' && ++tokens === 3) child.kill('SIGTERM');
    });
    expect(events.at(-1)).toMatchObject({ event: 'reconnect', data: { type: 'reconnect' } });
    await socketIoClosed;
    expect(socketIoEvents).toEqual([
      'chat_token',
      'chat_error: The server is restarting; please send your message again.',
      'disconnect',
    ]);
    expect(await exited).toBe(0);
    const received = events
      .filter((e) => e.event === 'token')
      .map((e) => e.data.delta)
      .join('');
    const db = await openDatabase({ engine: 'pglite', dataDir });
    const [message] = await db.query<{ status: string; content: string }>(
      'select m.status, m.content from messages m join runs r on r.message_id = m.id where r.id = $1',
      [events[0]?.data.run_id],
    );
    await db.close();
    // The answer went on until the deadline: what the client saw is its beginning; it was not finished.
    expect(message?.status).toBe('interrupted');
    expect(message?.content.startsWith(received)).toBe(true);
    // A child process compiling TypeScript on a busy machine takes its time: the bound is generous, not a verdict.
  }, 120_000);

  it('/ready answers 503 once shutdown began', async () => {
    const model = new ScriptedModel({ deltas: [' a'], hangAfter: 0 });
    const t = await startTestServer({
      env: { SHUTDOWN_DEADLINE_MS: '2000' },
      configureModels: (m) => m.register('test:hang', model),
    });
    t.server.lifecycle.begin();
    const response = await fetch(`${t.url}/ready`);
    expect(response.status).toBe(503);
    expect(await readJson(response)).toMatchObject({ code: 'shutting_down' });
    await t.close();
  });
});
