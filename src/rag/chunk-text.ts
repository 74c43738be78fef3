import { splitSentences } from './sentences.js';

/** A piece of a document small enough to retrieve and cite. */
export interface Chunk {
  seq: number;
  /** The heading path the chunk sits under ("Installation › Wiring"), or null. */
  heading: string | null;
  text: string;
  /** The PDF page it comes from (1-based); a chunk never spans two pages. */
  page?: number;
}

export interface ChunkOptions {
  /** Aim for chunks of about this many characters. @default 900 */
  targetChars: number;
  /** Repeat about this much of the end of a chunk at the start of the next one in the same section. @default 150 */
  overlapChars: number;
  /** Treat `#` lines as headings. */
  markdown: boolean;
}

const DEFAULTS: ChunkOptions = { targetChars: 900, overlapChars: 150, markdown: false };

/**
 * Splits text into overlapping chunks that respect structure: a chunk never spans two sections, breaks
 * between paragraphs where it can and between sentences where it must, and cuts inside a sentence only
 * when one sentence alone is longer than the target.
 */
export function chunkText(text: string, options: Partial<ChunkOptions> = {}): Chunk[] {
  const o = { ...DEFAULTS, ...options };
  const chunks: Chunk[] = [];
  for (const section of sections(text, o.markdown)) {
    const units = section.paragraphs.flatMap((p) =>
      p.length <= o.targetChars ? [p] : sentencePieces(p, o.targetChars),
    );
    // Pack whole units up to the target (a question never ends a chunk: it goes with its answer)…
    const packed: string[] = [];
    let current: string[] = [];
    let length = 0;
    for (const unit of units) {
      if (current.length > 0 && length + unit.length + 2 > o.targetChars) {
        const last = current.at(-1) ?? '';
        const carried = current.length > 1 && isQuestion(last) ? [last] : [];
        packed.push(current.slice(0, current.length - carried.length).join('\n\n'));
        current = carried;
        length = carried.reduce((n, u) => n + u.length + 2, 0);
      }
      current.push(unit);
      length += unit.length + 2;
    }
    if (current.length > 0) packed.push(current.join('\n\n'));
    // …then open each later chunk of the section with the last sentences of the one before.
    packed.forEach((body, i) => {
      const tail = i > 0 ? overlapTail(packed[i - 1] ?? '', o.overlapChars) : '';
      chunks.push({ seq: chunks.length, heading: section.heading, text: tail ? `${tail}\n\n${body}` : body });
    });
  }
  return chunks;
}

/** A paragraph that asks: an FAQ's "Q:", or one that ends with a question mark. */
function isQuestion(paragraph: string): boolean {
  return /^Q:\s/.test(paragraph) || /[?？]\s*$/.test(paragraph);
}

interface Section {
  heading: string | null;
  paragraphs: string[];
}

function sections(text: string, markdown: boolean): Section[] {
  const out: Section[] = [];
  const path: string[] = [];
  let current: Section = { heading: null, paragraphs: [] };
  for (const raw of text.split(/\n\s*\n/)) {
    const block = raw.trim();
    if (!block) continue;
    const heading = markdown ? /^(#{1,6})\s+(.+)$/.exec(block.split('\n')[0] ?? '') : null;
    if (heading?.[1] && heading[2]) {
      if (current.paragraphs.length > 0) out.push(current);
      path.length = heading[1].length - 1;
      path[heading[1].length - 1] = heading[2].trim();
      current = { heading: path.filter(Boolean).join(' › '), paragraphs: [] };
      const rest = block.split('\n').slice(1).join('\n').trim();
      if (rest) current.paragraphs.push(rest);
      continue;
    }
    current.paragraphs.push(block.replace(/[ \t]*\n[ \t]*/g, (m) => (m.includes('\n') ? '\n' : m)));
  }
  if (current.paragraphs.length > 0) out.push(current);
  return out;
}

/** Sentences of a long paragraph, packed up to the target; a sentence longer than it is cut at words. */
function sentencePieces(paragraph: string, target: number): string[] {
  const sentences = splitSentences(paragraph);
  const pieces: string[] = [];
  let current = '';
  for (const sentence of sentences.flatMap((s) => (s.length > target ? wordPieces(s, target) : [s]))) {
    if (current && current.length + sentence.length + 1 > target) {
      pieces.push(current);
      current = '';
    }
    current = current ? `${current} ${sentence}` : sentence;
  }
  if (current) pieces.push(current);
  return pieces;
}

function wordPieces(sentence: string, target: number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const word of sentence.split(/\s+/)) {
    if (current && current.length + word.length + 1 > target) {
      pieces.push(current);
      current = '';
    }
    current = current ? `${current} ${word}` : word;
  }
  if (current) pieces.push(current);
  return pieces;
}

/** The last whole sentences of a chunk that fit in `max` characters (none if the last one alone is longer). */
function overlapTail(text: string, max: number): string {
  if (max <= 0) return '';
  const sentences = splitSentences(text);
  let tail = '';
  for (let i = sentences.length - 1; i >= 0; i--) {
    const next = tail ? `${sentences[i]} ${tail}` : (sentences[i] ?? '');
    if (next.length > max) break;
    tail = next;
  }
  return tail === text.trim() ? '' : tail;
}
