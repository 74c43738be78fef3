/**
 * Sentences of a text: split after `.`, `!` or `?` followed by space and a capital, digit or quote, so
 * "0.5 percent", "e.g. this" and "v2.1" stay whole.
 */
export function splitSentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?]["')\]]?)\s+(?=["'([]?[\p{Lu}\p{N}])/u)
    .map((s) => s.trim())
    .filter(Boolean);
}
