import { DomainError } from '../domain-error.js';
import type { RateWindow } from './rate-limiter.js';

/** A user spent a budget for this minute. */
export class RateLimitedError extends DomainError {
  constructor(
    /** The budget spent: `chat`, `documents`, `default`. */
    readonly group: string,
    readonly window: RateWindow,
  ) {
    const what = group === 'default' ? '' : `${group} `;
    super(
      'rate_limited',
      'rate_limited',
      `At most ${window.limit} ${what}request${window.limit === 1 ? '' : 's'} a minute; try again in ${window.resetSeconds} s.`,
      window.resetSeconds,
    );
  }
}
