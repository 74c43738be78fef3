import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase } from '../../test/helpers/test-database.js';
import { type ConversationId, newId, type RunId } from '../protocol/index.js';
import { ConversationStore } from './conversation-store.js';
import { type Database, openDatabase } from './database.js';
import { MessageStore } from './message-store.js';
import { migrate } from './migrations.js';
import { RunStore } from './run-store.js';
import { SessionStore } from './session-store.js';
import type { AdmissionResult, Turn, TurnAdmission } from './turn-admission.js';
import { TurnStore } from './turn-store.js';

type Limits = Partial<Pick<TurnAdmission, 'maxConcurrentRuns' | 'maxMessages' | 'sessionKey'>>;

function message(userId: string, text: string, conversationId?: ConversationId, limits: Limits = {}) {
  return { ...common(userId, limits), kind: 'message' as const, text, conversationId };
}
function regenerate(userId: string, conversationId: ConversationId, limits: Limits = {}) {
  return { ...common(userId, limits), kind: 'regenerate' as const, conversationId };
}
function common(userId: string, limits: Limits) {
  return {
    userId,
    runId: newId('run'),
    model: 'local',
    instanceId: 'instance-a',
    leaseMs: 30_000,
    maxConcurrentRuns: 3,
    maxMessages: 100,
    ...limits,
  };
}

function admitted(result: AdmissionResult): Turn {
  if (!('turn' in result)) throw new Error(`refused: ${result.refused}`);
  return result.turn;
}

/** A distinct user per test: the suite's tests share one database. */
function newUser(): string {
  return `user_${newId('run').slice(4, 16)}`;
}

