/**
 * A small Markdown parser for model answers, to a tree the renderer turns into DOM nodes with
 * `textContent` only: nothing in the text is ever parsed as HTML, so model output cannot inject markup or
 * script. It is forgiving by design: an answer is parsed again after every token, half-written syntax
 * (an unclosed `**`, a fence still open) reads as text or as an open block until it is finished.
 */
export type Inline =
  | { t: 'text'; v: string }
  | { t: 'code'; v: string }
  | { t: 'strong'; c: Inline[] }
  | { t: 'em'; c: Inline[] }
  | { t: 'link'; href: string; c: Inline[] }
  | { t: 'cite'; n: number }
  | { t: 'br' };

export type Block =
  | { t: 'p'; c: Inline[] }
  | { t: 'h'; level: number; c: Inline[] }
  | { t: 'code'; lang: string; v: string }
  | { t: 'quote'; c: Block[] }
  | { t: 'list'; ordered: boolean; start: number; items: Inline[][] }
  | { t: 'table'; head: Inline[][]; rows: Inline[][][] }
  | { t: 'hr' };

/** Only these link targets become links; `javascript:`, `data:` and the rest stay text. */
export function safeHref(url: string): string | null {
  const trimmed = url.trim();
  if (/^(https?:|mailto:)/i.test(trimmed)) return trimmed;
  if (/^\/(?!\/)/.test(trimmed)) return trimmed;
  return null;
}

const FENCE = /^\s{0,3}(```|~~~)\s*([\w+-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const HR = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const ORDERED = /^\s*(\d{1,9})[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (!line.trim()) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] as string).trim().startsWith(fence[1] as string))
        body.push(lines[i++] as string);
      i++;
      blocks.push({ t: 'code', lang: fence[2] ?? '', v: body.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ t: 'h', level: (heading[1] as string).length, c: parseInline(heading[2] ?? '') });
      i++;
      continue;
    }
    if (HR.test(line)) {
      blocks.push({ t: 'hr' });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i] as string))
        body.push(QUOTE.exec(lines[i++] as string)?.[1] ?? '');
      blocks.push({ t: 'quote', c: parseMarkdown(body.join('\n')) });
      continue;
    }
    const bullet = BULLET.exec(line);
    const ordered = ORDERED.exec(line);
    if (bullet || ordered) {
      const pattern = bullet ? BULLET : ORDERED;
      const items: Inline[][] = [];
      while (i < lines.length && pattern.test(lines[i] as string)) {
        const match = pattern.exec(lines[i++] as string);
        items.push(parseInline((bullet ? match?.[1] : match?.[2]) ?? ''));
      }
      blocks.push({ t: 'list', ordered: !bullet, start: ordered ? Number(ordered[1]) : 1, items });
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1] as string)) {
      const head = splitRow(line).map(parseInline);
      i += 2;
      const rows: Inline[][][] = [];
      while (i < lines.length && (lines[i] as string).includes('|') && (lines[i] as string).trim())
        rows.push(splitRow(lines[i++] as string).map(parseInline));
      blocks.push({ t: 'table', head, rows });
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && (lines[i] as string).trim() && !startsBlock(lines, i))
      paragraph.push(lines[i++] as string);
    if (paragraph.length === 0) paragraph.push(lines[i++] as string);
    const c: Inline[] = [];
    paragraph.forEach((text, n) => {
      if (n > 0) c.push({ t: 'br' });
      c.push(...parseInline(text.trim()));
    });
    blocks.push({ t: 'p', c });
  }
  return blocks;
}

function startsBlock(lines: string[], i: number): boolean {
  const line = lines[i] as string;
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    HR.test(line) ||
    QUOTE.test(line) ||
    BULLET.test(line) ||
    ORDERED.test(line) ||
    (line.includes('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1] as string))
  );
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

// The earliest of: `code`, **strong**/__strong__, *em*/_em_, [text](url), [n].
const INLINE =
  /`([^`\n]+)`|\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__|\*(?=[^\s*])([^*\n]*?[^\s*])\*|\b_(?=\S)([^_\n]*?\S)_\b|\[([^\]\n]+)\]\(([^)\s]+)\)|\[(\d{1,3})\]/;

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let rest = text;
  while (rest) {
    const match = INLINE.exec(rest);
    if (!match) {
      out.push({ t: 'text', v: rest });
      break;
    }
    if (match.index > 0) out.push({ t: 'text', v: rest.slice(0, match.index) });
    const [whole, code, strong1, strong2, em1, em2, label, url, cite] = match;
    if (code !== undefined) out.push({ t: 'code', v: code });
    else if (strong1 !== undefined || strong2 !== undefined)
      out.push({ t: 'strong', c: parseInline(strong1 ?? strong2 ?? '') });
    else if (em1 !== undefined || em2 !== undefined) out.push({ t: 'em', c: parseInline(em1 ?? em2 ?? '') });
    else if (label !== undefined && url !== undefined) {
      const href = safeHref(url);
      if (href) out.push({ t: 'link', href, c: parseInline(label) });
      else out.push({ t: 'text', v: whole });
    } else if (cite !== undefined) out.push({ t: 'cite', n: Number(cite) });
    rest = rest.slice(match.index + whole.length);
  }
  return mergeText(out);
}

function mergeText(nodes: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const node of nodes) {
    const last = out.at(-1);
    if (node.t === 'text' && last?.t === 'text') last.v += node.v;
    else out.push(node);
  }
  return out;
}
