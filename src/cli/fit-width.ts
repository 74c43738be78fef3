/** How many columns `text` takes (one per code point; wide CJK characters are not measured). */
export function displayWidth(text: string): number {
  return [...text].length;
}

/** `text` cut to `width` columns, its last one an ellipsis when anything was cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  return [...text].slice(0, width - 1).join('') + '…';
}

/** `text` cut or padded to exactly `width` columns, on the left (`right`) or the right (`left`). */
export function fitWidth(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(text, width);
  const pad = ' '.repeat(width - displayWidth(cut));
  return align === 'right' ? pad + cut : cut + pad;
}
