import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('runs what is asked for in one turn as one batch, and what comes meanwhile as the next', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number, number>({
      run: async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await first;
        return items.map((n) => n * 10);
      },
    });
    const a = [1, 2, 3].map((n) => commit.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    // The first batch runs: these wait for it to end.
    const b = [4, 5].map((n) => commit.submit(n));
    release();
    expect(await Promise.all([...a, ...b])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('keeps items that conflict in separate batches, in order, and honours the batch limit', async () => {
    const batches: string[][] = [];
    const commit = new GroupCommit<string, string>({
      run: async (items) => {
        batches.push([...items]);
        return [...items];
      },
      // Items naming the same conversation (their first letter) never share a statement.
      conflicts: (item, batch) => batch.some((other) => other[0] === item[0]),
      maxBatch: 3,
    });
    await Promise.all(['a1', 'b1', 'a2', 'c1', 'd1', 'a3'].map((x) => commit.submit(x)));
    expect(batches).toEqual([['a1', 'b1', 'c1'], ['a2', 'd1'], ['a3']]);
  });

  it('runs a failed batch again item by item, so only the bad item fails', async () => {
    const commit = new GroupCommit<number, number>({
      run: async (items) => {
        if (items.includes(13)) throw new Error('unlucky');
        return [...items];
      },
    });
    const results = await Promise.allSettled([12, 13, 14].map((n) => commit.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
