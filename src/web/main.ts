import { createClient, type RunStream, StreamForgeError } from '../client/index.js';
import type { Source } from '../protocol/index.js';
import { MessageView } from './message-view.js';
import { storedMessageState } from './stored-message-state.js';
import { uploadDocuments } from './upload-documents.js';

const TOKEN_KEY = 'streamforge.token';
const MODEL_KEY = 'streamforge.model';

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

const ui = {
  sidebar: byId('sidebar'),
  menu: byId<HTMLButtonElement>('menu-button'),
  newChat: byId<HTMLButtonElement>('new-chat'),
  conversations: byId<HTMLUListElement>('conversation-list'),
  title: byId('chat-title'),
  model: byId<HTMLSelectElement>('model-select'),
  messages: byId('messages'),
  notice: byId('notice'),
  composer: byId<HTMLFormElement>('composer'),
  input: byId<HTMLTextAreaElement>('message-input'),
  send: byId<HTMLButtonElement>('send-button'),
  stop: byId<HTMLButtonElement>('stop-button'),
  upload: byId<HTMLInputElement>('upload-input'),
  uploadProgress: byId<HTMLProgressElement>('upload-progress'),
  uploadStatus: byId('upload-status'),
  documents: byId<HTMLUListElement>('document-list'),
  token: byId<HTMLInputElement>('token-input'),
  viewer: byId<HTMLDialogElement>('document-viewer'),
  viewerTitle: byId('document-viewer-title'),
  viewerBody: byId('document-viewer-body'),
  viewerClose: byId<HTMLButtonElement>('document-viewer-close'),
};

const token = () => localStorage.getItem(TOKEN_KEY);
const client = createClient({ baseUrl: '', token });

let conversationId: string | null = null;
let active: RunStream | null = null;
/** The conversation's last answer on the page: the one Regenerate replaces. */
let lastView: MessageView | null = null;
const regenerateButton = document.createElement('button');
regenerateButton.type = 'button';
regenerateButton.className = 'regenerate';
regenerateButton.textContent = 'Regenerate';

/** The open conversation lives in the URL, so a reload (or a shared link) opens it again. */
function conversationFromUrl(): string | null {
  return /^#\/c\/([\w-]+)$/.exec(location.hash)?.[1] ?? null;
}

/** A source's document, its text chunk by chunk, opened at the cited passage (marked, with its page). */
async function openSource(source: Source): Promise<void> {
  try {
    const { document: info, chunks } = await client.documents.text(source.document_id);
    ui.viewerTitle.textContent = info.title;
    let cited: HTMLElement | undefined;
    const sections = chunks.map((chunk) => {
      const section = document.createElement('section');
      section.dataset.chunkId = chunk.id;
      const label = [chunk.heading, chunk.page ? `Page ${chunk.page}` : null].filter(Boolean).join(' · ');
      if (label) {
        const heading = document.createElement('h3');
        heading.textContent = label;
        section.append(heading);
      }
      const text = document.createElement('p');
      text.textContent = chunk.text;
      section.append(text);
      if (chunk.id === source.chunk_id) {
        section.classList.add('cited');
        section.setAttribute('aria-current', 'true');
        cited = section;
      }
      return section;
    });
    ui.viewerBody.replaceChildren(...sections);
    ui.viewer.showModal();
    cited?.scrollIntoView({ block: 'center' });
  } catch (error) {
    showNotice(describeError(error));
  }
}
const openSourceOnPage = (source: Source) => void openSource(source);

function showNotice(text: string): void {
  ui.notice.textContent = text;
  ui.notice.hidden = !text;
}

