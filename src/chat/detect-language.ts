import { detect } from 'tinyld';

/** Below this many letters a guess is noise ("ok", "hi"): report no language rather than a wrong one. */
const MIN_LETTERS = 12;
const names = new Intl.DisplayNames(['en'], { type: 'language' });

/** ISO 639-1 code of the text's language, or null when the text is too short or unclear. */
export function detectLanguage(text: string): string | null {
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  if (letters < MIN_LETTERS) return null;
  return detect(text) || null;
}

/** "German" for "de"; the code itself when the runtime has no name for it. */
export function languageName(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
