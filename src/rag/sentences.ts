/**
 * Sentences of a text: split after `.`, `!` or `?` followed by space and a capital, digit or quote, so
 * "0.5 percent", "e.g. this" and "v2.1" stay whole; and after `。`, `！` or `？` (Chinese and Japanese).
 */
export function splitSentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?]["')\]]?)\s+(?=["'([]?[\p{Lu}\p{N}])|(?<=[。！？])\s*/u)
    .map((s) => s.trim())
    .filter(Boolean);
}
