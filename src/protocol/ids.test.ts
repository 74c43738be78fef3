import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('is a prefix and 32 base32 characters (160 random bits), never the same twice', () => {
    const ids = Array.from({ length: 5000 }, () => newId('run'));
    for (const id of ids) expect(id).toMatch(/^run_[a-z2-7]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId('conversation')).toMatch(/^conv_/);
    expect(newId('message')).toMatch(/^msg_/);
    expect(newId('document')).toMatch(/^doc_/);
  });

  it('uses every symbol of the alphabet about equally (no bias from drawing bytes in bulk)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++)
      for (const c of newId('run').slice(4)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(32);
    const expected = (2000 * 32) / 32;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.15);
  });
});
