/** Scripts written without spaces between words. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const chinese = new Intl.Segmenter('zh', { granularity: 'word' });
const japanese = new Intl.Segmenter('ja', { granularity: 'word' });

/** Whether `text` holds Chinese, Japanese or Korean, whose words a search must find by segmenting. */
export function hasUnspacedScript(text: string): boolean {
  return UNSPACED.test(text);
}

/**
 * `text` with its Chinese and Japanese words set apart by spaces (ICU's dictionary segmentation), so full-text
 * search and term matching see words, not whole runs of characters: "链条多久清洁一次" → "链 条 多久 清洁 一次".
 * Text in spaced scripts comes back as it is.
 */
export function searchText(text: string): string {
  if (!hasUnspacedScript(text)) return text;
  const segmenter = KANA.test(text) ? japanese : chinese;
  return [...segmenter.segment(text)].map((s) => (s.isWordLike ? ` ${s.segment} ` : s.segment)).join('');
}
