import { parse as parseCsv } from 'csv-parse/sync';
import { convert as htmlToText } from 'html-to-text';
import { extractText as extractPdfText, getDocumentProxy } from 'unpdf';

/** The file types StreamForge reads, by extension. */
export const FILE_TYPES = {
  txt: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  pdf: 'application/pdf',
  json: 'application/json',
  csv: 'text/csv',
} as const;
export type FileExtension = keyof typeof FILE_TYPES;

/** A file that cannot be indexed, with the status and code the client gets. */
export class ExtractionError extends Error {
  constructor(
    readonly status: 400 | 415 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The type of an upload, from its extension (the client's content type is not trusted to decide). */
export function fileTypeOf(filename: string): FileExtension {
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  if (ext in FILE_TYPES && filename.includes('.')) return ext as FileExtension;
  throw new ExtractionError(
    415,
    'unsupported_file_type',
    `"${filename}" is not a supported type. Upload .txt, .md, .html, .pdf, .json or .csv files.`,
  );
}

export interface Extracted {
  title: string;
  text: string;
  /** True when `#` headings are meaningful for chunking. */
  markdown: boolean;
  /** A PDF's text page by page (`text` is them joined), so each chunk can say which page it is on. */
  pages?: string[];
}

/** The text of a file. Throws ExtractionError (422) for an empty, unreadable or textless file. */
export async function extractText(filename: string, bytes: Uint8Array): Promise<Extracted> {
  const type = fileTypeOf(filename);
  if (bytes.byteLength === 0) throw new ExtractionError(422, 'empty_file', `"${filename}" is empty.`);
  const fallbackTitle = filename.replace(/\.[^.]+$/, '').replace(/[-_]+/g, ' ');
  let result: Extracted;
  switch (type) {
    case 'pdf': {
      const pages = await pdfPages(filename, bytes);
      result = { title: fallbackTitle, text: pages.join('\n\n'), markdown: false, pages };
      break;
    }
    case 'html':
    case 'htm': {
      const html = utf8(filename, bytes);
      const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.trim();
      const text = htmlToText(html, {
        wordwrap: false,
        selectors: [
          { selector: 'a', options: { ignoreHref: true } },
          { selector: 'img', format: 'skip' },
          { selector: 'h1', options: { uppercase: false } },
          { selector: 'h2', options: { uppercase: false } },
          { selector: 'h3', options: { uppercase: false } },
          { selector: 'table', format: 'dataTable' },
        ],
      });
      result = { title: title || fallbackTitle, text, markdown: false };
      break;
    }
    case 'json':
      result = { title: fallbackTitle, text: jsonText(filename, utf8(filename, bytes)), markdown: false };
      break;
    case 'csv':
      result = { title: fallbackTitle, text: csvText(filename, utf8(filename, bytes)), markdown: false };
      break;
    case 'md':
    case 'markdown': {
      const text = utf8(filename, bytes);
      const heading = /^#\s+(.+)$/m.exec(text)?.[1]?.trim();
      result = { title: heading || fallbackTitle, text, markdown: true };
      break;
    }
    default: {
      const text = utf8(filename, bytes);
      // A plain-text file that opens with a short line on its own has a title.
      const first = /^\s*([^\n]{3,100})\n\s*\n/.exec(text)?.[1]?.trim();
      result = { title: first && !/[.!?:;,]$/.test(first) ? first : fallbackTitle, text, markdown: false };
    }
  }
  // PostgreSQL text cannot hold U+0000. A PDF's text layer may carry it as an artefact of its fonts (dropped);
  // in a text format it is what the author wrote (a JSON "\u0000", an HTML "&#0;"): refused, as in a request.
  if (type === 'pdf') {
    result.text = result.text.replaceAll('\u0000', '');
    result.pages = result.pages?.map((page) => page.replaceAll('\u0000', ''));
  } else if (result.text.includes('\u0000') || result.title.includes('\u0000'))
    throw new ExtractionError(
      400,
      'invalid_request',
      `"${filename}" holds the NUL character (U+0000), which cannot be stored.`,
    );
  result.text = result.text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .trim();
  if (!result.text) {
    throw type === 'pdf'
      ? new ExtractionError(
          422,
          'no_extractable_text',
          `"${filename}" has no extractable text (a scanned PDF?).`,
        )
      : new ExtractionError(422, 'empty_file', `"${filename}" has no text.`);
  }
  return result;
}

function utf8(filename: string, bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ExtractionError(422, 'unreadable_file', `"${filename}" is not UTF-8 text.`);
  }
  if (text.includes('\u0000'))
    throw new ExtractionError(422, 'unreadable_file', `"${filename}" is binary, not text.`);
  return text.replace(/^\uFEFF/, '');
}

async function pdfPages(filename: string, bytes: Uint8Array): Promise<string[]> {
  try {
    // A plain view, no copy: pdf.js refuses Buffers, and may take over (detach) the bytes, which the caller
    // no longer needs.
    const pdf = await getDocumentProxy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const { text } = await extractPdfText(pdf, { mergePages: false });
    return text.map((page) => page.trim());
  } catch {
    throw new ExtractionError(422, 'unreadable_file', `"${filename}" is not a readable PDF.`);
  }
}

function jsonText(filename: string, source: string): string {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    throw new ExtractionError(422, 'unreadable_file', `"${filename}" is not valid JSON.`);
  }
  const lines: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    } else if (v !== null && v !== '') lines.push(path ? `${path}: ${String(v)}` : String(v));
  };
  walk(value, '');
  return lines.join('\n');
}

function csvText(filename: string, source: string): string {
  let records: Record<string, string>[];
  try {
    records = parseCsv(source, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    });
  } catch {
    throw new ExtractionError(422, 'unreadable_file', `"${filename}" is not valid CSV.`);
  }
  // One paragraph per row, so each row stays whole within a chunk.
  return records
    .map((row) =>
      Object.entries(row)
        .filter(([, v]) => v !== '' && v !== undefined)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; '),
    )
    .filter(Boolean)
    .join('\n\n');
}
