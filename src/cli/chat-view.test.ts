import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyRunEvent, emptyMessageState, type MessageState, type RunEvent } from '../client/index.js';
import { ChatView } from './chat-view.js';
import { TestPipe, TestTerminal } from './test-terminal.js';

const columns = [
  { key: 'name', label: 'Product', type: 'string' as const },
  { key: 'price', label: 'Price', type: 'money' as const },
];
const rows = [
  { name: 'Nimbus Monitor', price: 1874.28 },
  { name: 'Orbit Camera', price: 852.5 },
  { name: 'Volt Bank', price: 39 },
];

/** A table answer as the local model streams it: text, then a table that fills while more text waits. */
function tableAnswer(rowCount = rows.length): RunEvent[] {
  return [
    {
      type: 'start',
      run_id: 'run_1',
      conversation_id: 'conv_1',
      assistant_message_id: 'msg_1',
      model: 'local',
      language: 'en',
    } as RunEvent,
    { type: 'progress', step: 'history', status: 'started', label: 'Loading history', elapsed_ms: 0 },
    {
      type: 'progress',
      step: 'history',
      status: 'completed',
      label: 'Using 0 earlier messages',
      elapsed_ms: 1,
    },
    { type: 'progress', step: 'generate', status: 'started', label: 'Generating answer', elapsed_ms: 1 },
    { type: 'token', delta: 'Here is the ' },
    { type: 'token', delta: 'table.\n\n' },
    { type: 'progress', step: 'components', status: 'started', label: 'Preparing a table', elapsed_ms: 2 },
    { type: 'component', op: 'create', id: 'table-1', kind: 'table', title: 'Products', columns },
    { type: 'token', delta: 'It shows' },
    ...rows
      .slice(0, rowCount)
      .map((row): RunEvent => ({ type: 'component', op: 'rows', id: 'table-1', kind: 'table', rows: [row] })),
    { type: 'component', op: 'complete', id: 'table-1', kind: 'table', row_count: rowCount },
    { type: 'progress', step: 'components', status: 'completed', label: 'Component ready', elapsed_ms: 3 },
    { type: 'token', delta: ' three products.' },
    { type: 'progress', step: 'generate', status: 'completed', label: 'Answer complete', elapsed_ms: 4 },
    { type: 'done', message_id: 'msg_1', conversation_id: 'conv_1', finish_reason: 'stop' } as RunEvent,
  ];
}

/** Feeds the events to the view as a run stream would; `after` sees the state after each one. */
function play(
  view: ChatView,
  events: RunEvent[],
  after: (state: MessageState, event: RunEvent) => void = () => {},
) {
  let state = emptyMessageState();
  for (const event of events) {
    state = applyRunEvent(state, event);
    view.update(state);
    after(state, event);
  }
  view.finish(state);
  return state;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ChatView on a terminal', () => {
  it('redraws the table in place as each row arrives, then the text it held back follows it', () => {
    vi.useFakeTimers();
    // stdout and stderr on one screen, as in an interactive shell.
    const terminal = new TestTerminal(80, 24);
    const view = new ChatView(terminal, terminal);
    const screens: string[][] = [];
    play(view, tableAnswer(), (state, event) => {
      if (event.type === 'component' && event.op === 'rows') screens.push(terminal.screen);
      if (event.type === 'progress' && event.step === 'generate' && event.status === 'started')
        expect(terminal.screen.at(-1)).toMatch(/^. Generating answer$/);
    });

    // Each redraw replaced the last: the table with the rows so far, once, and its loading line.
    expect(screens).toEqual([
      [
        'Here is the table.',
        '',
        'Products',
        'Product            Price',
        '--------------  --------',
        'Nimbus Monitor  1,874.28',
        '… 1 row so far',
        expect.stringMatching(/^. Preparing a table$/),
      ],
      [
        'Here is the table.',
        '',
        'Products',
        'Product            Price',
        '--------------  --------',
        'Nimbus Monitor  1,874.28',
        'Orbit Camera      852.50',
        '… 2 rows so far',
        expect.stringMatching(/^. Preparing a table$/),
      ],
      [
        'Here is the table.',
        '',
        'Products',
        'Product            Price',
        '--------------  --------',
        'Nimbus Monitor  1,874.28',
        'Orbit Camera      852.50',
        'Volt Bank          39.00',
        '… 3 rows so far',
        expect.stringMatching(/^. Preparing a table$/),
      ],
    ]);
    expect(terminal.screen).toEqual([
      'Here is the table.',
      '',
      'Products',
      'Product            Price',
      '--------------  --------',
      'Nimbus Monitor  1,874.28',
      'Orbit Camera      852.50',
      'Volt Bank          39.00',
      '',
      'It shows three products.',
    ]);
    expect(terminal.wraps).toBe(0);
  });

  it('keeps every line of a live table within the screen width', () => {
    const terminal = new TestTerminal(23, 24);
    const wraps: number[] = [];
    play(new ChatView(terminal, new TestPipe()), tableAnswer(), (_, event) => {
      if (event.type === 'component') wraps.push(terminal.wraps);
    });
    // (The answer's text may wrap: the terminal does that, and it is never redrawn.)
    expect(wraps).toEqual([0, 0, 0, 0, 0]);
    expect(terminal.screen.slice(2, 8)).toEqual([
      'Products',
      'Product          Price',
      '------------  --------',
      'Nimbus Moni…  1,874.28',
      'Orbit Camera    852.50',
      'Volt Bank        39.00',
    ]);
  });

  it('shows only the title of a table taller than the screen until it is complete', () => {
    const terminal = new TestTerminal(80, 8);
    const screens: string[][] = [];
    play(new ChatView(terminal, new TestPipe()), tableAnswer(), (_, event) => {
      if (event.type === 'component' && event.op === 'rows') screens.push(terminal.screen);
    });
    expect(screens.at(-1)).toEqual(['Here is the table.', '', 'Products', '… 3 rows so far']);
    expect(terminal.screen.slice(2, 8)).toEqual([
      'Products',
      'Product            Price',
      '--------------  --------',
      'Nimbus Monitor  1,874.28',
      'Orbit Camera      852.50',
      'Volt Bank          39.00',
    ]);
    expect(terminal.wraps).toBe(0);
  });

  it('erases the spinner at the end and writes no escape sequence smuggled into the answer', () => {
    vi.useFakeTimers();
    const terminal = new TestTerminal();
    const view = new ChatView(terminal, terminal);
    play(view, [
      { type: 'progress', step: 'generate', status: 'started', label: 'Generating answer', elapsed_ms: 0 },
      { type: 'token', delta: 'Hi\x1b[2J there\x07.' },
      { type: 'progress', step: 'generate', status: 'completed', label: 'Answer complete', elapsed_ms: 1 },
    ]);
    expect(terminal.screen).toEqual(['Hi[2J there.']);
    const fromStdout = terminal.writes.filter((w) => !w.startsWith('\r\x1b[2K'));
    expect(fromStdout.join('')).not.toContain('\x1b[2J');
  });
});

