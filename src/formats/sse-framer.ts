import type { Frame } from './frame.js';

/**
 * One frame in Server-Sent Events framing: the fields in a fixed order (comment, `retry`, `id`, `event`,
 * `data`), one `data:` line per line of the payload, and the blank line that ends the event.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function sseFrame(frame: Frame): string {
  let text = '';
  if (frame.comment !== undefined) text += `: ${frame.comment}\n`;
  if (frame.retry !== undefined) text += `retry: ${frame.retry}\n`;
  if (frame.id !== undefined) text += `id: ${frame.id}\n`;
  if (frame.event !== undefined) text += `event: ${frame.event}\n`;
  if (frame.data !== undefined) {
    const data = typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data);
    // A line break inside a field would end it: each line of the payload is a `data:` line of its own.
    text += data.includes('\n') ? `data: ${data.replaceAll('\n', '\ndata: ')}\n` : `data: ${data}\n`;
  }
  return `${text}\n`;
}

/** Several frames as one chunk of an event stream. */
export function sseFrames(frames: readonly Frame[]): string {
  let text = '';
  for (const frame of frames) text += sseFrame(frame);
  return text;
}
