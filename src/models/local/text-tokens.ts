/**
 * The `local` model's tokens: each word with the whitespace before it. Concatenated they give back the
 * text exactly, so the count of streamed tokens is the real output token count.
 */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

export function countTokens(text: string): number {
  return splitTokens(text).length;
}