describe('ChatView into pipes', () => {
  it('streams the text, prints each table once when complete in a block of its own, and progress lines', () => {
    const stdout = new TestPipe();
    const stderr = new TestPipe();
    const seen: string[] = [];
    play(new ChatView(stdout, stderr), tableAnswer(), () => seen.push(stdout.text));

    expect(stdout.text).toBe(
      [
        'Here is the table.',
        '',
        'Products',
        'Product            Price',
        '--------------  --------',
        'Nimbus Monitor  1,874.28',
        'Orbit Camera      852.50',
        'Volt Bank          39.00',
        '',
        'It shows three products.',
        '',
      ].join('\n'),
    );
    // The text came as it arrived; the table all at once.
    expect(seen).toContain('Here is the ');
    expect(seen.filter((s) => s.includes('Products') && !s.includes('Volt Bank'))).toEqual([]);
    expect(stderr.text).toBe(
      'completed: Using 0 earlier messages\ncompleted: Component ready\ncompleted: Answer complete\n',
    );
  });

  it('prints cards and, after the answer, the sources', () => {
    const stdout = new TestPipe();
    const events: RunEvent[] = [
      { type: 'token', delta: 'Revenue grew [1].' },
      { type: 'component', op: 'create', id: 'simple-1', kind: 'simple', title: 'Revenue' },
      { type: 'component', op: 'update', id: 'simple-1', kind: 'simple', data: { Total: '1.2M' } },
      { type: 'component', op: 'update', id: 'simple-1', kind: 'simple', data: { Growth: '12%' } },
      { type: 'component', op: 'complete', id: 'simple-1', kind: 'simple' },
      {
        type: 'sources',
        sources: [
          {
            n: 1,
            document_id: 'doc_1',
            title: 'Annual report',
            chunk_id: 'c1',
            snippet: 'Revenue rose',
            score: 1,
          },
        ],
      },
    ];
    play(new ChatView(stdout, new TestPipe()), events);
    expect(stdout.text).toBe(
      'Revenue grew [1].\n\nRevenue\n  Total:  1.2M\n  Growth: 12%\n\n[1] Annual report — Revenue rose\n',
    );
  });

  it('at the end of a failed run prints what came, a table cut short marked incomplete', () => {
    const stdout = new TestPipe();
    const events = [
      ...tableAnswer(1).slice(0, 10),
      { type: 'error', code: 'model_error', message: 'The model failed', retryable: false } as RunEvent,
    ];
    const state = play(new ChatView(stdout, new TestPipe()), events);
    expect(state.status).toBe('failed');
    expect(stdout.text).toBe(
      [
        'Here is the table.',
        '',
        'Products (incomplete)',
        'Product            Price',
        '--------------  --------',
        'Nimbus Monitor  1,874.28',
        '',
        'It shows',
        '',
      ].join('\n'),
    );
  });
});
