import type { ComponentState } from '../protocol/index.js';
import { displayWidth, fitWidth, truncate } from './fit-width.js';
import { printableLine } from './printable.js';

/** A card (a `simple` component) as lines: its title, then one aligned `label: value` line per field. */
export function renderCard(card: ComponentState, width = Infinity): string[] {
  const fields = Object.entries(card.data).map(([label, value]) => [
    printableLine(`${label}:`),
    printableLine(typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)),
  ]);
  const labelWidth = Math.max(0, ...fields.map(([label]) => displayWidth(label ?? '')));
  const lines = [
    printableLine(card.title),
    ...fields.map(([label = '', value]) => `  ${fitWidth(label, labelWidth)} ${value}`),
  ];
  return lines.map((l) => truncate(l, width));
}
