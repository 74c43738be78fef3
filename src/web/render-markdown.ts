import { type Block, type Inline, parseMarkdown } from './parse-markdown.js';

/** What a `[n]` citation does when clicked: show source n. */
export type OnCite = (n: number) => void;

/**
 * Markdown → DOM nodes. Every piece of text goes in through `textContent` / text nodes and every element
 * is created by name here: there is no path from the model's text to `innerHTML`.
 */
export function renderMarkdown(source: string, onCite: OnCite): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const block of parseMarkdown(source)) fragment.append(renderBlock(block, onCite));
  return fragment;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, children: (Node | string)[] = []) {
  const node = document.createElement(tag);
  node.append(...children);
  return node;
}

function renderBlock(block: Block, onCite: OnCite): Node {
  switch (block.t) {
    case 'p':
      return el('p', renderInlines(block.c, onCite));
    case 'h': {
      // Answers sit under the page's own headings: # becomes h3.
      const level = Math.min(6, block.level + 2) as 3 | 4 | 5 | 6;
      return el(`h${level}`, renderInlines(block.c, onCite));
    }
    case 'code': {
      const code = el('code', [block.v]);
      if (block.lang) code.dataset.lang = block.lang;
      return el('pre', [code]);
    }
    case 'quote':
      return el(
        'blockquote',
        block.c.map((b) => renderBlock(b, onCite)),
      );
    case 'list': {
      const list = el(
        block.ordered ? 'ol' : 'ul',
        block.items.map((item) => el('li', renderInlines(item, onCite))),
      );
      if (block.ordered && block.start !== 1) list.setAttribute('start', String(block.start));
      return list;
    }
    case 'table': {
      const head = el('thead', [
        el(
          'tr',
          block.head.map((cell) => el('th', renderInlines(cell, onCite))),
        ),
      ]);
      const body = el(
        'tbody',
        block.rows.map((row) =>
          el(
            'tr',
            row.map((cell) => el('td', renderInlines(cell, onCite))),
          ),
        ),
      );
      return el('div', [el('table', [head, body])]);
    }
    case 'hr':
      return el('hr');
  }
}

function renderInlines(nodes: Inline[], onCite: OnCite): Node[] {
  return nodes.map((node) => renderInline(node, onCite));
}

function renderInline(node: Inline, onCite: OnCite): Node {
  switch (node.t) {
    case 'text':
      return document.createTextNode(node.v);
    case 'code':
      return el('code', [node.v]);
    case 'strong':
      return el('strong', renderInlines(node.c, onCite));
    case 'em':
      return el('em', renderInlines(node.c, onCite));
    case 'link': {
      const a = el('a', renderInlines(node.c, onCite));
      a.href = node.href;
      a.target = '_blank';
      a.rel = 'noopener noreferrer nofollow';
      return a;
    }
    case 'cite': {
      const button = el('button', [`[${node.n}]`]);
      button.type = 'button';
      button.className = 'cite';
      button.setAttribute('aria-label', `Source ${node.n}`);
      button.addEventListener('click', () => onCite(node.n));
      return button;
    }
    case 'br':
      return el('br');
  }
}
