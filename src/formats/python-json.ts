/**
 * JSON as Python's `json.dumps` writes it with its defaults, which is what the earlier systems' Flask and
 * FastAPI handlers sent: `", "` and `": "` separators and every non-ASCII character escaped (`ensure_ascii`).
 * A JSON parser reads it like any JSON; clients that matched on the text (`'"done": true'`) keep working.
 * Keys with an `undefined` value are left out, as `JSON.stringify` does.
 * @see https://docs.python.org/3/library/json.html#json.dumps
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${asciiOnly(JSON.stringify(k))}: ${pythonJson(v)}`);
    return `{${members.join(', ')}}`;
  }
  return asciiOnly(JSON.stringify(value) ?? 'null');
}

/** `ensure_ascii`: each UTF-16 code unit above U+007F as `\uXXXX` (an emoji becomes its surrogate pair). */
function asciiOnly(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
