import { describe, expect, it } from 'vitest';
import { makeImageOnlyPdf, makePdf } from '../../test/helpers/make-pdf.js';
import { ExtractionError, extractText, fileTypeOf } from './extract-text.js';

const bytes = (s: string) => new TextEncoder().encode(s);

async function rejection(filename: string, content: Uint8Array): Promise<ExtractionError> {
  const error = await extractText(filename, content).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ExtractionError))
    throw new Error(`expected an ExtractionError, got ${String(error)}`);
  return error;
}

describe('extractText', () => {
  it('reads plain text, titled by a short first line', async () => {
    expect(await extractText('notes.txt', bytes('Garden Notes\n\nWater the tomatoes.\r\nDaily.'))).toEqual({
      title: 'Garden Notes',
      text: 'Garden Notes\n\nWater the tomatoes.\nDaily.',
      markdown: false,
    });
  });

  it('reads Markdown, titled by its first heading', async () => {
    const result = await extractText('guide.md', bytes('# Espresso Guide\n\n## Grind\n\nFine.'));
    expect(result).toMatchObject({ title: 'Espresso Guide', markdown: true });
  });

  it('turns HTML into text with a real converter: no tags, scripts or link targets', async () => {
    const html =
      '<html><head><title>Policy</title><script>alert(1)</script></head><body><h1>Travel</h1>' +
      '<p>Book <a href="https://x.test">economy</a> &amp; save.</p><ul><li>One</li><li>Two</li></ul></body></html>';
    const result = await extractText('policy.html', bytes(html));
    expect(result.title).toBe('Policy');
    expect(result.text).toContain('Travel');
    expect(result.text).toContain('Book economy & save.');
    expect(result.text).toMatch(/\* One\n \* Two|One[\s\S]*Two/);
    expect(result.text).not.toMatch(/<|alert|x\.test/);
  });

  it('reads the text of every page of a PDF', async () => {
    const pdf = makePdf([['Solar panels face south.', 'Angle: 30 degrees.'], ['Page two (inverters).']]);
    const result = await extractText('solar.pdf', pdf);
    expect(result.text).toMatch(
      /Solar panels face south\.[\s\S]*Angle: 30 degrees\.[\s\S]*Page two \(inverters\)\./,
    );
    expect(result.title).toBe('solar');
  });

  it('flattens JSON to path: value lines and CSV to one line per row', async () => {
    const json = await extractText(
      'c.json',
      bytes('{"name":"Ada","langs":["en","fr"],"address":{"city":"Paris"}}'),
    );
    expect(json.text).toBe('name: Ada\nlangs[0]: en\nlangs[1]: fr\naddress.city: Paris');
    const csv = await extractText('t.csv', bytes('city,temp\nOslo,4\n"Rome, IT",18\n'));
    expect(csv.text).toBe('city: Oslo; temp: 4\n\ncity: Rome, IT; temp: 18');
  });

  it.each([
    ['empty.txt', bytes(''), 422, 'empty_file'],
    ['blank.md', bytes('  \n\n  '), 422, 'empty_file'],
    ['binary.txt', new Uint8Array([0x48, 0x00, 0x49]), 422, 'unreadable_file'],
    ['latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9]), 422, 'unreadable_file'],
    ['broken.json', bytes('{"a": '), 422, 'unreadable_file'],
    ['fake.pdf', bytes('not a pdf at all'), 422, 'unreadable_file'],
    ['scan.pdf', makeImageOnlyPdf(), 422, 'no_extractable_text'],
    ['photo.png', bytes('png'), 415, 'unsupported_file_type'],
    ['noextension', bytes('text'), 415, 'unsupported_file_type'],
  ])('rejects %s with %i %s', async (name, content, status, code) => {
    expect(await rejection(name, content)).toMatchObject({ status, code });
  });

  it('decides the type by extension, case-insensitively', () => {
    expect(fileTypeOf('REPORT.PDF')).toBe('pdf');
    expect(fileTypeOf('a.b.markdown')).toBe('markdown');
  });
});
