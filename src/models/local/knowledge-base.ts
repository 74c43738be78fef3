import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A passage of the shipped documentation: one section (or part of a long one). */
export interface Passage {
  id: string;
  /** File the passage comes from, relative to the knowledge folder. */
  source: string;
  /** "Document title › Section". */
  title: string;
  text: string;
}

/** `knowledge/` at the package root: the same path from `src/models/local` and `dist/models/local`. */
export const KNOWLEDGE_DIR = fileURLToPath(new URL('../../../knowledge/', import.meta.url));

const MAX_PASSAGE_CHARS = 900;

/** Reads every Markdown file of `dir` into passages. */
export function loadKnowledgeBase(dir = KNOWLEDGE_DIR): Passage[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort();
  return files.flatMap((file) => splitMarkdown(file, readFileSync(join(dir, file), 'utf8')));
}

/** Splits at headings, then packs paragraphs into passages of at most ~900 characters. */
export function splitMarkdown(source: string, markdown: string): Passage[] {
  const passages: Passage[] = [];
  let docTitle = source.replace(/\.md$/, '');
  let section = '';
  let paragraphs: string[] = [];
  const flush = () => {
    const title = section && section !== docTitle ? `${docTitle} › ${section}` : docTitle;
    let current = '';
    for (const p of paragraphs) {
      if (current && current.length + p.length > MAX_PASSAGE_CHARS) {
        passages.push({ id: `${source}#${passages.length + 1}`, source, title, text: current });
        current = '';
      }
      current = current ? `${current}\n\n${p}` : p;
    }
    if (current) passages.push({ id: `${source}#${passages.length + 1}`, source, title, text: current });
    paragraphs = [];
  };
  for (const block of markdown.split(/\n\s*\n/)) {
    const heading = /^(#{1,4})\s+(.+)$/m.exec(block.trim());
    if (heading && block.trim().startsWith('#')) {
      flush();
      const [, hashes, text] = heading;
      if (hashes === '#' && text) docTitle = text.trim();
      section = text?.trim() ?? '';
      const rest = block.trim().split('\n').slice(1).join('\n').trim();
      if (rest) paragraphs.push(rest);
      continue;
    }
    if (block.trim()) paragraphs.push(block.trim());
  }
  flush();
  return passages;
}
