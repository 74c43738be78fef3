import { describe, expect, it } from 'vitest';
import { renderCard } from './render-card.js';

describe('renderCard', () => {
  const card = {
    id: 'simple-1',
    kind: 'simple' as const,
    title: 'Revenue in 2024',
    status: 'complete' as const,
    data: { Total: '$1.2M', Orders: 1234, 'Best region': { name: 'Europe' } },
    columns: [],
    rows: [],
  };

  it('shows the title and one aligned label: value line per field', () => {
    expect(renderCard(card)).toEqual([
      'Revenue in 2024',
      '  Total:       $1.2M',
      '  Orders:      1234',
      '  Best region: {"name":"Europe"}',
    ]);
  });

  it('cuts lines to the width', () => {
    expect(renderCard(card, 16)).toEqual([
      'Revenue in 2024',
      '  Total:       …',
      '  Orders:      …',
      '  Best region: …',
    ]);
  });
});
