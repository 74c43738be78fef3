import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createServer } from '../src/server.js';
import { MIGRATIONS, migrate, openDatabase } from '../src/store/index.js';
import { freshDataDir } from './helpers/data-dir.js';
import { readJson } from './helpers/read-json.js';
import { postChatStream } from './helpers/sse-client.js';
import { ENGINES, openTestDatabase, startTestServer, type TestServer } from './helpers/test-server.js';

const json = { 'content-type': 'application/json' };

describe.each(ENGINES)('conversations on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ engine });
  });
  afterAll(() => t.close());

  it('creates, reads and deletes a conversation with its messages', async () => {
    const created = await fetch(`${t.url}/v1/conversations`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ title: 'Planning' }),
    });
    expect(created.status).toBe(201);
    const conversation = await readJson(created);
    expect(conversation).toMatchObject({ id: expect.stringMatching(/^conv_/), title: 'Planning' });

    const { events } = await postChatStream(t.url, {
      message: 'What is stored?',
      conversation_id: conversation.id,
    });
    expect(events.at(-1)?.event).toBe('done');
    const detail = await fetch(`${t.url}/v1/conversations/${conversation.id}`).then(readJson);
    expect(detail.messages.map((m: { role: string; status: string }) => `${m.role}:${m.status}`)).toEqual([
      'user:complete',
      'assistant:complete',
    ]);
    expect(detail.messages[1]).toMatchObject({
      model: 'local',
      run_id: events[0]?.data.run_id,
      usage: events.at(-1)?.data.usage,
      metrics: events.at(-1)?.data.metrics,
    });
    expect(Date.parse(detail.updated_at)).toBeGreaterThanOrEqual(Date.parse(detail.created_at));

    const deleted = await fetch(`${t.url}/v1/conversations/${conversation.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await fetch(`${t.url}/v1/conversations/${conversation.id}`)).status).toBe(404);
    const [orphans] = await t.db.query<{ n: number }>(
      'select count(*)::int as n from messages where conversation_id = $1',
      [conversation.id],
    );
    expect(orphans?.n).toBe(0);
    expect((await fetch(`${t.url}/v1/conversations/${conversation.id}`, { method: 'DELETE' })).status).toBe(
      404,
    );
  });

  it('lists conversations newest first, a page at a time, with every one exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await fetch(`${t.url}/v1/conversations`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ title: `page test ${i}` }),
      }).then(readJson);
      ids.push(c.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `limit=2&cursor=${cursor}` : 'limit=2';
      const page = await fetch(`${t.url}/v1/conversations?${query}`).then(readJson);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((c: { id: string }) => c.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('titles a conversation created by a chat from its first message', async () => {
    const long = `${'Explain the event protocol and '.repeat(5)}more`;
    const { events } = await postChatStream(t.url, { message: long });
    const detail = await fetch(`${t.url}/v1/conversations/${events[0]?.data.conversation_id}`).then(readJson);
    expect(detail.title.length).toBeLessThanOrEqual(81);
    expect(detail.title).toMatch(/^Explain the event protocol and .*…$/);
  });
});

describe.each(ENGINES)('migrations on %s', (engine) => {
  it('apply once, and a second run (another instance starting) applies nothing', async () => {
    const { db, drop } = await openTestDatabase(engine);
    try {
      expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(db)).toEqual([]);
    } finally {
      await drop();
    }
  });
});

describe('the embedded database', () => {
  it('keeps conversations in DATA_DIR across restarts', async () => {
    const dataDir = freshDataDir('sf-data-');
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', LOCAL_TOKEN_DELAY_MS: '0' });
    const first = await createServer({ config });
    const created = await first.conversations.create('local', 'Survives restarts');
    await first.close();

    const second = await createServer({ config });
    try {
      expect(await second.conversations.get('local', created.id)).toEqual(created);
    } finally {
      await second.close();
    }
    const raw = await openDatabase({ engine: 'pglite', dataDir });
    expect(await raw.query('select version from schema_migrations')).toHaveLength(MIGRATIONS.length);
    await raw.close();
  });
});
