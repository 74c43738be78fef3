import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageOnlyPdf, makePdf } from './helpers/make-pdf.js';
import { readJson } from './helpers/read-json.js';
import { ENGINES, startTestServer, type TestServer } from './helpers/test-server.js';
import { upload } from './helpers/upload.js';

const corpus = (name: string) => readFileSync(new URL(`../eval/corpus/${name}`, import.meta.url), 'utf8');

async function documentCounts(t: TestServer) {
  const [row] = await t.db.query<{ documents: number; chunks: number }>(
    'select (select count(*)::int from documents) as documents, (select count(*)::int from chunks) as chunks',
  );
  return row;
}

describe.each(ENGINES)('documents on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ engine, env: { MAX_UPLOAD_BYTES: '200000' } });
  });
  afterAll(() => t.close());

  it('indexes several files of different types in one upload, and lists, reads and deletes them', async () => {
    const pdf = makePdf([['Inverter warranty lasts 12 years.'], ['Panels last 25 years.']]);
    const { status, body } = await upload(t.url, [
      { name: 'bicycle-maintenance.md', content: corpus('bicycle-maintenance.md') },
      { name: 'warranty.pdf', content: pdf, type: 'application/pdf' },
      { name: 'prices.csv', content: 'item,price\nchain,29.90\ntyre,45\n' },
    ]);
    expect(status).toBe(201);
    expect(body.files.map((f: { filename: string; status: string }) => [f.filename, f.status])).toEqual([
      ['bicycle-maintenance.md', 'indexed'],
      ['warranty.pdf', 'indexed'],
      ['prices.csv', 'indexed'],
    ]);
    const [md, pdfDoc] = body.files.map((f: { document: { id: string } }) => f.document);
    expect(md).toMatchObject({
      title: 'Bicycle Maintenance for Everyday Riders',
      media_type: 'text/markdown',
      size_bytes: Buffer.byteLength(corpus('bicycle-maintenance.md')),
      status: 'indexed',
    });
    expect(md.chunk_count).toBeGreaterThan(5);
    expect(pdfDoc).toMatchObject({ media_type: 'application/pdf', size_bytes: pdf.byteLength });

    const list = await fetch(`${t.url}/v1/documents`).then(readJson);
    expect(list.data.map((d: { id: string }) => d.id)).toEqual(expect.arrayContaining([md.id, pdfDoc.id]));
    expect(await fetch(`${t.url}/v1/documents/${md.id}`).then(readJson)).toEqual(md);

    const before = await documentCounts(t);
    expect((await fetch(`${t.url}/v1/documents/${md.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${t.url}/v1/documents/${md.id}`)).status).toBe(404);
    const after = await documentCounts(t);
    expect(after).toEqual({
      documents: (before?.documents ?? 0) - 1,
      chunks: (before?.chunks ?? 0) - md.chunk_count,
    });
    const [orphans] = await t.db.query<{ n: number }>(
      'select count(*)::int as n from chunks where document_id = $1',
      [md.id],
    );
    expect(orphans?.n).toBe(0);
  });

  it('does not index the same content twice', async () => {
    const content = corpus('urban-beekeeping.txt');
    const first = await upload(t.url, [{ name: 'bees.txt', content }]);
    const before = await documentCounts(t);
    const second = await upload(t.url, [{ name: 'bees-copy.txt', content }]);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.files[0]).toMatchObject({
      status: 'duplicate',
      document: { id: first.body.files[0].document.id },
    });
    expect(await documentCounts(t)).toEqual(before);
  });

  it.each([
    ['an unsupported type', [{ name: 'photo.png', content: 'png' }], 415, 'unsupported_file_type'],
    [
      'a file over MAX_UPLOAD_BYTES',
      [{ name: 'big.txt', content: 'x'.repeat(200_001) }],
      413,
      'file_too_large',
    ],
    ['an empty file', [{ name: 'empty.txt', content: '' }], 422, 'empty_file'],
    ['an unreadable file', [{ name: 'bad.json', content: '{"a":' }], 422, 'unreadable_file'],
    ['a PDF without text', [{ name: 'scan.pdf', content: makeImageOnlyPdf() }], 422, 'no_extractable_text'],
  ])('rejects %s with %i problem+json and stores nothing', async (_name, files, status, code) => {
    const before = await documentCounts(t);
    const result = await upload(t.url, files);
    expect(result.status).toBe(status);
    expect(result.contentType).toMatch(/^application\/problem\+json/);
    expect(result.body).toMatchObject({
      status,
      code,
      detail: expect.stringContaining(files[0]?.name ?? ''),
    });
    expect(await documentCounts(t)).toEqual(before);
  });

  it('reports each file of a mixed upload, indexing the good ones only', async () => {
    const before = await documentCounts(t);
    const result = await upload(t.url, [
      { name: 'ok.md', content: '# Fine\n\nA perfectly good document about gardening.' },
      { name: 'empty.txt', content: '' },
      { name: 'virus.exe', content: 'MZ' },
    ]);
    expect(result.status).toBe(207);
    expect(
      result.body.files.map((f: { status: string; problem?: { code: string } }) => [
        f.status,
        f.problem?.code,
      ]),
    ).toEqual([
      ['indexed', undefined],
      ['rejected', 'empty_file'],
      ['rejected', 'unsupported_file_type'],
    ]);
    expect((await documentCounts(t))?.documents).toBe((before?.documents ?? 0) + 1);
  });

  it('answers 415 to a body that is not multipart and 400 to an upload without files', async () => {
    const json = await fetch(`${t.url}/v1/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"file": "x"}',
    });
    expect(json.status).toBe(415);
    const empty = new FormData();
    empty.append('note', 'no file here');
    const none = await fetch(`${t.url}/v1/documents`, { method: 'POST', body: empty });
    expect(none.status).toBe(400);
    expect(await readJson(none)).toMatchObject({ code: 'no_files' });
  });

  it('POST /v1/search ranks chunks, and can be limited to some documents', async () => {
    const { body } = await upload(t.url, [
      { name: 'espresso-machine-manual.md', content: corpus('espresso-machine-manual.md') },
      { name: 'employee-travel-policy.md', content: corpus('employee-travel-policy.md') },
    ]);
    const [espresso, travel] = body.files.map((f: { document: { id: string } }) => f.document.id);
    const search = (b: object) =>
      fetch(`${t.url}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(b),
      }).then(readJson);
    const found = await search({ query: 'What does error E3 on the display mean?', top_k: 3 });
    expect(found.mode).toBe('lexical');
    expect(found.results).toHaveLength(3);
    expect(found.results[0]).toMatchObject({
      n: 1,
      document_id: espresso,
      title: expect.stringContaining('Espresso'),
    });
    expect(found.results[0].text).toMatch(/E3/);
    const scores = found.results.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const limited = await search({ query: 'error E3 display', top_k: 3, document_ids: [travel] });
    expect(limited.results.every((r: { document_id: string }) => r.document_id === travel)).toBe(true);
    const missing = await fetch(`${t.url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'x', document_ids: ['doc_missing'] }),
    });
    expect(missing.status).toBe(404);
  });
});
