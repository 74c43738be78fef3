import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase } from '../../test/helpers/test-database.js';
import { type ConversationId, type MessageId, newId, type RunId } from '../protocol/index.js';
import { FINISH_SQL, MessageStore } from './message-store.js';
import { migrate } from './migrations.js';
import type { Turn, TurnAdmission } from './turn-admission.js';
import { TurnStore } from './turn-store.js';

describe.each(ENGINES)('MessageStore on %s', (engine) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  let messages: MessageStore;
  let turns: TurnStore;
  /** The run of each answer admitted here. */
  const runs = new Map<MessageId, RunId>();

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    await migrate(t.db);
    messages = new MessageStore(t.db);
    turns = new TurnStore(t.db);
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function admit(
    text: string,
    conversationId?: ConversationId,
    who: Partial<Pick<TurnAdmission, 'userId' | 'maxConcurrentRuns'>> = {},
  ): Promise<Turn> {
    const admission: TurnAdmission = {
      kind: 'message',
      text,
      conversationId,
      userId: 'ann',
      runId: newId('run'),
      model: 'local',
      instanceId: 'instance-a',
      leaseMs: 30_000,
      maxConcurrentRuns: 100,
      maxMessages: 100,
      ...who,
    };
    const result = await turns.admit(admission);
    if (!('turn' in result)) throw new Error(result.refused);
    runs.set(result.turn.assistantMessageId, admission.runId);
    return result.turn;
  }
  function finish(turn: Turn, content: string) {
    return messages.finish(
      turn.assistantMessageId,
      {
        content,
        status: 'complete',
        usage: { input_tokens: 3, output_tokens: 5, cost_usd: null },
        metrics: { ttft_ms: 10, duration_ms: 20, tokens_per_s: 250 },
        components: [],
        sources: [],
      },
      { id: runs.get(turn.assistantMessageId) as RunId, status: 'done', lastEventId: 7 },
    );
  }

  it('history is oldest first, stops at the given message and leaves out empty answers', async () => {
    const first = await admit('one');
    await finish(first, 'answer one');
    const second = await admit('two', first.conversationId);
    const third = await admit('three', first.conversationId);

    expect(await messages.history(first.conversationId, third.userMessageId)).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: 'two' },
      { role: 'user', content: 'three' },
    ]);
    expect(await messages.history(first.conversationId, second.userMessageId)).toHaveLength(3);
  });

  it('saveProgress writes only while the message is streaming', async () => {
    const turn = await admit('count to three');
    const content = async () =>
      (
        await t.db.query<{ content: string }>('select content from messages where id = $1', [
          turn.assistantMessageId,
        ])
      )[0]?.content;

    await messages.saveProgress(new Map([[turn.assistantMessageId, 'one, two']]));
    expect(await content()).toBe('one, two');
    await finish(turn, 'one, two, three');
    await messages.saveProgress(new Map([[turn.assistantMessageId, 'one, two']]));
    expect(await content()).toBe('one, two, three');
  });

  it('leaves a fifth of every page of messages free for the new versions of running answers', async () => {
    const [table] = await t.db.query<{ options: string[] | null }>(
      `select reloptions as options from pg_class where oid = 'messages'::regclass`,
    );
    expect(table?.options).toContain('fillfactor=80');
  });

  // On PostgreSQL the snapshots of other sessions (the tests running beside this one) can keep dead versions
  // from being pruned, so the table's size says little there; on PGlite, one session, it is exact.
  it.runIf(engine === 'pglite')(
    'checkpoints of running answers rewrite them in place instead of growing the table',
    async () => {
      const running = await Promise.all(
        Array.from({ length: 300 }, async () => {
          const turn = await admit('still running', undefined, { userId: 'carol', maxConcurrentRuns: 1_000 });
          return turn.assistantMessageId;
        }),
      );
      const tableBytes = async () =>
        Number(
          (await t.db.query<{ bytes: string }>(`select pg_relation_size('messages') as bytes`))[0]?.bytes,
        );
      let text = '';
      const checkpoint = () => {
        text += ' one more token';
        return messages.saveProgress(new Map(running.map((id) => [id, text])));
      };
      await checkpoint();
      const after1 = await tableBytes();
      for (let i = 0; i < 30; i++) await checkpoint();
      // Pages filled to the brim: each round moves every answer to a new page (about 3.5 MB more here).
      expect(await tableBytes()).toBeLessThan(after1 + 1024 * 1024);
    },
  );

  it('ending an answer reads its own run row, however many runs are running', async () => {
    const runIds = Array.from({ length: 300 }, () => newId('run'));
    const running = await Promise.all(
      runIds.map((runId) =>
        turns.admit({
          kind: 'message',
          text: 'still running',
          userId: 'bob',
          runId,
          model: 'local',
          instanceId: 'instance-a',
          leaseMs: 30_000,
          maxConcurrentRuns: 1_000,
          maxMessages: 100,
        }),
      ),
    );
    const first = running[0];
    if (!first || !('turn' in first)) throw new Error('not admitted');
    const ended = first.turn;
    const runId = runIds[0] as RunId;
    const plan = await t.db.transaction(async (tx) => {
      const rows = await tx.query<Record<string, unknown>>(`explain (analyze, format json) ${FINISH_SQL}`, [
        [ended.assistantMessageId],
        ['done'],
        ['complete'],
        ['{}'],
        ['{}'],
        ['[]'],
        ['[]'],
        [runId],
        ['done'],
        [3],
      ]);
      return JSON.stringify(rows);
    });
    // Every scan of runs in the plan reads one row: the run ended, found by its key.
    const scans = [...plan.matchAll(/"Relation Name":"runs"[^}]*?"Actual Rows":([\d.]+)/g)];
    expect(scans.length).toBeGreaterThan(0);
    for (const [, rows] of scans) expect(Number(rows)).toBeLessThanOrEqual(1);
    expect(plan).not.toContain('runs_running_lease');
  });

  it('finish stores the status, usage, metrics, components and sources', async () => {
    const turn = await admit('hi');
    await finish(turn, 'hello');

    const [row] = await t.db.query(
      'select content, status, usage, metrics, components, sources from messages where id = $1',
      [turn.assistantMessageId],
    );
    expect(row).toEqual({
      content: 'hello',
      status: 'complete',
      usage: { input_tokens: 3, output_tokens: 5, cost_usd: null },
      metrics: { ttft_ms: 10, duration_ms: 20, tokens_per_s: 250 },
      components: [],
      sources: [],
    });
  });
});
