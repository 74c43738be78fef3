import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeComponents } from '../src/client/index.js';
import type { ComponentEvent } from '../src/protocol/index.js';
import { type FakeUpstream, startFakeUpstream } from './helpers/fake-upstream.js';
import { readJson } from './helpers/read-json.js';
import { type ParsedEvent, postChatStream } from './helpers/sse-client.js';
import { ENGINES, startTestServer, type TestServer } from './helpers/test-server.js';

/** The stream as a compact sequence: tokens collapsed to `text`, components as `op:id`. */
function shape(events: ParsedEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    const label =
      e.event === 'component' ? `${e.data.op}:${e.data.id}` : e.event === 'token' ? 'text' : e.event;
    if (label === 'text' && out.at(-1) === 'text') continue;
    if (e.event === 'progress') continue;
    out.push(label);
  }
  return out;
}
const componentEvents = (events: ParsedEvent[]) =>
  events.filter((e) => e.event === 'component').map((e) => e.data as unknown as ComponentEvent);
const text = (events: ParsedEvent[]) =>
  events
    .filter((e) => e.event === 'token')
    .map((e) => e.data.delta)
    .join('');

describe('components from the local model', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('streams a table between the text parts, create first and complete last', async () => {
    const { events } = await postChatStream(t.url, { message: 'top 10 products by price' });
    expect(shape(events)).toEqual([
      'start',
      'text',
      'create:table-1',
      ...Array(10).fill('rows:table-1'),
      'complete:table-1',
      'text',
      'done',
    ]);
    const [create, ...rest] = componentEvents(events);
    expect(create).toMatchObject({ op: 'create', kind: 'table', title: 'Products, highest price first' });
    expect(rest.at(-1)).toEqual({
      type: 'component',
      op: 'complete',
      id: 'table-1',
      kind: 'table',
      row_count: 10,
    });
    const rows = rest.filter((e) => e.op === 'rows').flatMap((e) => (e.op === 'rows' ? e.rows : []));
    const prices = rows.map((r) => Number(r.price));
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
    expect(text(events)).toMatch(
      /^Here is the table you asked for\.\n\nThe table "Products, highest price first" shows 10 of \d+ matching rows/,
    );
  });

  it('groups "sales by region" and filters "users in Germany"', async () => {
    const sales = await postChatStream(t.url, { message: 'sales by region' });
    const [state] = mergeComponents(componentEvents(sales.events));
    expect(state?.rows.map((r) => r.region).sort()).toEqual([
      'Asia Pacific',
      'Europe',
      'Latin America',
      'Middle East & Africa',
      'North America',
    ]);
    const users = await postChatStream(t.url, { message: 'users in Germany' });
    const [table] = mergeComponents(componentEvents(users.events));
    expect(table?.rows.length).toBeGreaterThan(0);
    expect(table?.rows.every((r) => r.country === 'Germany')).toBe(true);
  });

  it('stores each component’s final state with the message, equal to what the client merged', async () => {
    const { events } = await postChatStream(t.url, { message: 'show the 5 cheapest products' });
    const conversation = await fetch(`${t.url}/v1/conversations/${events[0]?.data.conversation_id}`).then(
      readJson,
    );
    const stored = conversation.messages[1].components;
    expect(stored).toEqual(mergeComponents(componentEvents(events)));
    expect(stored[0]).toMatchObject({ status: 'complete', kind: 'table' });
    expect(stored[0].rows).toHaveLength(5);
  });
});

