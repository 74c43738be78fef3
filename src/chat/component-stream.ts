import { mergeComponents } from '../protocol/index.js';
import type { Column, ComponentEvent, ComponentKind, ComponentState, Row } from '../protocol/index.js';
import type { RunLog } from '../runs/index.js';

/**
 * The components of one answer, as events on the run's log. Guarantees the order per component (`create`
 * first, `complete` last, nothing after) and the per-answer limit: a component past the limit is not sent,
 * `onSkipped` tells the client why, and later operations on it are dropped.
 */
export class ComponentStream {
  readonly #events: ComponentEvent[] = [];
  /**
   * Each component's state: open (its kind), complete, or skipped. Made with the first component: most answers
   * have none, and a held stream should not carry an empty map for them.
   */
  #states: Map<string, ComponentKind | 'complete' | 'skipped'> | undefined;
  #created = 0;
  #skipped = 0;

  constructor(
    private readonly log: RunLog,
    private readonly maxComponents: number,
    private readonly onSkipped: (title: string, limit: number) => void,
  ) {}

  /** A fresh id, unique within the answer. */
  nextId(kind: ComponentKind): string {
    return `${kind}-${this.#created + this.#skipped + 1}`;
  }

  /** Sends the placeholder; false when the limit was reached and the component is skipped. */
  create(id: string, kind: ComponentKind, title: string, columns?: Column[]): boolean {
    const states = (this.#states ??= new Map());
    if (states.has(id)) throw new Error(`component ${id} was already created`);
    if (this.#created >= this.maxComponents) {
      states.set(id, 'skipped');
      this.#skipped++;
      this.onSkipped(title, this.maxComponents);
      return false;
    }
    this.#created++;
    states.set(id, kind);
    this.#emit({ type: 'component', op: 'create', id, kind, title, ...(columns ? { columns } : {}) });
    return true;
  }

  update(id: string, data: Record<string, unknown>): void {
    if (this.#writable(id, 'simple'))
      this.#emit({ type: 'component', op: 'update', id, kind: 'simple', data });
  }

  rows(id: string, rows: Row[]): void {
    if (this.#writable(id, 'table')) this.#emit({ type: 'component', op: 'rows', id, kind: 'table', rows });
  }

  complete(id: string, rowCount?: number): void {
    const state = this.#states?.get(id);
    const kind = state === 'complete' || state === 'skipped' ? undefined : state;
    if (!this.#writable(id, kind ?? 'simple') || !kind) return;
    this.#states?.set(id, 'complete');
    this.#emit({
      type: 'component',
      op: 'complete',
      id,
      kind,
      ...(rowCount === undefined ? {} : { row_count: rowCount }),
    });
  }

  /** Components still open when the answer ends (a failure or a cancel) are completed as they stand. */
  completeAll(): void {
    for (const [id, state] of [...(this.#states ?? [])])
      if (state !== 'complete' && state !== 'skipped') this.complete(id);
  }

  /** Every sent component's final state, merged by the client's own merge function. */
  states(): ComponentState[] {
    return mergeComponents(this.#events);
  }

  #writable(id: string, kind: ComponentKind): boolean {
    const open = this.#states?.get(id);
    if (open === 'skipped') return false;
    if (open === undefined || open === 'complete')
      throw new Error(`component ${id} is not open (created? already complete?)`);
    if (open !== kind) throw new Error(`component ${id} is a ${open}, not a ${kind}`);
    return true;
  }

  #emit(event: ComponentEvent): void {
    this.#events.push(event);
    this.log.append(event);
  }
}
