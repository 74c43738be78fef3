/**
 * Minimal PDF 1.4 writer for tests: no library, just enough of the format for a text extractor to read back.
 *
 * Every object is written in order with its byte offset recorded, so the cross-reference table and `startxref`
 * are exact. The file body is built as a Latin-1 string (one char = one byte) and converted at the end.
 */

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const TOP_Y = 720;
const LINE_HEIGHT = 16;

/** Escapes a line for a PDF literal string: `\`, `(` and `)` get a backslash; other non-printables become octal. */
function escapePdfString(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === '(' || ch === ')') {
      out += `\\${ch}`;
    } else if (code >= 0x20 && code <= 0x7e) {
      out += ch;
    } else if (code <= 0xff) {
      // WinAnsi/Latin-1 range: octal escape keeps the file body pure ASCII.
      out += `\\${code.toString(8).padStart(3, '0')}`;
    } else {
      // Outside what a standard Type1 font with a single-byte encoding can show.
      out += '?';
    }
  }
  return out;
}

function pageContent(lines: string[]): string {
  return lines
    .map((line, i) => `BT /F1 12 Tf 72 ${TOP_Y - i * LINE_HEIGHT} Td (${escapePdfString(line)}) Tj ET`)
    .join('\n');
}

/**
 * Serialises objects numbered 1..n (object 1 must be the catalog) with an exact xref table and trailer.
 * Each body is the text between `N 0 obj` and `endobj`.
 */
function writePdf(bodies: string[]): Uint8Array {
  // The second line is the customary binary comment (bytes > 127) so tools treat the file as binary.
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefOffset = out.length;
  // Each xref entry is exactly 20 bytes: 10-digit offset, space, 5-digit generation, space, type, two-byte EOL.
  out += `xref\n0 ${bodies.length + 1}\n`;
  out += '0000000000 65535 f \n';
  for (const offset of offsets) {
    out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  }
  out += `trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R >>\n`;
  out += `startxref\n${xrefOffset}\n%%EOF\n`;

  const bytes = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) bytes[i] = out.charCodeAt(i) & 0xff;
  return bytes;
}

function stream(content: string): string {
  // Content is ASCII, so its string length is its byte length.
  return `<< /Length ${content.length} >>\nstream\n${content}\nendstream`;
}

/**
 * Builds a PDF with one page per entry of `pages`; each string is one line of 12pt Helvetica text.
 *
 * Object layout: 1 catalog, 2 page tree, 3 font, then a (page, content stream) pair per page.
 */
export function makePdf(pages: string[][]): Uint8Array {
  if (pages.length === 0) throw new Error('makePdf needs at least one page');
  const pageObj = (i: number) => 4 + i * 2;
  const contentObj = (i: number) => 5 + i * 2;

  const bodies: string[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pages.map((_, i) => `${pageObj(i)} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
  ];
  pages.forEach((lines, i) => {
    bodies.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
        `/Resources << /Font << /F1 3 0 R >> >> /Contents ${contentObj(i)} 0 R >>`,
    );
    bodies.push(stream(pageContent(lines)));
  });
  return writePdf(bodies);
}

/** A valid one-page PDF whose only content is a filled blue rectangle: there is no text to extract. */
export function makeImageOnlyPdf(): Uint8Array {
  return writePdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] /Resources << >> /Contents 4 0 R >>`,
    stream('0 0 1 rg 72 72 200 100 re f'),
  ]);
}
