import { InvalidInputError } from '../../domain-error.js';
import type { App } from '../app.js';

/**
 * Where in `value` (a parsed body, query, params or socket message) a string holds U+0000, as a field path
 * (`body.messages.1.content`); undefined when none does. PostgreSQL text cannot store NUL, and no user text
 * needs it: it is refused up front on every transport rather than failing halfway through a write.
 */
export function nulPathOf(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (key.includes('\u0000')) return at;
    const found = nulPathOf(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The refusal of text holding U+0000: 400 `invalid_request` naming the field. */
export function nulRefusal(path: string): InvalidInputError {
  return new InvalidInputError([{ path, message: 'must not contain the NUL character (U+0000)' }]);
}

/** Every route: a body, query string or path parameter holding U+0000 is refused before the handler runs. */
export function registerNulGuard(app: App): void {
  app.addHook('preValidation', async (request) => {
    const path =
      nulPathOf(request.params, 'params') ??
      nulPathOf(request.query, 'query') ??
      nulPathOf(request.body, 'body');
    if (path !== undefined) throw nulRefusal(path);
  });
}
