/**
 * What a client of an earlier API is told when the server stops before its answer is finished: those APIs
 * cannot resume, so it should ask again.
 */
export const LEGACY_RESTARTING = 'The server is restarting; please send your message again.';
