import { describe, expect, it } from 'vitest';
import { InMemoryRunLog } from '../runs/index.js';
import { ComponentStream } from './component-stream.js';

const columns = [{ key: 'a', label: 'A', type: 'string' as const }];

function setup(max = 5) {
  const log = new InMemoryRunLog();
  const skipped: string[] = [];
  const stream = new ComponentStream(log, max, (title, limit) => skipped.push(`${title}/${limit}`));
  return { log, stream, skipped };
}

async function types(log: InMemoryRunLog): Promise<string[]> {
  log.append({ type: 'error', code: 'end', message: 'end', retryable: false });
  const out: string[] = [];
  for await (const batch of log.read(0)) for (const e of batch) out.push(JSON.parse(e.data).op ?? e.type);
  return out;
}

describe('ComponentStream', () => {
  it('sends create, updates or rows, then complete, and stores the merged final states', async () => {
    const { log, stream } = setup();
    stream.create('table-1', 'table', 'T', columns);
    stream.rows('table-1', [{ a: 'x' }]);
    stream.rows('table-1', [{ a: 'y' }]);
    stream.complete('table-1', 2);
    stream.create('simple-2', 'simple', 'Card');
    stream.update('simple-2', { k: 1 });
    stream.complete('simple-2');
    expect(await types(log)).toEqual([
      'create',
      'rows',
      'rows',
      'complete',
      'create',
      'update',
      'complete',
      'error',
    ]);
    expect(stream.states().map((s) => [s.id, s.status, s.rows.length, s.data])).toEqual([
      ['table-1', 'complete', 2, {}],
      ['simple-2', 'complete', 0, { k: 1 }],
    ]);
  });

  it('refuses operations out of order', () => {
    const { stream } = setup();
    expect(() => stream.rows('t', [{}])).toThrow(/not open/);
    stream.create('t', 'table', 'T', columns);
    expect(() => stream.create('t', 'table', 'T', columns)).toThrow(/already created/);
    expect(() => stream.update('t', { a: 1 })).toThrow(/is a table/);
    stream.complete('t');
    expect(() => stream.rows('t', [{}])).toThrow(/not open/);
  });

  it('skips components past the limit with a notice, and drops their later operations', async () => {
    const { log, stream, skipped } = setup(2);
    expect(stream.create('a', 'simple', 'A')).toBe(true);
    expect(stream.create('b', 'simple', 'B')).toBe(true);
    expect(stream.create('c', 'simple', 'C')).toBe(false);
    stream.update('c', { x: 1 });
    stream.complete('c');
    expect(skipped).toEqual(['C/2']);
    expect(await types(log)).toEqual(['create', 'create', 'error']);
  });

  it('completes what is still open when the answer ends early', () => {
    const { stream } = setup();
    stream.create('t', 'table', 'T', columns);
    stream.rows('t', [{ a: 'x' }]);
    stream.completeAll();
    expect(stream.states()[0]).toMatchObject({ status: 'complete', rows: [{ a: 'x' }] });
  });
});
