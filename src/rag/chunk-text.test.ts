import { describe, expect, it } from 'vitest';
import { chunkText } from './chunk-text.js';

const sentence = (i: number) => `Sentence number ${i} talks about item ${i} in some detail.`;

describe('chunkText', () => {
  it('keeps a short document whole, under its heading path', () => {
    expect(chunkText('# Guide\n\n## Setup\n\nRun it.\n\nThen stop.', { markdown: true })).toEqual([
      { seq: 0, heading: 'Guide › Setup', text: 'Run it.\n\nThen stop.' },
    ]);
  });

  it('never lets a chunk span two sections', () => {
    const md = `# A\n\n${sentence(1)}\n\n# B\n\n${sentence(2)}\n\n## B1\n\n${sentence(3)}`;
    expect(chunkText(md, { markdown: true }).map((c) => [c.heading, c.text])).toEqual([
      ['A', sentence(1)],
      ['B', sentence(2)],
      ['B › B1', sentence(3)],
    ]);
  });

  it('breaks between paragraphs, and repeats the end of a chunk at the start of the next', () => {
    const paragraphs = Array.from({ length: 6 }, (_, p) =>
      [0, 1, 2].map((i) => sentence(p * 3 + i)).join(' '),
    );
    const chunks = chunkText(paragraphs.join('\n\n'), { targetChars: 400, overlapChars: 120 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const [i, chunk] of chunks.entries()) {
      expect(chunk.text.length).toBeLessThanOrEqual(400 + 120 + 2);
      if (i > 0) {
        const previous = chunks[i - 1]?.text ?? '';
        const [overlap] = chunk.text.split('\n\n');
        expect(previous.endsWith(overlap ?? '')).toBe(true);
        expect(overlap?.length).toBeLessThanOrEqual(120);
      }
    }
    // Every paragraph survives whole in some chunk.
    for (const p of paragraphs) expect(chunks.some((c) => c.text.includes(p))).toBe(true);
  });

  it('splits a long paragraph between sentences, keeping "0.5" and "e.g." intact', () => {
    const long = Array.from({ length: 30 }, (_, i) => `Wear of 0.${i} mm is fine, e.g. on item ${i}.`).join(
      ' ',
    );
    const chunks = chunkText(long, { targetChars: 200, overlapChars: 0 });
    for (const c of chunks) {
      expect(c.text).toMatch(/^Wear of 0\.\d+ mm/);
      expect(c.text).toMatch(/item \d+\.$/);
    }
    expect(chunks.map((c) => c.text).join(' ')).toBe(long);
  });

  it('cuts inside a sentence only when one sentence alone is longer than the target', () => {
    const giant = `${'word '.repeat(100).trim()}.`;
    const chunks = chunkText(giant, { targetChars: 120, overlapChars: 0 });
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((c) => c.text.length <= 120)).toBe(true);
    expect(chunks.map((c) => c.text).join(' ')).toBe(giant);
  });

  it("never ends a chunk with an FAQ's question: it starts the next chunk, with its answer", () => {
    const filler = 'Socat relays data between two addresses and reports what it does. '.repeat(10).trim();
    const faq = `${filler}\n\nQ: Why does my shell say "event not found"?\n\nA: The shell expands "!". Say set +H.`;
    const chunks = chunkText(faq, { targetChars: 730, overlapChars: 0 });
    expect(chunks.map((c) => c.text)).toEqual([
      filler,
      'Q: Why does my shell say "event not found"?\n\nA: The shell expands "!". Say set +H.',
    ]);
  });

  it('treats # as text outside Markdown', () => {
    expect(chunkText('# not a heading\n\nbody', { markdown: false })[0]).toMatchObject({ heading: null });
  });
});
