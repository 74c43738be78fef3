import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationDetail } from '../../src/client/index.js';
import { buildWebPage, launchChromium, newContext } from './chromium.js';
import { makePdf } from '../helpers/make-pdf.js';
import { ScriptedModel } from '../helpers/scripted-model.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { upload } from '../helpers/upload.js';

const SCREENSHOTS = 'test-results/screenshots';

/** A model that streams three deltas, waits for `release()`, then streams the rest. */
function gatedModel() {
  let release: () => void = () => {};
  const model = new ScriptedModel({
    deltas: ['Half', ' of', ' it', ' and', ' the', ' rest'],
    pauseAfter: 3,
    resumeWhen: new Promise<void>((resolve) => (release = resolve)),
  });
  return { model, release: () => release() };
}

const INJECTION = [
  'Look: <img src=x onerror="window.pwned=1">',
  ' <script>window.pwned=2</script>',
  ' [click me](javascript:window.pwned=3)',
  ' <a href="javascript:window.pwned=4">raw link</a>',
  ' and **bold** text.',
];

describe('the web chat page at /ui, in headless Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const overTime = gatedModel();
  const reload = gatedModel();

  beforeAll(async () => {
    buildWebPage();
    await mkdir(SCREENSHOTS, { recursive: true });
    t = await startTestServer({
      // Slow enough that a table visibly fills and tokens arrive in many frames.
      env: { COMPONENT_ROW_DELAY_MS: '40', LOCAL_TOKEN_DELAY_MS: '2', MAX_MESSAGE_CHARS: '200' },
      configureModels: (m) =>
        m
          .register('test:over-time', overTime.model)
          .register('test:reload', reload.model)
          .register('test:hang', new ScriptedModel({ deltas: ['Never', ' ends'], hangAfter: 1 }))
          .register('test:inject', new ScriptedModel({ deltas: INJECTION }))
          .register('test:second', new ScriptedModel({ deltas: ['Another', ' answer.'] }))
          .register(
            'test:card',
            new ScriptedModel({
              deltas: ['Here is your order.'],
              toolCalls: [
                {
                  toolName: 'show_card',
                  input: {
                    title: 'Order 1042',
                    fields: [
                      { label: 'Status', value: 'Shipped' },
                      { label: 'Items', value: 3 },
                      { label: 'Total', value: '$129.50' },
                    ],
                  },
                },
              ],
              followUp: ['It ships', ' today.'],
            }),
          ),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    overTime.release();
    reload.release();
    await browser?.close();
    await t?.close();
  });

  async function openPage(viewport = { width: 1280, height: 860 }): Promise<Page> {
    const context = await newContext(browser, { viewport });
    page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    await page.goto(`${t.url}/ui`);
    await page.waitForFunction(() => document.querySelectorAll('#model-select option').length > 0);
    return page;
  }
  afterEach(async () => {
    await page?.context().close();
  });

  /** Sends with the keyboard: type, then Enter. */
  async function send(p: Page, text: string, model: string): Promise<void> {
    await p.selectOption('#model-select', model);
    await p.focus('#message-input');
    await p.keyboard.type(text);
    await p.keyboard.press('Enter');
  }
  const lastAnswer = (p: Page) => p.locator('article.message.assistant').last();

  /**
   * Starts recording how many elements match `selector` after every change to the messages (each new count
   * once); the returned function reads the counts seen so far.
   */
  async function countsOf(p: Page, selector: string): Promise<() => Promise<number[]>> {
    const key = `counts:${selector}`;
    await p.evaluate(
      ({ key, selector }) => {
        const seen: number[] = [];
        (window as unknown as Record<string, number[]>)[key] = seen;
        new MutationObserver(() => {
          const count = document.querySelectorAll(selector).length;
          if (count !== seen.at(-1)) seen.push(count);
        }).observe(document.getElementById('messages') as HTMLElement, { childList: true, subtree: true });
      },
      { key, selector },
    );
    return () => p.evaluate((key) => (window as unknown as Record<string, number[]>)[key] ?? [], key);
  }

  it('is linked from / for a browser', async () => {
    const home = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(await home.text()).toContain('href="/ui"');
    const json = (await (await fetch(t.url)).json()) as { ui: string };
    expect(json.ui).toBe('/ui');
  });

  it('streams tokens as they arrive, lists the conversation and reopens it from the list', async () => {
    const p = await openPage();
    await send(p, 'Tell me in parts', 'test:over-time');
    // The model is paused after three deltas: they are on the page while the answer is still going.
    await p.waitForFunction(() => {
      const answer = [...document.querySelectorAll('article.assistant')].at(-1);
      return answer?.querySelector('.markdown')?.textContent === 'Half of it';
    });
    expect(await lastAnswer(p).getAttribute('data-status')).toBe('streaming');
    expect(await p.isVisible('#stop-button')).toBe(true);
    expect(await p.inputValue('#message-input')).toBe('');
    overTime.release();
    await p.waitForSelector('article.assistant[data-status="done"]');
    expect(await lastAnswer(p).locator('.markdown').textContent()).toBe('Half of it and the rest');
    expect(await lastAnswer(p).locator('.meta').textContent()).toContain('test:over-time');
    expect(await p.isVisible('#send-button')).toBe(true);

    const id = /#\/c\/(.+)$/.exec(p.url())?.[1];
    expect(id).toBeTruthy();
    const entry = p.locator(`#conversation-list button[data-id="${id}"]`);
    await entry.waitFor();
    expect(await entry.getAttribute('aria-current')).toBe('page');

    await p.click('#new-chat');
    await p.waitForFunction(() => document.querySelectorAll('#messages article').length === 0);
    await entry.click();
    await p.waitForSelector('article.assistant[data-status="done"]');
    expect(await p.locator('article.user').allTextContents()).toEqual(['Tell me in parts']);
    expect(await lastAnswer(p).locator('.markdown').textContent()).toBe('Half of it and the rest');
  });

  it('fills a table row by row and shows sources with snippets for an uploaded document', async () => {
    const p = await openPage();
    await p.setInputFiles('#upload-input', {
      name: 'zorblatt.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from('# Zorblatt engine\n\nThe Zorblatt engine runs on cold fusion and purple tea.\n'),
    });
    await p.waitForFunction(
      () => document.querySelector('#upload-status')?.textContent === 'zorblatt.md: indexed',
    );
    expect(await p.getAttribute('#upload-progress', 'value')).toBe('100');
    await p.locator('#document-list li', { hasText: 'Zorblatt engine' }).waitFor();

    // Every row count the page shows, from the table's first row to its last.
    const rowCounts = await countsOf(p, 'article.assistant .component-table tbody tr');
    await send(p, 'top 10 products by price', 'local');
    await p.waitForSelector('article.assistant[data-status="done"] .component-table[data-status="complete"]');
    const counts = await rowCounts();
    expect(counts.at(-1)).toBe(10);
    expect(counts.filter((n) => n > 0 && n < 10).length).toBeGreaterThanOrEqual(3);

    // The rows on the page are the rows the server stored, in order.
    const id = /#\/c\/(.+)$/.exec(p.url())?.[1];
    const stored = (await (await fetch(`${t.url}/v1/conversations/${id}`)).json()) as ConversationDetail;
    const names = stored.messages.at(-1)?.components[0]?.rows.map((r) => r.name);
    const shown = await p
      .locator('.component-table tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.querySelectorAll('td')[1]?.textContent));
    expect(shown).toEqual(names);

    await send(p, 'What does the Zorblatt engine run on?', 'local');
    await p.waitForFunction(
      () => document.querySelectorAll('article.assistant[data-status="done"]').length === 2,
    );
    const sources = lastAnswer(p).locator('.sources li');
    expect(await sources.count()).toBeGreaterThan(0);
    expect(await sources.first().textContent()).toContain('Zorblatt engine');
    expect(await sources.first().locator('p').textContent()).toContain('purple tea');
    // A citation in the text moves the focus to its source.
    await lastAnswer(p).locator('button.cite').first().click();
    expect(await p.evaluate(() => document.activeElement?.closest('.sources') !== null)).toBe(true);
    await p.screenshot({ path: `${SCREENSHOTS}/desktop.png`, fullPage: true });

    // The document goes away from the list and from the server.
    await p.click('#document-list button[aria-label="Delete Zorblatt engine"]');
    await p.waitForFunction(() => document.querySelectorAll('#document-list li').length === 0);
    const left = (await (await fetch(`${t.url}/v1/documents`)).json()) as { data: unknown[] };
    expect(left.data).toEqual([]);
  });

  it('opens a source in its document at the cited passage, with its PDF page', async () => {
    const pdf = makePdf([
      ['Observatory handbook', 'The dome opens with the red lever by the door.'],
      ['Cooling', 'Let the mirror cool for forty minutes before observing.'],
    ]);
    const { body } = await upload(t.url, [
      { name: 'observatory.pdf', content: pdf, type: 'application/pdf' },
    ]);
    const documentId = body.files[0].document.id as string;
    try {
      const p = await openPage();
      await send(p, 'How long should the mirror cool before observing?', 'local');
      await p.waitForSelector('article.assistant[data-status="done"] .sources li');
      const source = lastAnswer(p).locator('.sources li').first();
      expect(await source.locator('strong').textContent()).toMatch(/· page 2$/);
      await source.locator('button.source-open').click();
      await p.waitForSelector('#document-viewer[open] section.cited');
      expect(await p.textContent('#document-viewer-title')).toBe('observatory');
      const cited = p.locator('#document-viewer section.cited');
      expect(await cited.locator('h3').textContent()).toBe('Page 2');
      expect(await cited.locator('p').textContent()).toContain('forty minutes');
      expect(await p.locator('#document-viewer section').count()).toBe(2);
      expect(await cited.isVisible()).toBe(true);
      await p.screenshot({ path: `${SCREENSHOTS}/document-viewer.png` });
      await p.click('#document-viewer-close');
      await p.waitForSelector('#document-viewer:not([open])', { state: 'attached' });
    } finally {
      await fetch(`${t.url}/v1/documents/${documentId}`, { method: 'DELETE' });
    }
  });

  it('fills a card field by field', async () => {
    const p = await openPage();
    const fieldCounts = await countsOf(p, 'article.assistant .component-simple dt');
    await send(p, 'Where is my order?', 'test:card');
    await p.waitForSelector(
      'article.assistant[data-status="done"] .component-simple[data-status="complete"]',
    );
    const card = lastAnswer(p).locator('.component-simple');
    expect(await card.locator('figcaption').textContent()).toBe('Order 1042');
    expect(await card.locator('dt').allTextContents()).toEqual(['Status', 'Items', 'Total']);
    expect(await card.locator('dd').allTextContents()).toEqual(['Shipped', '3', '$129.50']);
    const counts = (await fieldCounts()).filter((n) => n > 0);
    // The card filled while it streamed: it was shown with fewer fields before it had all three, and never lost
    // one. (A loaded machine may deliver two fields in one read, so not every count need show.)
    expect(counts.at(-1)).toBe(3);
    expect(counts.length).toBeGreaterThanOrEqual(2);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(await lastAnswer(p).locator('.markdown p').allTextContents()).toEqual([
      'Here is your order.',
      'It ships today.',
    ]);
  });

  it('Regenerate replaces the last answer, with the model picked, and the page shows it after a reload', async () => {
    const p = await openPage();
    await send(p, 'How do I cancel a generation?', 'local');
    await p.waitForSelector('article.assistant[data-status="done"] button.regenerate');
    await p.selectOption('#model-select', 'test:second');
    await p.click('button.regenerate');
    await p.waitForFunction(
      () =>
        document.querySelector('article.assistant[data-status="done"] .markdown')?.textContent ===
        'Another answer.',
    );
    expect(await p.locator('article.assistant').count()).toBe(1);
    expect(await p.locator('article.user').allTextContents()).toEqual(['How do I cancel a generation?']);
    await p.reload();
    await p.waitForSelector('article.assistant[data-status="done"] button.regenerate');
    expect(await p.locator('article.assistant .markdown').allTextContents()).toEqual(['Another answer.']);
  });

  it('Stop cancels the run on the server and keeps the partial answer', async () => {
    const p = await openPage();
    await send(p, 'Go on forever', 'test:hang');
    await p.waitForFunction(
      () => document.querySelector('article.assistant .markdown')?.textContent === 'Never',
    );
    await p.click('#stop-button');
    await p.waitForSelector('article.assistant[data-status="cancelled"]');
    expect(await lastAnswer(p).locator('.meta').textContent()).toContain('Stopped');
    const id = /#\/c\/(.+)$/.exec(p.url())?.[1];
    const stored = (await (await fetch(`${t.url}/v1/conversations/${id}`)).json()) as ConversationDetail;
    expect(stored.messages.at(-1)).toMatchObject({ status: 'cancelled', content: 'Never' });
    expect(stored.active_run).toBeNull();
  });

  it('rejoins the run after a reload mid-answer and continues without duplicating anything', async () => {
    const p = await openPage();
    await send(p, 'Survive a reload', 'test:reload');
    await p.waitForFunction(
      () => document.querySelector('article.assistant .markdown')?.textContent === 'Half of it',
    );
    await p.reload();
    await p.waitForFunction(
      () => document.querySelector('article.assistant .markdown')?.textContent === 'Half of it',
    );
    expect(await lastAnswer(p).getAttribute('data-status')).toBe('streaming');
    reload.release();
    await p.waitForSelector('article.assistant[data-status="done"]');
    expect(await p.locator('article.user').allTextContents()).toEqual(['Survive a reload']);
    expect(await p.locator('article.assistant .markdown').allTextContents()).toEqual([
      'Half of it and the rest',
    ]);
  });

  it('shows markup and script in model output as text, never as elements', async () => {
    const p = await openPage();
    await send(p, 'Try to inject', 'test:inject');
    await p.waitForSelector('article.assistant[data-status="done"]');
    const answer = lastAnswer(p).locator('.markdown');
    const text = await answer.textContent();
    expect(text).toContain('<img src=x onerror="window.pwned=1">');
    expect(text).toContain('<script>window.pwned=2</script>');
    expect(text).toContain('[click me](javascript:window.pwned=3)');
    expect(await answer.locator('img, script, iframe').count()).toBe(0);
    expect(await answer.locator('a').count()).toBe(0);
    expect(await answer.locator('strong').textContent()).toBe('bold');
    await answer.click();
    expect(await p.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('puts a refused message back in the box and says why', async () => {
    const p = await openPage();
    const long = 'x'.repeat(250);
    await p.fill('#message-input', long);
    await p.click('#send-button');
    await p.waitForSelector('#notice:not([hidden])');
    expect(await p.textContent('#notice')).toContain('at most 200 characters');
    expect(await p.inputValue('#message-input')).toBe(long);
    expect(await p.locator('#messages article').count()).toBe(0);
  });

  it('asks for a token when the server requires one, and uses the one pasted', async () => {
    const secret = 's'.repeat(32);
    const secured = await startTestServer({ env: { AUTH_MODE: 'jwt', JWT_SECRET: secret } });
    try {
      const context = await newContext(browser);
      page = await context.newPage();
      await page.goto(`${secured.url}/ui`);
      await page.waitForSelector('#notice:not([hidden])');
      expect(await page.textContent('#notice')).toContain('Sign in');
      const { SignJWT } = await import('jose');
      const jwt = await new SignJWT({ sub: 'ann' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(secret));
      await page.fill('#token-input', jwt);
      await page.press('#token-input', 'Enter');
      await page.waitForFunction(() => document.querySelectorAll('#model-select option').length > 0);
      expect(await page.isHidden('#notice')).toBe(true);
      await send(page, 'What is StreamForge?', 'local');
      await page.waitForSelector('article.assistant[data-status="done"]');
      // A reload keeps the token (this browser's storage) and the conversation.
      await page.reload();
      await page.waitForSelector('article.assistant[data-status="done"]');
    } finally {
      await secured.close();
    }
  });

  it('works at phone width and from the keyboard', async () => {
    const p = await openPage({ width: 390, height: 844 });
    // Nothing wider than the screen, and the conversation list is behind the menu button.
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // (waited for: on a busy machine the first layout may still be settling)
    await p.waitForFunction(() => {
      const box = document.getElementById('sidebar')?.getBoundingClientRect();
      return box !== undefined && box.x + box.width <= 0;
    });
    await p.focus('#menu-button');
    await p.keyboard.press('Enter');
    expect(await p.getAttribute('#menu-button', 'aria-expanded')).toBe('true');
    await p.waitForFunction(() => (document.getElementById('sidebar')?.getBoundingClientRect().x ?? -1) >= 0);
    await p.keyboard.press('Escape');
    expect(await p.getAttribute('#menu-button', 'aria-expanded')).toBe('false');

    await send(p, 'top 5 products by price', 'local');
    await p.waitForSelector('article.assistant[data-status="done"] .component-table[data-status="complete"]');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await p.screenshot({ path: `${SCREENSHOTS}/phone.png` });

    // Escape stops a streaming answer.
    await send(p, 'Go on forever', 'test:hang');
    await p.waitForFunction(
      () => [...document.querySelectorAll('article.assistant .markdown')].at(-1)?.textContent === 'Never',
    );
    await p.keyboard.press('Escape');
    await p.waitForSelector('article.assistant[data-status="cancelled"]');
  });
});
