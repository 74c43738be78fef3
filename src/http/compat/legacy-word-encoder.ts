import type { RunEvent } from '../../protocol/index.js';
import { pythonJson } from './legacy-json.js';
import { LEGACY_INTERRUPTED_MESSAGE, type LegacyEncoder } from './legacy-encoder.js';

/**
 * The first StreamForge's `POST /chat` stream: one `data: <word>` event per word, without the whitespace
 * around it (`data: This`, `data: is`, …), and nothing else; the connection closes after the last word.
 * Model tokens are not words (`"Hel"`, `"lo,"`, `" world"`), so the text is cut at whitespace instead: a
 * word goes out once the whitespace after it (or the end of the answer) arrives. With the `local` model,
 * whose tokens are a word with the whitespace before it, that is one event per token.
 * This API had no error event: a failure is an `event: error` (which `onmessage` handlers never see)
 * with `{"error": message}`, after the words that were generated.
 */
export function createWordEncoder(): LegacyEncoder {
  const words = new WordSplitter();
  return {
    encode(event: RunEvent): string {
      switch (event.type) {
        case 'token':
          return words.push(event.delta).map(wordFrame).join('');
        case 'done':
          return words.flush().map(wordFrame).join('');
        case 'error':
          return words.flush().map(wordFrame).join('') + errorFrame(event.message);
        default:
          return '';
      }
    },
    interrupted: () => words.flush().map(wordFrame).join('') + errorFrame(LEGACY_INTERRUPTED_MESSAGE),
  };
}

function wordFrame(word: string): string {
  return `data: ${word}\n\n`;
}

function errorFrame(message: string): string {
  return `event: error\ndata: ${pythonJson({ error: message })}\n\n`;
}

/** Cuts streamed text into whitespace-separated words, holding back the one that may still go on. */
export class WordSplitter {
  #pending = '';

  /** The words this text completes. */
  push(text: string): string[] {
    const parts = (this.#pending + text).split(/\s+/);
    // The last part is a whole word only once whitespace follows it (then it is '').
    this.#pending = parts.pop() ?? '';
    return parts.filter((w) => w !== '');
  }

  /** The word held back, at the end of the text. */
  flush(): string[] {
    const last = this.#pending;
    this.#pending = '';
    return last === '' ? [] : [last];
  }
}
