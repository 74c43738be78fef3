import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { extractText, getDocumentProxy } from 'unpdf';
import { makeImageOnlyPdf, makePdf } from './make-pdf.js';

async function pdfText(bytes: Uint8Array): Promise<{ text: string; totalPages: number }> {
  const pdf = await getDocumentProxy(bytes);
  return extractText(pdf, { mergePages: true });
}

/** Latin-1 view of the file, so string offsets equal byte offsets. */
function latin1(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => String.fromCharCode(b)).join('');
}

describe('makePdf', () => {
  const pages = [
    ['Quarterly report', 'Revenue grew by 12 percent (see note 3).'],
    ['Second page heading', 'Path C:\\data\\files and a lone ) paren', 'Last line'],
  ];

  it('produces a PDF whose lines unpdf reads back, page by page', async () => {
    const { text, totalPages } = await pdfText(makePdf(pages));
    expect(totalPages).toBe(2);
    for (const line of pages.flat()) {
      expect(text).toContain(line);
    }
    // Page order is preserved.
    expect(text.indexOf('Quarterly report')).toBeLessThan(text.indexOf('Second page heading'));
  });

  it('escapes backslashes and parentheses in the content stream', () => {
    const body = latin1(makePdf(pages));
    expect(body).toContain('(Revenue grew by 12 percent \\(see note 3\\).) Tj');
    expect(body).toContain('(Path C:\\\\data\\\\files and a lone \\) paren) Tj');
  });

  it('writes an xref table whose offsets point at each object', () => {
    const body = latin1(makePdf(pages));
    expect(body.startsWith('%PDF-1.4\n')).toBe(true);
    expect(body.endsWith('%%EOF\n')).toBe(true);

    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(body)?.[1]);
    expect(body.slice(startxref, startxref + 5)).toBe('xref\n');

    const header = /^xref\n0 (\d+)\n/.exec(body.slice(startxref));
    const size = Number(header?.[1]);
    expect(size).toBe(1 + 3 + 2 * pages.length);
    const entriesStart = startxref + (header?.[0].length ?? 0);
    for (let n = 1; n < size; n++) {
      const entry = body.slice(entriesStart + n * 20, entriesStart + (n + 1) * 20);
      expect(entry).toMatch(/^\d{10} 00000 n \n$/);
      const offset = Number(entry.slice(0, 10));
      expect(body.slice(offset, offset + `${n} 0 obj`.length)).toBe(`${n} 0 obj`);
    }
    expect(body).toContain(`trailer\n<< /Size ${size} /Root 1 0 R >>`);
  });

  it('rejects an empty page list', () => {
    expect(() => makePdf([])).toThrow();
  });
});

describe('makeImageOnlyPdf', () => {
  it('is a valid one-page PDF with no extractable text', async () => {
    const { text, totalPages } = await pdfText(makeImageOnlyPdf());
    expect(totalPages).toBe(1);
    expect(text.trim()).toBe('');
  });
});

interface EvalQuestion {
  id: string;
  question: string;
  document: string;
  answer_passage: string;
}

describe('eval/questions.json', () => {
  const evalDir = new URL('../../eval/', import.meta.url);
  const questions = JSON.parse(readFileSync(new URL('questions.json', evalDir), 'utf8')) as EvalQuestion[];
  const corpus = new Map<string, string>();
  const documentText = (name: string): string => {
    let text = corpus.get(name);
    if (text === undefined) {
      text = readFileSync(new URL(`corpus/${name}`, evalDir), 'utf8');
      corpus.set(name, text);
    }
    return text;
  };

  it('has 40 questions with unique ids, 8 per document across 5 documents', () => {
    expect(questions).toHaveLength(40);
    expect(new Set(questions.map((q) => q.id)).size).toBe(40);
    const perDocument = new Map<string, number>();
    for (const q of questions) perDocument.set(q.document, (perDocument.get(q.document) ?? 0) + 1);
    expect(perDocument.size).toBe(5);
    for (const count of perDocument.values()) expect(count).toBe(8);
  });

  it.each(questions.map((q) => [q.id, q] as const))(
    '%s has a verbatim, extraction-safe passage',
    (_id, q) => {
      expect(q.question.trim().length).toBeGreaterThan(0);
      const text = documentText(q.document);
      expect(text.includes(q.answer_passage)).toBe(true);
      expect(q.answer_passage.length).toBeGreaterThanOrEqual(40);
      expect(q.answer_passage.length).toBeLessThanOrEqual(200);
      expect(q.answer_passage).not.toMatch(/\n\s*\n/);
      expect(q.answer_passage).not.toMatch(/[#*`|]/);
    },
  );
});
