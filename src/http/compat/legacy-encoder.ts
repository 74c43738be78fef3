import type { RunEvent } from '../../protocol/index.js';

/** One earlier API's wire format: what each run event becomes, as ready-to-write SSE text. */
export interface LegacyEncoder {
  /** The frames one run event becomes; `''` for an event this API has no form for. */
  encode(event: RunEvent): string;
  /** The frames telling the client its answer stops here: the server is shutting down. */
  interrupted(): string;
}

/** What a client of an earlier API is told at shutdown: it cannot resume, so it should ask again. */
export const LEGACY_INTERRUPTED_MESSAGE = 'The server is restarting; please send your message again.';
