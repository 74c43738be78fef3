import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunOutcome, RunPresence, RunRegistry } from './runs/index.js';

/** Distinct `model` label values kept; a request may name any model of a provider, so the rest are `other`. */
const MAX_MODEL_LABELS = 50;

/**
 * The server's Prometheus metrics, in a registry of its own: runs, subscribers, tokens, latency, errors and
 * rate limiting, plus Node's process metrics (`streamforge_process_*`).
 */
export class Metrics {
  readonly registry = new Registry();
  #runs: RunRegistry | undefined;
  readonly #models = new Set<string>();
  readonly #subscribers = new Map<string, number>();

  readonly #subscriberGauge = new Gauge({
    name: 'streamforge_subscribers',
    help: 'Readers following a run on this instance (SSE responses, WebSocket and Socket.IO subscriptions)',
    registers: [this.registry],
  });
  readonly #tokens = new Counter({
    name: 'streamforge_tokens_streamed_total',
    help: 'Token events streamed by runs of this instance',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly #ttft = new Histogram({
    name: 'streamforge_time_to_first_token_seconds',
    help: 'Time from the start of a run to its first token',
    labelNames: ['model'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'streamforge_run_duration_seconds',
    help: 'Time from the start of a run to its done or error event',
    labelNames: ['model'],
    buckets: [0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320],
    registers: [this.registry],
  });
  readonly #runsTotal = new Counter({
    name: 'streamforge_runs_total',
    help: 'Runs of this instance that ended, by model and status (done, cancelled, failed)',
    labelNames: ['model', 'status'],
    registers: [this.registry],
  });
  readonly #errors = new Counter({
    name: 'streamforge_errors_total',
    help: 'Errors by code: error events of runs (source="run") and 5xx responses (source="http")',
    labelNames: ['code', 'source'],
    registers: [this.registry],
  });
  readonly #rateLimited = new Counter({
    name: 'streamforge_rate_limited_total',
    help: 'Requests refused with 429 rate_limited, by rate-limit group',
    labelNames: ['group'],
    registers: [this.registry],
  });

  constructor() {
    const runs = () => this.#runs;
    new Gauge({
      name: 'streamforge_runs_active',
      help: 'Runs executing on this instance',
      registers: [this.registry],
      collect() {
        this.set(runs()?.size ?? 0);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'streamforge_process_' });
  }

  /** Counts every run `runs` ends, from the outcome it reports, and the subscriber counts of `presence`. */
  observeRuns(runs: RunRegistry, presence: RunPresence): void {
    this.#runs = runs;
    presence.on('subscribers', (runId, count) => {
      const before = this.#subscribers.get(runId) ?? 0;
      if (count > 0) this.#subscribers.set(runId, count);
      else this.#subscribers.delete(runId);
      this.#subscriberGauge.inc(count - before);
    });
    runs.on('ended', (_run, outcome) => this.#count(outcome));
  }

  rateLimited(group: string): void {
    this.#rateLimited.inc({ group });
  }

  serverError(code: string): void {
    this.#errors.inc({ code, source: 'http' });
  }

  #count(outcome: RunOutcome | undefined): void {
    // A run whose pipeline crashed reports nothing: it failed, with the code its subscribers got.
    const ended = outcome ?? {
      model: 'unknown',
      status: 'failed' as const,
      tokens: 0,
      ttftMs: null,
      durationMs: 0,
      errorCode: 'internal_error',
    };
    const model = this.#modelLabel(ended.model);
    if (ended.tokens > 0) this.#tokens.inc({ model }, ended.tokens);
    if (ended.ttftMs !== null) this.#ttft.observe({ model }, ended.ttftMs / 1000);
    this.#duration.observe({ model }, ended.durationMs / 1000);
    // `interrupted` is counted with `failed`: the series keeps the statuses it always had.
    this.#runsTotal.inc({ model, status: ended.status === 'interrupted' ? 'failed' : ended.status });
    if (ended.errorCode) this.#errors.inc({ code: ended.errorCode, source: 'run' });
  }

  #modelLabel(model: string): string {
    if (this.#models.has(model)) return model;
    if (this.#models.size >= MAX_MODEL_LABELS) return 'other';
    this.#models.add(model);
    return model;
  }
}
