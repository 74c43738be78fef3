import type { Column, ComponentState } from '../protocol/index.js';
import { displayWidth, fitWidth, truncate } from './fit-width.js';
import { isNumericColumn } from '../client/index.js';
import { formatCell } from './format-cell.js';
import { printableLine } from './printable.js';

const GAP = '  ';
/** Text columns are narrowed down to this (or their natural width, when smaller); other columns never. */
const MIN_TEXT_COLUMN = 10;

/**
 * A table component as lines of aligned plain text: the title, a header, a rule, one line per row so far.
 * Numbers line up on the right, money with two decimals.
 *
 * When the lines are wider than `width`, the widest text columns are narrowed first, their cells cut with
 * "…" (numbers, dates and booleans are never cut: a cut number reads as another number); columns that still
 * do not fit are left out from the right, and the title says how many.
 */
export function renderTable(table: ComponentState, width = Infinity): string[] {
  const cells = table.rows.map((row) => table.columns.map((c) => formatCell(row[c.key], c.type)));
  const natural = table.columns.map((c, i) =>
    Math.max(1, displayWidth(printableLine(c.label)), ...cells.map((r) => displayWidth(r[i] ?? ''))),
  );
  const widths = layout(table.columns, natural, width);
  const shown = widths.length;
  const hidden = table.columns.length - shown;

  const line = (values: string[]) =>
    widths
      .map((w, i) =>
        fitWidth(values[i] ?? '', w, isNumericColumn(table.columns[i]?.type ?? 'string') ? 'right' : 'left'),
      )
      .join(GAP)
      .trimEnd();
  const title =
    printableLine(table.title) + (hidden > 0 ? ` (${hidden} more column${hidden > 1 ? 's' : ''})` : '');
  const lines = [
    title,
    line(table.columns.map((c) => printableLine(c.label))),
    widths.map((w) => '-'.repeat(w)).join(GAP),
    ...cells.map(line),
  ];
  return lines.map((l) => truncate(l, width));
}

/** The widths of the columns that fit in `room`, from the left (at least one). */
function layout(columns: Column[], natural: number[], room: number): number[] {
  const isText = (i: number) => columns[i]?.type === 'string';
  const floor = natural.map((w, i) => (isText(i) ? Math.min(w, MIN_TEXT_COLUMN) : w));
  const total = (ws: number[]) => ws.reduce((a, b) => a + b, 0) + GAP.length * Math.max(0, ws.length - 1);

  let count = natural.length;
  while (count > 1 && total(floor.slice(0, count)) > room) count--;
  const widths = natural.slice(0, count);
  // Narrow the widest text column, one character at a time, until the line fits or none can narrow.
  for (let excess = total(widths) - room; excess > 0; excess--) {
    let widest = -1;
    for (const [i, w] of widths.entries()) {
      if (w > (floor[i] ?? 0) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    }
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}
