import type { MessageState } from '../client/index.js';
import type { Source } from '../protocol/index.js';
import { ComponentView } from './render-component.js';
import { renderMarkdown } from './render-markdown.js';

const STATUS_TEXT: Record<MessageState['status'], string> = {
  streaming: 'Answering…',
  done: '',
  cancelled: 'Stopped',
  failed: 'Failed',
};

let nextViewId = 0;

/**
 * One assistant answer on the page: progress steps, cards and tables, the text as Markdown, sources and a
 * status line. `update` may be called after every event; the DOM is brought up to date once per frame.
 */
export class MessageView {
  readonly element: HTMLElement;
  readonly #uid = `m${++nextViewId}`;
  readonly #progress = document.createElement('ol');
  readonly #components = document.createElement('div');
  readonly #text = document.createElement('div');
  readonly #sources = document.createElement('section');
  readonly #meta = document.createElement('footer');
  readonly #views = new Map<string, ComponentView>();
  #state: MessageState | null = null;
  #rendered: MessageState | null = null;
  #frame = 0;

  readonly #openSource: ((source: Source) => void) | undefined;

  /** `openSource`: what a click on a source's title does (the page shows the document there). */
  constructor(options: { openSource?: (source: Source) => void } = {}) {
    this.#openSource = options.openSource;
    this.element = document.createElement('article');
    this.element.className = 'message assistant';
    this.#progress.className = 'progress';
    this.#progress.setAttribute('aria-label', 'Progress');
    this.#components.className = 'components';
    this.#text.className = 'markdown';
    this.#sources.className = 'sources';
    this.#sources.hidden = true;
    this.#meta.className = 'meta';
    this.element.append(this.#progress, this.#components, this.#text, this.#sources, this.#meta);
  }

  update(state: MessageState): void {
    this.#state = state;
    if (this.#frame) return;
    // A hidden tab gets no animation frames; the answer must still be there when it comes back.
    if (document.hidden) {
      this.#frame = window.setTimeout(() => this.#flush(), 50);
      return;
    }
    this.#frame = requestAnimationFrame(() => this.#flush());
  }

  /** Renders the latest state now (for a finished answer, and for tests of the page). */
  #flush(): void {
    this.#frame = 0;
    const state = this.#state;
    const before = this.#rendered;
    if (!state || state === before) return;
    this.element.dataset.status = state.status;
    this.element.setAttribute('aria-busy', String(state.status === 'streaming'));
    if (state.progress !== before?.progress) this.#renderProgress(state);
    if (state.components !== before?.components) this.#renderComponents(state);
    if (state.text !== before?.text)
      this.#text.replaceChildren(renderMarkdown(state.text, (n) => this.#showSource(n)));
    if (state.sources !== before?.sources) this.#renderSources(state);
    this.#renderMeta(state);
    this.#rendered = state;
  }

  #renderProgress(state: MessageState): void {
    this.#progress.replaceChildren(
      ...state.progress.map((p) => {
        const li = document.createElement('li');
        li.dataset.status = p.status;
        li.dataset.step = p.step;
        li.textContent = p.label;
        return li;
      }),
    );
    // Steps matter while the answer is made; once it is finished only a failed step is worth showing.
    this.#progress.hidden =
      state.status !== 'streaming' && !state.progress.some((p) => p.status === 'failed');
  }

  #renderComponents(state: MessageState): void {
    for (const component of state.components) {
      let view = this.#views.get(component.id);
      if (!view) {
        view = new ComponentView(component);
        this.#views.set(component.id, view);
        this.#components.append(view.element);
      } else view.update(component);
    }
  }

  #renderSources(state: MessageState): void {
    this.#sources.hidden = state.sources.length === 0;
    const heading = document.createElement('h3');
    heading.textContent = 'Sources';
    const list = document.createElement('ol');
    for (const source of state.sources) {
      const li = document.createElement('li');
      li.id = `${this.#uid}-source-${source.n}`;
      li.tabIndex = -1;
      const title = document.createElement('strong');
      title.textContent = `[${source.n}] ${source.title}${source.page ? ` · page ${source.page}` : ''}`;
      const snippet = document.createElement('p');
      snippet.textContent = source.snippet;
      const open = this.#openSource;
      if (open) {
        // The title opens the document's text at the cited passage.
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'source-open';
        button.title = 'Show this passage in its document';
        button.append(title);
        button.addEventListener('click', () => open(source));
        li.append(button, snippet);
      } else li.append(title, snippet);
      list.append(li);
    }
    this.#sources.replaceChildren(heading, list);
  }

  #renderMeta(state: MessageState): void {
    const parts: string[] = [];
    if (STATUS_TEXT[state.status]) parts.push(STATUS_TEXT[state.status]);
    if (state.error) parts.push(`${state.error.message} (${state.error.code})`);
    if (state.model) parts.push(state.model);
    if (state.usage) parts.push(`${state.usage.output_tokens} tokens`);
    this.#meta.textContent = parts.join(' · ');
  }

  #showSource(n: number): void {
    const item = this.#sources.querySelector<HTMLElement>(`#${this.#uid}-source-${n}`);
    item?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    item?.focus();
  }
}
