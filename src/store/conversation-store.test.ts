import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase } from '../../test/helpers/test-database.js';
import { DomainError } from '../domain-error.js';
import { newId } from '../protocol/index.js';
import { ConversationStore } from './conversation-store.js';
import { migrate } from './migrations.js';
import { TurnStore } from './turn-store.js';

describe.each(ENGINES)('ConversationStore on %s', (engine) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  let conversations: ConversationStore;

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    await migrate(t.db);
    conversations = new ConversationStore(t.db);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it("lists the user's conversations newest first, page by page, and no one else's", async () => {
    const created = [];
    for (const title of ['first', 'second', 'third']) created.push(await conversations.create('ann', title));
    await conversations.create('bob', 'not ann');

    const page1 = await conversations.list('ann', 2, undefined);
    expect(page1.data.map((c) => c.title)).toEqual(['third', 'second']);
    expect(page1.next_cursor).toEqual(expect.any(String));
    const page2 = await conversations.list('ann', 2, page1.next_cursor!);
    expect(page2).toEqual({ data: [created[0]], next_cursor: null });
  });

  it('refuses a cursor it did not issue with a DomainError invalid_cursor', async () => {
    const refusal = await conversations.list('ann', 2, 'not-a-cursor').catch((e: unknown) => e);

    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({
      kind: 'invalid',
      code: 'invalid_cursor',
      message: 'cursor is not one this server issued',
    });
  });

  it('the detail holds the messages oldest first and the running answer; only for the owner', async () => {
    const runId = newId('run');
    const result = await new TurnStore(t.db).admit({
      kind: 'message',
      text: 'Hello there',
      userId: 'cid',
      runId,
      model: 'local',
      instanceId: 'instance-a',
      leaseMs: 30_000,
      maxConcurrentRuns: 1,
      maxMessages: 10,
    });
    if (!('turn' in result)) throw new Error(result.refused);
    const { turn } = result;

    const detail = await conversations.detail('cid', turn.conversationId);

    expect(detail).toMatchObject({ id: turn.conversationId, title: 'Hello there' });
    expect(detail?.messages.map((m) => [m.id, m.role, m.status])).toEqual([
      [turn.userMessageId, 'user', 'complete'],
      [turn.assistantMessageId, 'assistant', 'streaming'],
    ]);
    expect(detail?.active_run).toEqual({ id: runId, message_id: turn.assistantMessageId });
    expect(await conversations.detail('dan', turn.conversationId)).toBeUndefined();
  });

  it('deletes only the owner’s conversation', async () => {
    const mine = await conversations.create('eve');

    expect(mine.title).toBe('New conversation');
    expect(await conversations.delete('fay', mine.id)).toBe(false);
    expect(await conversations.get('eve', mine.id)).toEqual(mine);
    expect(await conversations.delete('eve', mine.id)).toBe(true);
    expect(await conversations.get('eve', mine.id)).toBeUndefined();
  });
});