function describeError(error: unknown): string {
  if (error instanceof StreamForgeError) {
    if (error.status === 401) return 'Sign in: paste an API key or token in the sidebar.';
    return `${error.message} (${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

function appendUserMessage(text: string): void {
  const article = document.createElement('article');
  article.className = 'message user';
  const body = document.createElement('p');
  body.textContent = text;
  article.append(body);
  ui.messages.append(article);
}

function scrollToEnd(): void {
  const nearEnd = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 120;
  if (nearEnd) ui.messages.scrollTop = ui.messages.scrollHeight;
}

function setStreaming(streaming: boolean): void {
  ui.stop.hidden = !streaming;
  ui.send.hidden = streaming;
  ui.composer.dataset.streaming = String(streaming);
}

/** Shows a run's answer as it streams; `userText` is put back in the box if the server refused it. */
async function follow(stream: RunStream, userText?: string): Promise<void> {
  active = stream;
  setStreaming(true);
  regenerateButton.remove();
  const view = new MessageView({ openSource: openSourceOnPage });
  lastView = view;
  ui.messages.append(view.element);
  view.update(stream.state);
  stream.subscribe((state, event) => {
    view.update(state);
    scrollToEnd();
    if (event.type === 'start' && conversationId !== event.conversation_id) {
      conversationId = event.conversation_id;
      history.replaceState(null, '', `#/c/${event.conversation_id}`);
      void refreshConversations();
    }
  });
  try {
    await stream.done;
  } catch (error) {
    if (!(error instanceof DOMException && error.name === 'AbortError')) {
      view.element.remove();
      showNotice(describeError(error));
      // Nothing the user typed is lost: a refused message goes back into the box.
      if (userText !== undefined && !stream.runId) {
        ui.messages.lastElementChild?.remove();
        ui.input.value = userText;
      }
    }
  } finally {
    if (active === stream) {
      active = null;
      setStreaming(false);
      offerRegenerate();
      void refreshConversations();
    }
  }
}

function send(): void {
  const text = ui.input.value.trim();
  if (!text || active) return;
  showNotice('');
  ui.input.value = '';
  appendUserMessage(text);
  ui.messages.scrollTop = ui.messages.scrollHeight;
  const stream = client.chat({
    message: text,
    model: ui.model.value || undefined,
    conversation_id: conversationId ?? undefined,
  });
  void follow(stream, text);
}

async function openConversation(id: string | null): Promise<void> {
  active?.close();
  active = null;
  setStreaming(false);
  showNotice('');
  conversationId = id;
  lastView = null;
  regenerateButton.remove();
  ui.messages.replaceChildren();
  ui.title.textContent = 'New chat';
  markCurrentConversation();
  if (!id) {
    if (location.hash) history.replaceState(null, '', location.pathname);
    ui.input.focus();
    return;
  }
  if (location.hash !== `#/c/${id}`) history.replaceState(null, '', `#/c/${id}`);
  try {
    const detail = await client.conversations.get(id);
    if (conversationId !== id) return;
    ui.title.textContent = detail.title;
    for (const message of detail.messages) {
      if (message.role === 'user') appendUserMessage(message.content);
      else if (message.role === 'assistant' && message.id !== detail.active_run?.message_id) {
        const view = new MessageView({ openSource: openSourceOnPage });
        view.update(storedMessageState(message));
        ui.messages.append(view.element);
        lastView = view;
      }
    }
    ui.messages.scrollTop = ui.messages.scrollHeight;
    // Still being written (a reload mid-answer): rejoin the run from its first event.
    if (detail.active_run) void follow(client.resume(detail.active_run.id));
    else offerRegenerate();
  } catch (error) {
    showNotice(describeError(error));
  }
}

/** Puts Regenerate under the last answer, when there is one and nothing is being generated. */
function offerRegenerate(): void {
  regenerateButton.remove();
  if (active || !conversationId || !lastView || lastView.element !== ui.messages.lastElementChild) return;
  lastView.element.append(regenerateButton);
}

function markCurrentConversation(): void {
  for (const button of ui.conversations.querySelectorAll<HTMLButtonElement>('button[data-id]')) {
    if (button.dataset.id === conversationId) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  }
}

async function refreshConversations(): Promise<void> {
  try {
    const page = await client.conversations.list({ limit: 50 });
    ui.conversations.replaceChildren(
      ...page.data.map((conversation) => {
        const li = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.id = conversation.id;
        button.textContent = conversation.title;
        button.addEventListener('click', () => {
          closeSidebar();
          void openConversation(conversation.id);
        });
        li.append(button);
        return li;
      }),
    );
    const current = page.data.find((c) => c.id === conversationId);
    if (current) ui.title.textContent = current.title;
    markCurrentConversation();
  } catch (error) {
    showNotice(describeError(error));
  }
}

