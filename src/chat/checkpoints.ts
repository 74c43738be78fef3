import { setImmediate } from 'node:timers/promises';
import type { MessageId } from '../protocol/index.js';
import type { MessageStore } from '../store/index.js';

/**
 * Most answers one statement saves. PGlite runs on this thread: one update of 10 000 answers held it for
 * 0.1–1 s, in which no connection was accepted and no token sent. Chunks of 500 hold it ~20 ms each, with
 * the event loop running between them.
 */
export const CHECKPOINT_CHUNK = 500;

/**
 * The text of every running answer of this instance, saved now and then, so an instance that dies mid-answer
 * loses at most one interval of text. One timer per interval for all answers and one statement per
 * CHECKPOINT_CHUNK of them, however many are running (each answer's own timer and update would cost thousands
 * of statements a second with thousands of held streams).
 */
export class Checkpoints {
  readonly #running = new Map<MessageId, { text: () => string; saved: string }>();
  #timer: NodeJS.Timeout | undefined;
  #saving = false;

  constructor(
    private readonly store: Pick<MessageStore, 'saveProgress'>,
    private readonly intervalMs: number,
    private readonly log: { error(details: Record<string, unknown>, message: string): void },
  ) {}

  /** Saves `text()` of this answer every interval while it changes, until the returned function is called. */
  track(messageId: MessageId, text: () => string): () => void {
    this.#running.set(messageId, { text, saved: '' });
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.save(), this.intervalMs);
      // Checkpoints must not keep a process alive that is otherwise done.
      this.#timer.unref();
    }
    return () => {
      this.#running.delete(messageId);
      if (this.#running.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** Saves every answer whose text changed since its last save: one statement per CHECKPOINT_CHUNK answers. */
  async save(): Promise<void> {
    // A save still going (a slow database) is not stacked with another.
    if (this.#saving) return;
    const chunks: Map<MessageId, string>[] = [];
    let chunk: Map<MessageId, string> | undefined;
    for (const [id, answer] of this.#running) {
      const text = answer.text();
      if (text !== answer.saved) {
        if (!chunk || chunk.size === CHECKPOINT_CHUNK) chunks.push((chunk = new Map()));
        chunk.set(id, text);
        answer.saved = text;
      }
    }
    if (chunks.length === 0) return;
    this.#saving = true;
    try {
      for (const [i, texts] of chunks.entries()) {
        if (i > 0) await setImmediate();
        try {
          await this.store.saveProgress(texts);
        } catch (err) {
          this.log.error({ err, answers: texts.size }, 'saving the text of running answers failed');
        }
      }
    } finally {
      this.#saving = false;
    }
  }
}
