import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown, safeHref } from './parse-markdown.js';

describe('parseMarkdown', () => {
  it('makes no image of a Markdown image or an <img>: the page never fetches a remote image by itself', () => {
    const blocks = parseMarkdown(
      'See ![pixel](https://evil.example/p.png?leak=1) and <img src="https://evil.example/q.png">',
    );
    // At most a link the reader may choose to open; the tag stays text.
    expect(blocks).toEqual([
      {
        t: 'p',
        c: [
          { t: 'text', v: 'See !' },
          { t: 'link', href: 'https://evil.example/p.png?leak=1', c: [{ t: 'text', v: 'pixel' }] },
          { t: 'text', v: ' and <img src="https://evil.example/q.png">' },
        ],
      },
    ]);
  });

  it('parses the blocks a model writes', () => {
    const source = [
      '# Title',
      '',
      'First line',
      'second line',
      '',
      '- one',
      '- **two**',
      '',
      '3. three',
      '4. four',
      '',
      '> quoted',
      '',
      '```ts',
      'const x = "<b>";',
      '```',
      '',
      '| a | b |',
      '|---|---|',
      '| 1 | 2 |',
      '',
      '---',
    ].join('\n');
    expect(parseMarkdown(source)).toEqual([
      { t: 'h', level: 1, c: [{ t: 'text', v: 'Title' }] },
      { t: 'p', c: [{ t: 'text', v: 'First line' }, { t: 'br' }, { t: 'text', v: 'second line' }] },
      {
        t: 'list',
        ordered: false,
        start: 1,
        items: [[{ t: 'text', v: 'one' }], [{ t: 'strong', c: [{ t: 'text', v: 'two' }] }]],
      },
      {
        t: 'list',
        ordered: true,
        start: 3,
        items: [[{ t: 'text', v: 'three' }], [{ t: 'text', v: 'four' }]],
      },
      { t: 'quote', c: [{ t: 'p', c: [{ t: 'text', v: 'quoted' }] }] },
      { t: 'code', lang: 'ts', v: 'const x = "<b>";' },
      {
        t: 'table',
        head: [[{ t: 'text', v: 'a' }], [{ t: 'text', v: 'b' }]],
        rows: [[[{ t: 'text', v: '1' }], [{ t: 'text', v: '2' }]]],
      },
      { t: 'hr' },
    ]);
  });

  it('treats a fence still open (mid-stream) as code up to the end', () => {
    expect(parseMarkdown('Intro\n```\nline 1\nline')).toEqual([
      { t: 'p', c: [{ t: 'text', v: 'Intro' }] },
      { t: 'code', lang: '', v: 'line 1\nline' },
    ]);
  });

  it('keeps HTML as text: there is no HTML node type at all', () => {
    const blocks = parseMarkdown('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>');
    expect(blocks).toEqual([
      { t: 'p', c: [{ t: 'text', v: '<script>alert(1)</script>' }] },
      { t: 'p', c: [{ t: 'text', v: '<img src=x onerror=alert(1)>' }] },
    ]);
  });
});

describe('parseInline', () => {
  it('parses code, emphasis, links and citations', () => {
    expect(parseInline('Use `npm` and *care*, see [docs](https://x.dev/a) [2].')).toEqual([
      { t: 'text', v: 'Use ' },
      { t: 'code', v: 'npm' },
      { t: 'text', v: ' and ' },
      { t: 'em', c: [{ t: 'text', v: 'care' }] },
      { t: 'text', v: ', see ' },
      { t: 'link', href: 'https://x.dev/a', c: [{ t: 'text', v: 'docs' }] },
      { t: 'text', v: ' ' },
      { t: 'cite', n: 2 },
      { t: 'text', v: '.' },
    ]);
  });

  it('leaves half-written emphasis as text', () => {
    expect(parseInline('a **bold start')).toEqual([{ t: 'text', v: 'a **bold start' }]);
  });

  it('makes links only to http(s), mailto and same-site paths', () => {
    for (const url of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,<b>',
      'vbscript:x',
      '//evil.example',
    ])
      expect(parseInline(`[x](${url})`)).toEqual([{ t: 'text', v: `[x](${url})` }]);
    expect(safeHref('https://a.b')).toBe('https://a.b');
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
    expect(safeHref('/docs')).toBe('/docs');
  });
});
