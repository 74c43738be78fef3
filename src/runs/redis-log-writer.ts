/** One write of the writer: the lines of events `lastId - lines.length + 1 … lastId`, in order. */
export interface LogBatch {
  lastId: number;
  /** One line per event, `<type> <stored form>`. */
  payload: string;
  /** The batch holds the run's terminal event. */
  ended: boolean;
}

export interface RedisLogWriterOptions {
  /** Writes one batch as one stream entry; writing the same batch again must change nothing. */
  write(batch: LogBatch): Promise<unknown>;
  /**
   * How long the writer may go without a successful write before `onOutage` is called (the run is stopped).
   * It goes on writing afterwards, until `stop`.
   */
  outageLimitMs: number;
  /** A write failed; it is tried again. Called once per outage, not once per attempt. */
  onError(error: unknown): void;
  /** No write succeeded for `outageLimitMs`: called once per outage. */
  onOutage(error: unknown): void;
}

/** Most events in one stream entry (readers split entries; an outage's backlog goes out in pieces). */
const MAX_LINES_PER_WRITE = 512;
/** Waits between attempts while writes fail: short at first, then at most this. */
const RETRY_MS = [50, 100, 250, 500, 1_000, 2_000];

/**
 * Copies one run's events to Redis in order, with the ids they have, through any outage: each event-loop turn's
 * events go out as one write; one write is in flight at a time, and a failed one is tried again (the same
 * batch, so it lands once) until it lands, while new events wait behind it. Nothing is dropped until `stop`.
 */
export class RedisLogWriter {
  /** Lines appended and not yet in a write. */
  #lines: string[] = [];
  #lastId = 0;
  #ended = false;
  /** The write in flight or waiting to be tried again. */
  #sending: LogBatch | undefined;
  #scheduled = false;
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;
  #failingSince: number | undefined;
  #outageReported = false;
  #stopped = false;
  #idle: (() => void)[] = [];

  constructor(private readonly o: RedisLogWriterOptions) {}

  /** Appends event `id` (the next one) to be written. */
  add(id: number, line: string, terminal: boolean): void {
    if (this.#stopped) return;
    this.#lines.push(line);
    this.#lastId = id;
    this.#ended ||= terminal;
    if (!this.#scheduled && !this.#sending) {
      this.#scheduled = true;
      setImmediate(this.#next);
    }
  }

  /** True while events wait to be written. */
  get pending(): boolean {
    return this.#sending !== undefined || this.#lines.length > 0;
  }

  /** Resolves once every event added so far is written (or the writer is stopped). */
  flushed(): Promise<void> {
    if (!this.pending || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Gives up on what is not written yet and writes nothing more. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.#lines = [];
    this.#sending = undefined;
    this.#settle();
  }

  readonly #next = () => {
    this.#scheduled = false;
    if (this.#stopped || this.#sending) return;
    if (this.#lines.length === 0) return this.#settle();
    const take = Math.min(this.#lines.length, MAX_LINES_PER_WRITE);
    const lines = this.#lines.length === take ? this.#lines : this.#lines.slice(0, take);
    this.#lines = this.#lines.length === take ? [] : this.#lines.slice(take);
    const rest = this.#lines.length;
    this.#sending = {
      lastId: this.#lastId - rest,
      payload: lines.join('\n'),
      ended: this.#ended && rest === 0,
    };
    this.#send();
  };

  #send(): void {
    const batch = this.#sending;
    if (!batch) return;
    this.o.write(batch).then(
      () => {
        if (this.#sending !== batch) return;
        this.#sending = undefined;
        this.#attempt = 0;
        this.#failingSince = undefined;
        this.#outageReported = false;
        this.#next();
      },
      (error: unknown) => {
        if (this.#sending !== batch) return;
        const now = Date.now();
        if (this.#failingSince === undefined) {
          this.#failingSince = now;
          this.o.onError(error);
        }
        if (!this.#outageReported && now - this.#failingSince >= this.o.outageLimitMs) {
          this.#outageReported = true;
          this.o.onOutage(error);
        }
        const wait = RETRY_MS[Math.min(this.#attempt++, RETRY_MS.length - 1)] as number;
        this.#retry = setTimeout(() => this.#send(), wait);
      },
    );
  }

  #settle(): void {
    if (this.pending && !this.#stopped) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
