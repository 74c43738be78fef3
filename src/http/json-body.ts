import type { App } from './app.js';
import { HttpProblem } from './problem.js';

/** Deeper JSON than any request of this API needs; deeper is refused before parsing. */
export const MAX_JSON_DEPTH = 32;

/**
 * The JSON body parser: bytes must be valid UTF-8 (not silently replaced), nesting is bounded, and every
 * failure is a 400 problem — never a stack overflow or a 5xx. Compressed bodies are refused: a small
 * compressed upload must not become a large one in memory.
 */
export function registerJsonBody(app: App): void {
  app.addHook('onRequest', async (request) => {
    const encoding = request.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') {
      throw new HttpProblem(415, 'unsupported_content_encoding', 'Send request bodies uncompressed.');
    }
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body as Buffer);
    } catch {
      return done(new HttpProblem(400, 'invalid_utf8', 'The request body is not valid UTF-8.'), undefined);
    }
    if (text.trim() === '') {
      return done(
        new HttpProblem(400, 'malformed_json', 'The request body is empty; a JSON object is required.'),
        undefined,
      );
    }
    if (depthOf(text) > MAX_JSON_DEPTH) {
      return done(
        new HttpProblem(
          400,
          'too_deeply_nested',
          `JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused.`,
        ),
        undefined,
      );
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new HttpProblem(400, 'malformed_json', 'The request body is not valid JSON.'), undefined);
    }
  });
}

/** The deepest nesting of arrays and objects, counted outside strings, in one pass. */
function depthOf(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}
