import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase } from '../../test/helpers/test-database.js';
import { newId } from '../protocol/index.js';
import { migrate } from './migrations.js';
import { ResponseStore } from './response-store.js';

describe.each(ENGINES)('ResponseStore on %s', (engine) => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  let responses: ResponseStore;

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    await migrate(t.db);
    responses = new ResponseStore(t.db);
  });
  afterAll(async () => {
    await t?.drop();
  });

  const question = { type: 'message', role: 'user', content: 'How tall is it?' };
  const answer = (id: string) => ({
    type: 'message',
    id: `msg_${id.slice('resp_'.length)}`,
    role: 'assistant',
    content: [{ type: 'output_text', text: 'Tall.' }],
  });

  it("gives back the user's response and its input, and nothing to another user", async () => {
    const id = `resp_${newId('run')}`;
    const response = { id, object: 'response', status: 'completed', output: [answer(id)], usage: { x: 1 } };
    await responses.save({
      id,
      userId: 'ann',
      previousResponseId: undefined,
      model: 'local',
      items: [question, answer(id)],
      inputCount: 1,
      response,
    });

    expect(await responses.get('ann', id)).toEqual({ response, input: [question] });
    expect(await responses.get('bob', id)).toBeUndefined();
    expect(await responses.delete('bob', id)).toBe(false);
    expect(await responses.get('ann', id)).toBeDefined();
  });

  it('deletes a response: it is gone, and the one that continued it no longer reaches back', async () => {
    const first = `resp_${newId('run')}`;
    const second = `resp_${newId('run')}`;
    const row = { userId: 'ann', model: 'local', inputCount: 1, response: {} };
    await responses.save({
      ...row,
      id: first,
      previousResponseId: undefined,
      items: [question, answer(first)],
    });
    await responses.save({
      ...row,
      id: second,
      previousResponseId: first,
      items: [question, answer(second)],
    });
    expect(await responses.thread('ann', second)).toHaveLength(4);

    expect(await responses.delete('ann', first)).toBe(true);
    expect(await responses.get('ann', first)).toBeUndefined();
    expect(await responses.delete('ann', first)).toBe(false);
    expect(await responses.thread('ann', second)).toEqual([question, answer(second)]);
  });

  it('reads a response stored before responses kept their object back from its items', async () => {
    const id = `resp_${newId('run')}`;
    const call = { type: 'function_call', id: 'fc_1', call_id: 'c1', name: 'f', arguments: '{}' };
    await t.db.query(`insert into responses (id, user_id, model, items) values ($1, 'ann', 'local', $2)`, [
      id,
      JSON.stringify([question, answer(id), call]),
    ]);
    const calls = `resp_${newId('run')}`;
    await t.db.query(`insert into responses (id, user_id, model, items) values ($1, 'ann', 'local', $2)`, [
      calls,
      JSON.stringify([question, call]),
    ]);

    expect(await responses.get('ann', id)).toMatchObject({
      response: { id, object: 'response', status: 'completed', model: 'local', output: [answer(id), call] },
      input: [question],
    });
    expect(await responses.get('ann', calls)).toMatchObject({
      response: { output: [call] },
      input: [question],
    });
  });
});