describe('row-by-row delivery with a paced model', () => {
  it('each row reaches the SSE client before the table completes', async () => {
    const t = await startTestServer({ env: { COMPONENT_ROW_DELAY_MS: '40', LOCAL_TOKEN_DELAY_MS: '5' } });
    try {
      const { events } = await postChatStream(t.url, { message: 'top 6 products by rating' });
      const rows = events.filter((e) => e.event === 'component' && e.data.op === 'rows');
      const complete = events.find((e) => e.event === 'component' && e.data.op === 'complete');
      expect(rows).toHaveLength(6);
      // Arrival, not order: each row came in an earlier network read than the completion, and the rows
      // themselves came over several reads, not as one burst.
      for (const row of rows) expect(row.read).toBeLessThan(complete?.read ?? -1);
      expect(new Set(rows.map((r) => r.read)).size).toBeGreaterThan(1);
    } finally {
      await t.close();
    }
  });
});

describe.each(ENGINES)('tool calling through real provider packages (%s)', (engine) => {
  let upstream: FakeUpstream;
  let t: TestServer;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    t = await startTestServer({
      engine,
      env: {
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        ANTHROPIC_API_KEY: 'sk-ant-test',
        ANTHROPIC_BASE_URL: `${upstream.url}/v1`,
        MAX_COMPONENTS: '5',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  it.each(['openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5'])(
    '%s: the model asks for a table, gets the result, and continues its text',
    async (model) => {
      upstream.scripts([
        {
          tokens: ['Let me', ' look.'],
          toolCalls: [
            {
              name: 'show_table',
              arguments: {
                schema: 'users',
                filter: [{ column: 'country', op: 'eq', value: 'France' }],
                limit: 3,
              },
            },
          ],
        },
        { tokens: ['Those are', ' three users.'] },
      ]);
      const { events } = await postChatStream(t.url, { message: 'Show three French users', model });
      expect(shape(events)).toEqual([
        'start',
        'text',
        'create:table-1',
        'rows:table-1',
        'rows:table-1',
        'rows:table-1',
        'complete:table-1',
        'text',
        'done',
      ]);
      expect(text(events)).toBe('Let me look.\n\nThose are three users.');

      await upstream.nextRequest();
      const second = await upstream.nextRequest();
      const wire = JSON.stringify(second.body.messages);
      // The tool result went back to the model in the provider's own format.
      expect(wire).toMatch(
        model.startsWith('openai')
          ? /"role":"tool","tool_call_id":"call_\d+"/
          : /"type":"tool_result","tool_use_id":"toolu_\d+"/,
      );
      expect(wire).toContain('rows_shown');

      const conversation = await fetch(`${t.url}/v1/conversations/${events[0]?.data.conversation_id}`).then(
        readJson,
      );
      expect(conversation.messages[1].components).toEqual(mergeComponents(componentEvents(events)));
      expect(
        conversation.messages[1].components[0].rows.every((r: { country: string }) => r.country === 'France'),
      ).toBe(true);
    },
  );

  it('sends at most 5 components per answer, tells the client about the sixth, and goes on', async () => {
    const table = (limit: number) => ({ name: 'show_table', arguments: { schema: 'products', limit } });
    upstream.scripts([
      { tokens: ['Six tables:'], toolCalls: [1, 2, 3, 4, 5, 6].map(table) },
      { tokens: ['Five fit.'] },
    ]);
    const { events } = await postChatStream(t.url, { message: 'many tables', model: 'openai:gpt-4o-mini' });
    const creates = componentEvents(events).filter((e) => e.op === 'create');
    expect(creates.map((e) => e.id)).toEqual(['table-1', 'table-2', 'table-3', 'table-4', 'table-5']);
    const skipped = events.filter((e) => e.event === 'progress' && e.data.status === 'skipped');
    expect(skipped.map((e) => e.data)).toEqual([
      expect.objectContaining({
        step: 'components',
        label: 'Only 5 components fit in one answer: "Products" is not shown',
      }),
    ]);
    expect(text(events)).toBe('Six tables:\n\nFive fit.');
    expect(events.at(-1)?.event).toBe('done');
    await upstream.nextRequest();
    const second = await upstream.nextRequest();
    expect(JSON.stringify(second.body.messages)).toContain('already shows the most components allowed');
  });
});