describe.each(ENGINES)('TurnStore on %s', (engine) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Database;
  let turns: TurnStore;
  let messages: MessageStore;

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    db = t.db;
    await migrate(db);
    turns = new TurnStore(db);
    messages = new MessageStore(db);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** Every table an admission writes, and the latest touch of a conversation. */
  async function tableCounts() {
    const [row] = await db.query<{ conversations: number; last_touched: string }>(
      `select (select count(*)::int from conversations) as conversations,
              (select count(*)::int from messages) as messages,
              (select count(*)::int from runs) as runs,
              (select count(*)::int from legacy_sessions) as sessions,
              (select max(updated_at)::text from conversations) as last_touched`,
    );
    if (!row) throw new Error('no counts');
    return row;
  }
  /** Exact to the microsecond, as text: a Date keeps only milliseconds. */
  async function updatedAt(conversationId: ConversationId): Promise<string> {
    const [row] = await db.query<{ t: string }>(
      'select updated_at::text as t from conversations where id = $1',
      [conversationId],
    );
    return row!.t;
  }
  async function touchedSince(conversationId: ConversationId, before: string): Promise<boolean> {
    const [row] = await db.query<{ touched: boolean }>(
      'select updated_at > $2::timestamptz as touched from conversations where id = $1',
      [conversationId, before],
    );
    return row!.touched;
  }
  function messageRows(conversationId: ConversationId) {
    return db.query(
      `select id, role, content, status, model, run_id from messages where conversation_id = $1 order by seq`,
      [conversationId],
    );
  }
  function runRow(runId: string) {
    return db.query(
      `select id, conversation_id, message_id, status, instance_id, user_id,
              lease_until > now() + interval '25 seconds' and lease_until <= now() + interval '30 seconds' as leased
       from runs where id = $1`,
      [runId],
    );
  }
  /** Ends a turn as the pipeline does: its answer finished with `status`, its run over. */
  async function finishTurn(turn: Turn, runId: string, status: 'complete' | 'failed' = 'complete') {
    await messages.finish(
      turn.assistantMessageId,
      {
        content: `answer to ${turn.userText}`,
        status,
        usage: { input_tokens: 1, output_tokens: 1, cost_usd: 0 },
        metrics: { ttft_ms: 1, duration_ms: 1, tokens_per_s: 1 },
        components: [],
        sources: [],
      },
      { id: runId as RunId, status: status === 'complete' ? 'done' : 'failed', lastEventId: 5 },
    );
  }
  /** A conversation of one finished turn. */
  async function conversationWithAnswer(userId: string, status: 'complete' | 'failed' = 'complete') {
    const first = message(userId, 'What is SSE?');
    const turn = admitted(await turns.admit(first));
    await finishTurn(turn, first.runId, status);
    return turn;
  }
  async function expectRefusedWritingNothing(admission: TurnAdmission, refused: string) {
    const before = await tableCounts();
    expect(await turns.admit(admission)).toEqual({ refused });
    expect(await tableCounts()).toEqual(before);
  }

  it('a message without a conversation opens one titled from its text, with both messages and the run', async () => {
    const userId = newUser();
    const admission = message(userId, 'How do resumable streams work?\nAnd why?', undefined, {
      sessionKey: 'chat-1',
    });
    const turn = admitted(await turns.admit(admission));

    expect(turn).toEqual({
      conversationId: expect.stringMatching(/^conv_/),
      userMessageId: expect.stringMatching(/^msg_/),
      assistantMessageId: expect.stringMatching(/^msg_/),
      newConversation: true,
      documentCount: 0,
      userText: 'How do resumable streams work?\nAnd why?',
    });
    expect(
      await db.query('select title, user_id from conversations where id = $1', [turn.conversationId]),
    ).toEqual([{ title: 'How do resumable streams work?', user_id: userId }]);
    expect(await messageRows(turn.conversationId)).toEqual([
      {
        id: turn.userMessageId,
        role: 'user',
        content: 'How do resumable streams work?\nAnd why?',
        status: 'complete',
        model: null,
        run_id: null,
      },
      {
        id: turn.assistantMessageId,
        role: 'assistant',
        content: '',
        status: 'streaming',
        model: 'local',
        run_id: admission.runId,
      },
    ]);
    expect(await runRow(admission.runId)).toEqual([
      {
        id: admission.runId,
        conversation_id: turn.conversationId,
        message_id: turn.assistantMessageId,
        status: 'running',
        instance_id: 'instance-a',
        user_id: userId,
        leased: true,
      },
    ]);
    expect(await new SessionStore(db).conversationFor(userId, 'chat-1')).toBe(turn.conversationId);
  });

  it('a message in an existing conversation follows its messages, touches it and counts the documents', async () => {
    const userId = newUser();
    const first = await conversationWithAnswer(userId);
    await db.query(
      `insert into documents (id, title, filename, media_type, size_bytes, sha256, chunk_count, user_id)
       values ($1, 'Guide', 'guide.md', 'text/markdown', 1, $2, 0, $3)`,
      [newId('document'), `sha-${userId}`, userId],
    );
    const touchedBefore = await updatedAt(first.conversationId);
    const { conversations } = await tableCounts();

    const admission = message(userId, 'And WebSockets?', first.conversationId);
    const turn = admitted(await turns.admit(admission));

    expect(turn).toMatchObject({
      conversationId: first.conversationId,
      newConversation: false,
      documentCount: 1,
      userText: 'And WebSockets?',
    });
    expect((await messageRows(first.conversationId)).map((m) => [m.id, m.role, m.status])).toEqual([
      [first.userMessageId, 'user', 'complete'],
      [first.assistantMessageId, 'assistant', 'complete'],
      [turn.userMessageId, 'user', 'complete'],
      [turn.assistantMessageId, 'assistant', 'streaming'],
    ]);
    expect(await runRow(admission.runId)).toMatchObject([
      { message_id: turn.assistantMessageId, status: 'running' },
    ]);
    expect(await touchedSince(first.conversationId, touchedBefore)).toBe(true);
    expect((await tableCounts()).conversations).toBe(conversations);
  });

  it("refuses a conversation that does not exist or is another user's, writing nothing", async () => {
    const owner = newUser();
    const theirs = await conversationWithAnswer(owner);
    const stranger = newUser();
    const unknown = newId('conversation');

    for (const admission of [
      message(stranger, 'hello', unknown, { sessionKey: 'k' }),
      message(stranger, 'hello', theirs.conversationId, { sessionKey: 'k' }),
      regenerate(stranger, unknown, { sessionKey: 'k' }),
      regenerate(stranger, theirs.conversationId, { sessionKey: 'k' }),
    ])
      await expectRefusedWritingNothing(admission, 'conversation_not_found');
  });

  it('refuses a turn while the user has maxConcurrentRuns running, on any instance; other users are not counted', async () => {
    const userId = newUser();
    const running = [message(userId, 'one'), { ...message(userId, 'two'), instanceId: 'instance-b' }];
    const [first] = await Promise.all(running.map(async (a) => admitted(await turns.admit(a))));
    admitted(await turns.admit(message(newUser(), 'someone else')));

    await expectRefusedWritingNothing(
      message(userId, 'three', undefined, { maxConcurrentRuns: 2, sessionKey: 'k' }),
      'too_many_runs',
    );
    await expectRefusedWritingNothing(
      regenerate(userId, first!.conversationId, { maxConcurrentRuns: 2 }),
      'too_many_runs',
    );
    await finishTurn(first!, running[0]!.runId);
    admitted(await turns.admit(message(userId, 'three', undefined, { maxConcurrentRuns: 2 })));
  });

  it('refuses a message that would take the conversation past maxMessages', async () => {
    const userId = newUser();
    const first = await conversationWithAnswer(userId);

    await expectRefusedWritingNothing(
      message(userId, 'again', first.conversationId, { maxMessages: 3, sessionKey: 'k' }),
      'conversation_full',
    );
    admitted(await turns.admit(message(userId, 'again', first.conversationId, { maxMessages: 4 })));
  });

  it('a regeneration fits a full conversation when it replaces an answer, not when it adds one', async () => {
    const userId = newUser();
    const first = await conversationWithAnswer(userId);

    const replacing = regenerate(userId, first.conversationId, { maxMessages: 2 });
    const turn = admitted(await turns.admit(replacing));
    await finishTurn(turn, replacing.runId);
    await db.query('delete from messages where id = $1', [turn.assistantMessageId]);

    await expectRefusedWritingNothing(
      regenerate(userId, first.conversationId, { maxMessages: 1 }),
      'conversation_full',
    );
    admitted(await turns.admit(regenerate(userId, first.conversationId, { maxMessages: 2 })));
  });

  it.each(['complete', 'failed'] as const)(
    'a regeneration replaces a %s answer with a streaming one after the same user message',
    async (status) => {
      const userId = newUser();
      const first = await conversationWithAnswer(userId, status);
      const admission = regenerate(userId, first.conversationId, { sessionKey: 'socket-1' });
      const touchedBefore = await updatedAt(first.conversationId);

      const turn = admitted(await turns.admit(admission));

      expect(turn).toEqual({
        conversationId: first.conversationId,
        userMessageId: first.userMessageId,
        assistantMessageId: expect.stringMatching(/^msg_/),
        newConversation: false,
        documentCount: 0,
        userText: 'What is SSE?',
      });
      expect(turn.assistantMessageId).not.toBe(first.assistantMessageId);
      expect(await messageRows(first.conversationId)).toEqual([
        {
          id: first.userMessageId,
          role: 'user',
          content: 'What is SSE?',
          status: 'complete',
          model: null,
          run_id: null,
        },
        {
          id: turn.assistantMessageId,
          role: 'assistant',
          content: '',
          status: 'streaming',
          model: 'local',
          run_id: admission.runId,
        },
      ]);
      expect(await runRow(admission.runId)).toEqual([
        {
          id: admission.runId,
          conversation_id: first.conversationId,
          message_id: turn.assistantMessageId,
          status: 'running',
          instance_id: 'instance-a',
          user_id: userId,
          leased: true,
        },
      ]);
      expect(await touchedSince(first.conversationId, touchedBefore)).toBe(true);
      expect(await new SessionStore(db).conversationFor(userId, 'socket-1')).toBe(first.conversationId);
    },
  );

  it('a regeneration answers a newest user message without deleting anything', async () => {
    const userId = newUser();
    const first = await conversationWithAnswer(userId);
    await db.query('delete from messages where id = $1', [first.assistantMessageId]);
    const admission = regenerate(userId, first.conversationId);

    const turn = admitted(await turns.admit(admission));

    expect(turn).toMatchObject({ userMessageId: first.userMessageId, userText: 'What is SSE?' });
    expect((await messageRows(first.conversationId)).map((m) => [m.id, m.status])).toEqual([
      [first.userMessageId, 'complete'],
      [turn.assistantMessageId, 'streaming'],
    ]);
  });

  it('refuses to regenerate an answer still being written (answer_in_progress)', async () => {
    const userId = newUser();
    const turn = admitted(await turns.admit(message(userId, 'Explain leases')));

    await expectRefusedWritingNothing(
      regenerate(userId, turn.conversationId, { sessionKey: 'k' }),
      'answer_in_progress',
    );
  });

  it('refuses to regenerate when there is no user message to answer (nothing_to_regenerate)', async () => {
    const userId = newUser();
    const empty = await new ConversationStore(db).create(userId, 'Empty');
    const answerOnly = (await new ConversationStore(db).create(userId, 'Greeting')).id as ConversationId;
    await db.query(
      `insert into messages (id, conversation_id, role, content, status) values ($1, $2, 'assistant', 'Hi', 'complete')`,
      [newId('message'), answerOnly],
    );

    await expectRefusedWritingNothing(
      regenerate(userId, empty.id as ConversationId, { sessionKey: 'k' }),
      'nothing_to_regenerate',
    );
    await expectRefusedWritingNothing(regenerate(userId, answerOnly), 'nothing_to_regenerate');
  });

  it('refusals come in the order of the checks', async () => {
    const userId = newUser();
    const streaming = admitted(await turns.admit(message(userId, 'still answering')));

    // At the run limit, full, and with an answer in progress: the run limit is reported first…
    await expectRefusedWritingNothing(
      regenerate(userId, streaming.conversationId, { maxConcurrentRuns: 1, maxMessages: 1 }),
      'too_many_runs',
    );
    await expectRefusedWritingNothing(
      message(userId, 'x', newId('conversation'), { maxConcurrentRuns: 1 }),
      'too_many_runs',
    );
    // …then the size, then the answer in progress.
    await expectRefusedWritingNothing(
      regenerate(userId, streaming.conversationId, { maxMessages: 1 }),
      'conversation_full',
    );
  });

  it("a session key already naming a conversation is moved to the new one; another user's same key is not", async () => {
    const userId = newUser();
    const otherUser = newUser();
    const sessions = new SessionStore(db);
    const old = await conversationWithAnswer(userId);
    const others = await conversationWithAnswer(otherUser);
    await sessions.link(userId, 'session-7', old.conversationId);
    await sessions.link(otherUser, 'session-7', others.conversationId);

    const turn = admitted(
      await turns.admit(message(userId, 'fresh start', undefined, { sessionKey: 'session-7' })),
    );

    expect(await sessions.conversationFor(userId, 'session-7')).toBe(turn.conversationId);
    expect(await sessions.conversationFor(otherUser, 'session-7')).toBe(others.conversationId);
  });

  it('simultaneous turns of one user cannot share the last run slot', async () => {
    const userId = newUser();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => turns.admit(message(userId, `turn ${i}`))),
    );

    expect(results.filter((r) => 'turn' in r)).toHaveLength(3);
    expect(results.filter((r) => 'refused' in r)).toEqual(Array(5).fill({ refused: 'too_many_runs' }));
    expect(
      await db.query(
        `select (select count(*)::int from runs where user_id = $1 and status = 'running') as runs,
                (select count(*)::int from conversations where user_id = $1) as conversations`,
        [userId],
      ),
    ).toEqual([{ runs: 3, conversations: 3 }]);
  });

  it('turns asked for at once share one statement: each user takes its free slots in order, the rest are refused', async () => {
    const ann = newUser();
    const bob = newUser();
    const held = admitted(await turns.admit(message(ann, 'already running')));
    let statements = 0;
    const counting = new TurnStore({
      ...db,
      prepare: <T>(name: string, sql: string) => {
        const run = db.prepare<T>(name, sql);
        return (params) => {
          statements++;
          return run(params);
        };
      },
    });
    const asked = [
      message(ann, 'a1'),
      message(bob, 'b1'),
      message(ann, 'a2'),
      message(ann, 'a3'),
      message(bob, 'b2', 'conv_nowhere' as ConversationId),
      message(bob, 'b3'),
    ];
    const results = await Promise.all(asked.map((a) => counting.admit(a)));

    expect(statements).toBe(1);
    expect(results.map((r) => ('turn' in r ? 'admitted' : r.refused))).toEqual([
      'admitted',
      'admitted',
      'admitted',
      'too_many_runs',
      'conversation_not_found',
      'admitted',
    ]);
    expect(
      await db.query(
        `select user_id, running from user_runs where user_id = any($1::text[]) order by running desc`,
        [[ann, bob]],
      ),
    ).toEqual([
      { user_id: ann, running: 3 },
      { user_id: bob, running: 2 },
    ]);
    expect(held.userText).toBe('already running');
  });

  it('a run slot comes back once, whichever way its run ends: finished, failed, or interrupted by a sweep', async () => {
    const userId = newUser();
    const one = { maxConcurrentRuns: 1 };
    const running = async () =>
      (await db.query<{ running: number }>('select running from user_runs where user_id = $1', [userId]))[0]
        ?.running;

    const first = message(userId, 'first', undefined, one);
    const turn = admitted(await turns.admit(first));
    expect(await turns.admit(message(userId, 'waits', undefined, one))).toEqual({ refused: 'too_many_runs' });
    await finishTurn(turn, first.runId);
    expect(await running()).toBe(0);

    const second = message(userId, 'second', undefined, one);
    const crashed = admitted(await turns.admit(second));
    await messages.fail(crashed.assistantMessageId, second.runId, 3);
    expect(await running()).toBe(0);

    // An instance that died: its lease runs out, a sweep interrupts the run and frees the slot; the dead
    // instance's late finish (it was only slow) does not free it a second time.
    const third = message(userId, 'third', undefined, one);
    const swept = admitted(await turns.admit(third));
    await db.query(`update runs set lease_until = now() - interval '1 second' where id = $1`, [third.runId]);
    const claimed = await new RunStore(db).claimExpired();
    expect(claimed.map((r) => r.id)).toContain(third.runId);
    expect(await running()).toBe(0);
    await finishTurn(swept, third.runId);
    expect(await running()).toBe(0);
    admitted(await turns.admit(message(userId, 'fourth', undefined, one)));
    expect(await running()).toBe(1);
  });

  // Two connections, as two instances behind a load balancer have: PostgreSQL only (PGlite has one).
  if (engine === 'postgres')
    it('simultaneous turns of one user through two database connections cannot share the last run slot', async () => {
      const userId = newUser();
      const other = await openDatabase({
        engine: 'postgres',
        url: process.env.DATABASE_URL!,
        schema: t.schema,
      });
      try {
        const stores = [turns, new TurnStore(other)];
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => stores[i % 2]!.admit(message(userId, `turn ${i}`))),
        );

        expect(results.filter((r) => 'turn' in r)).toHaveLength(3);
        const [row] = await db.query(
          `select count(*)::int as runs from runs where user_id = $1 and status = 'running'`,
          [userId],
        );
        expect(row).toEqual({ runs: 3 });
      } finally {
        await other.close();
      }
    });
});
