import type { LoggedEvent } from '../protocol/index.js';
import { type Frame, PING_FRAME } from './frame.js';
import { LEGACY_RESTARTING } from './legacy-restarting.js';
import { pythonJson } from './python-json.js';
import { runEventOf, type WireFormat } from './wire-format.js';

/**
 * The first StreamForge's `POST /chat` stream: one `data: <word>` event per word, without the whitespace
 * around it (`data: This`, `data: is`, …), and nothing else; the connection closes after the last word.
 * Model tokens are not words (`"Hel"`, `"lo,"`, `" world"`), so the text is cut at whitespace instead: a
 * word goes out once the whitespace after it (or the end of the answer) arrives. With the `local` model,
 * whose tokens are a word with the whitespace before it, that is one event per token.
 * This API had no error event: a failure is an `event: error` (which `onmessage` handlers never see)
 * with `{"error": message}`, after the words that were generated. Idle streams get `: ping` comments, which
 * its clients' `data:`-line parsers skip.
 */
export function legacyWordFormat(): WireFormat {
  const words = new WordSplitter();
  return {
    encode(logged: LoggedEvent): Frame[] {
      const event = runEventOf(logged);
      switch (event.type) {
        case 'token':
          return words.push(event.delta).map(wordFrame);
        case 'done':
          return words.flush().map(wordFrame);
        case 'error':
          return [...words.flush().map(wordFrame), errorFrame(event.message)];
        default:
          return [];
      }
    },
    heartbeat: PING_FRAME,
    shutdown: () => [...words.flush().map(wordFrame), errorFrame(LEGACY_RESTARTING)],
  };
}

function wordFrame(word: string): Frame {
  return { data: word };
}

function errorFrame(message: string): Frame {
  return { event: 'error', data: pythonJson({ error: message }) };
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
