import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, renderTable } from '../src/cli/index.js';
import { createClient, StreamForgeError } from '../src/client/index.js';
import { ScriptedModel } from './helpers/scripted-model.js';
import { freshDataDir } from './helpers/data-dir.js';
import { runCli, spawnCli } from './helpers/spawn-cli.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

const words = (text: string) => text.split(/\s+/).filter(Boolean).join(' ');

describe('the streamforge CLI against a real server', () => {
  let t: TestServer;
  const hang = new ScriptedModel({ deltas: ['Never', ' ends'], hangAfter: 1 });
  let release: () => void = () => {};
  const gated = new ScriptedModel({
    deltas: ['First', ...Array.from({ length: 2000 }, (_, i) => ` word${i}`)],
    pauseAfter: 1,
    resumeWhen: new Promise<void>((resolve) => (release = resolve)),
  });

  beforeAll(async () => {
    t = await startTestServer({
      configureModels: (m) => m.register('test:hang', hang).register('test:gated', gated),
    });
  });
  afterAll(async () => {
    release();
    await t?.close();
  });

  it('chat streams the answer and draws the table the server stored, then exits 0', async () => {
    const client = createClient({ baseUrl: t.url });
    const conversation = await client.conversations.create();
    const run = await runCli([
      'chat',
      'top 5 products by price',
      '--url',
      t.url,
      '--conversation',
      conversation.id,
    ]);
    expect(run.stderr).toContain('completed: Answer complete');
    expect(run.code).toBe(ExitCode.ok);

    const answer = (await client.conversations.get(conversation.id)).messages.at(-1);
    const [table] = answer?.components ?? [];
    expect(table?.rows).toHaveLength(5);
    // The whole table, as the stored rows render, in a block of its own lines…
    const block = renderTable(table!).join('\n');
    expect(run.stdout).toContain(`\n\n${block}\n\n`);
    for (const row of table?.rows ?? []) expect(run.stdout).toContain(String(row.sku));
    // …and around it the answer's text, all of it; nothing else but the text and the table; no ANSI.
    expect(words(run.stdout.replace(block, ' '))).toBe(words(answer?.content ?? ''));
    expect(answer?.content.length).toBeGreaterThan(0);
    expect(run.stdout).not.toContain('\x1b');
  });

  it('--json prints the final message state', async () => {
    const run = await runCli(['chat', 'top 3 products by price', '--url', t.url, '--json']);
    expect(run.code).toBe(ExitCode.ok);
    const state = JSON.parse(run.stdout);
    expect(state).toMatchObject({ status: 'done', components: [{ kind: 'table', status: 'complete' }] });
    expect(state.components[0].rows).toHaveLength(3);
    const stored = await createClient({ baseUrl: t.url }).conversations.get(state.conversation_id);
    expect(stored.messages.at(-1)?.content).toBe(state.text);
  });

  it('exits 3 with the server’s error code when it refuses the request', async () => {
    const refused = await createClient({ baseUrl: t.url })
      .chat({ message: 'hi', model: 'nope:model' })
      .done.catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StreamForgeError);
    const { code, message } = refused as StreamForgeError;

    const run = await runCli(['chat', 'hi', '--url', t.url, '--model', 'nope:model']);
    expect(run.code).toBe(ExitCode.refused);
    expect(run.stderr).toBe(`error ${code}: ${message}\n`);
    expect(run.stdout).toBe('');
  });

  it('ends quietly with 0 when the reader closes the pipe early (`… | head`)', async () => {
    const cli = spawnCli(['chat', 'Talk a lot', '--url', t.url, '--model', 'test:gated']);
    await cli.waitForStdout(/First/);
    // The reader goes away; then the rest of the answer (far more than a pipe holds) is written.
    cli.child.stdout.destroy();
    release();
    const result = await cli.result;
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stderr).not.toMatch(/EPIPE|Error/);
  });

  it('exits 4 when the server cannot be reached', async () => {
    const run = await runCli(['chat', 'hi', '--url', 'http://127.0.0.1:9']);
    expect(run.code).toBe(ExitCode.unreachable);
    expect(run.stderr).toMatch(/^error network_error: could not reach the server at http:\/\/127\.0\.0\.1:9/);
  });

  it('exits 2 on a usage error, and 0 with the exit codes on --help', async () => {
    const missing = await runCli(['chat', '--url', t.url]);
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.stderr).toMatch(/missing question/);
    const unknown = await runCli(['chat', 'hi', '--colour']);
    expect(unknown.code).toBe(ExitCode.usage);
    expect(unknown.stderr).toMatch(/--colour/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(ExitCode.ok);
    expect(help.stdout).toMatch(/^Exit codes:$/m);
  });

  it('Ctrl-C cancels the run on the server and exits 130', async () => {
    const client = createClient({ baseUrl: t.url });
    const conversation = await client.conversations.create();
    const cli = spawnCli([
      'chat',
      'Go',
      '--url',
      t.url,
      '--model',
      'test:hang',
      '--conversation',
      conversation.id,
    ]);
    try {
      await cli.waitForStdout(/Never/);
      cli.child.kill('SIGINT');
      const run = await cli.result;
      expect(run.code).toBe(ExitCode.interrupted);
      expect(run.stderr).toContain('cancelled: interrupted by Ctrl-C');
      const answer = (await client.conversations.get(conversation.id)).messages.at(-1);
      expect(answer).toMatchObject({ status: 'cancelled', content: 'Never' });
      await expect(client.run(String(answer?.run_id))).resolves.toMatchObject({ status: 'cancelled' });
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('ingest uploads each file, reports it, and exits 1 when one was rejected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-cli-ingest-'));
    writeFileSync(join(dir, 'gardening.md'), '# Gardening\n\nTomatoes want sun, water and patience.\n');
    writeFileSync(join(dir, 'empty.txt'), '');
    const run = await runCli(['ingest', join(dir, 'gardening.md'), join(dir, 'empty.txt'), '--url', t.url]);
    expect(run.code).toBe(ExitCode.failed);
    const indexed = /^indexed gardening\.md \((\d+) chunks, (\S+)\)$/m.exec(run.stdout);
    expect(run.stdout).toMatch(/^rejected empty\.txt: .*empty\.txt.* \(empty_file\)$/m);
    expect(run.stdout.trim().split('\n')).toHaveLength(2);

    const { data } = await createClient({ baseUrl: t.url }).documents.list();
    const stored = data.find((d) => d.id === indexed?.[2]);
    expect(stored).toMatchObject({ filename: 'gardening.md', chunk_count: Number(indexed?.[1]) });
    expect(data.map((d) => d.filename)).not.toContain('empty.txt');
  });

  it('ingest of one rejected file also reports it and exits 1; a missing file exits 2 naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-cli-ingest-'));
    writeFileSync(join(dir, 'empty.txt'), '');
    const one = await runCli(['ingest', join(dir, 'empty.txt'), '--url', t.url]);
    expect(one.code).toBe(ExitCode.failed);
    expect(one.stdout).toMatch(/^rejected empty\.txt: .* \(empty_file\)\n$/);

    const missing = join(dir, 'nope.md');
    const run = await runCli(['ingest', missing, '--url', t.url]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain(missing);
  });
});

describe('streamforge serve', () => {
  it('prints the URL it listens on, serves, and exits 0 after SIGTERM', { timeout: 60_000 }, async () => {
    const dataDir = freshDataDir('sf-cli-serve-');
    const cli = spawnCli(['serve', '--port', '0'], {
      DATA_DIR: dataDir,
      PORT: '',
      HOST: '',
      DATABASE_URL: '',
      REDIS_URL: '',
      LOG_LEVEL: 'warn',
    });
    try {
      const [, url] = await cli.waitForStdout(/^StreamForge listening on (http:\/\/127\.0\.0\.1:\d+)$/m);
      expect(url).not.toMatch(/:0$/);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      cli.child.kill('SIGTERM');
      const run = await cli.result;
      expect(run.code).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