async function loadModels(): Promise<void> {
  try {
    const list = await client.models();
    const saved = localStorage.getItem(MODEL_KEY);
    ui.model.replaceChildren(
      ...list.data.map((model) => {
        const option = document.createElement('option');
        option.value = model.id;
        option.textContent = model.default ? `${model.id} (default)` : model.id;
        return option;
      }),
    );
    ui.model.value = list.data.some((m) => m.id === saved) ? (saved as string) : list.default_model;
  } catch (error) {
    showNotice(describeError(error));
  }
}

async function refreshDocuments(): Promise<void> {
  try {
    const { data } = await client.documents.list();
    ui.documents.replaceChildren(
      ...data.map((doc) => {
        const li = document.createElement('li');
        const name = document.createElement('span');
        name.textContent = doc.title;
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'icon';
        remove.textContent = '✕';
        remove.setAttribute('aria-label', `Delete ${doc.title}`);
        remove.addEventListener('click', () => {
          void client.documents
            .delete(doc.id)
            .then(refreshDocuments, (e: unknown) => showNotice(describeError(e)));
        });
        li.append(name, remove);
        return li;
      }),
    );
  } catch {
    // The conversation list already says when the server cannot be used.
  }
}

async function upload(files: File[]): Promise<void> {
  if (files.length === 0) return;
  ui.uploadProgress.hidden = false;
  ui.uploadProgress.value = 0;
  ui.uploadStatus.textContent = `Uploading ${files.length} file${files.length > 1 ? 's' : ''}…`;
  try {
    const { status, body } = await uploadDocuments(files, token(), (fraction) => {
      ui.uploadProgress.value = Math.round(fraction * 100);
    });
    ui.uploadProgress.value = 100;
    if ('files' in body) {
      ui.uploadStatus.textContent = body.files
        .map(
          (f) => `${f.filename}: ${f.status === 'rejected' ? (f.problem?.detail ?? 'rejected') : f.status}`,
        )
        .join('\n');
    } else ui.uploadStatus.textContent = `Upload failed (${status}): ${body.detail ?? body.code ?? ''}`;
  } catch (error) {
    ui.uploadStatus.textContent = describeError(error);
  } finally {
    ui.upload.value = '';
    void refreshDocuments();
  }
}

function closeSidebar(): void {
  ui.sidebar.dataset.open = 'false';
  ui.menu.setAttribute('aria-expanded', 'false');
}

ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
ui.input.addEventListener('keydown', (e) => {
  // Enter sends, Shift+Enter is a new line; not while an input method is composing a character.
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
ui.viewerClose.addEventListener('click', () => ui.viewer.close());
regenerateButton.addEventListener('click', () => {
  if (active || !conversationId) return;
  showNotice('');
  const previous = lastView;
  previous?.element.remove();
  const stream = client.regenerate(conversationId, { model: ui.model.value || undefined });
  void follow(stream).then(() => {
    // Refused (a 409, 429…): nothing changed on the server, so the answer it was to replace stays.
    if (stream.runId || !previous) return;
    ui.messages.append(previous.element);
    lastView = previous;
    offerRegenerate();
  });
});
ui.stop.addEventListener('click', () => {
  void active?.cancel().catch((e: unknown) => showNotice(describeError(e)));
});
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  if (ui.sidebar.dataset.open === 'true') closeSidebar();
  else if (active) void active.cancel().catch((error: unknown) => showNotice(describeError(error)));
});
ui.newChat.addEventListener('click', () => {
  closeSidebar();
  void openConversation(null);
});
ui.menu.addEventListener('click', () => {
  const open = ui.sidebar.dataset.open !== 'true';
  ui.sidebar.dataset.open = String(open);
  ui.menu.setAttribute('aria-expanded', String(open));
});
ui.model.addEventListener('change', () => localStorage.setItem(MODEL_KEY, ui.model.value));
ui.upload.addEventListener('change', () => void upload([...(ui.upload.files ?? [])]));
ui.token.value = token() ?? '';
ui.token.addEventListener('change', () => {
  if (ui.token.value) localStorage.setItem(TOKEN_KEY, ui.token.value);
  else localStorage.removeItem(TOKEN_KEY);
  showNotice('');
  void Promise.all([loadModels(), refreshConversations(), refreshDocuments()]);
});
window.addEventListener('hashchange', () => {
  const id = conversationFromUrl();
  if (id !== conversationId) void openConversation(id);
});

void loadModels();
void refreshConversations();
void refreshDocuments();
void openConversation(conversationFromUrl());
