export interface GroupCommitOptions<I, O> {
  /** Runs a batch as one statement and returns each item's result, in order. */
  run(items: readonly I[]): Promise<O[]>;
  /**
   * Whether `item` cannot share a statement with the items taken so far (two turns of one conversation, say):
   * it waits for the next batch, keeping its order among the items it conflicts with.
   */
  conflicts?(item: I, batch: readonly I[]): boolean;
  /** Most items in one statement. @default 256 */
  maxBatch?: number;
}

interface Pending<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit: everything asked for in one event-loop turn goes to the database as one statement, and while a
 * statement runs, what arrives meanwhile waits for the next one. Under load a statement carries many items, so
 * the cost of a statement (a round trip, the executor's start) is shared; alone, an item waits for nothing but
 * the end of the current turn. A batch that fails is run again item by item, so one bad item fails alone.
 */
export class GroupCommit<I, O> {
  readonly #queue: Pending<I, O>[] = [];
  #scheduled = false;
  #running = false;

  constructor(private readonly o: GroupCommitOptions<I, O>) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    this.#running = true;
    const batch = this.#take();
    try {
      await this.#run(batch);
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }

  /** The next batch: items in order, up to the limit, leaving out those that conflict with it (and after them). */
  #take(): Pending<I, O>[] {
    const max = this.o.maxBatch ?? 256;
    const conflicts = this.o.conflicts;
    const batch: Pending<I, O>[] = [];
    const items: I[] = [];
    const rest: Pending<I, O>[] = [];
    const deferred: I[] = [];
    for (const pending of this.#queue) {
      const wait =
        batch.length >= max ||
        (conflicts !== undefined && (conflicts(pending.item, items) || conflicts(pending.item, deferred)));
      if (wait) {
        rest.push(pending);
        deferred.push(pending.item);
      } else {
        batch.push(pending);
        items.push(pending.item);
      }
    }
    this.#queue.splice(0, this.#queue.length, ...rest);
    return batch;
  }

  async #run(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.o.run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i] as O));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // Which item failed the statement is not known: each runs alone, and fails (or not) alone.
      for (const pending of batch) await this.#run([pending]);
    }
  }
}
