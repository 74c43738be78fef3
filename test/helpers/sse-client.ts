import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface ParsedEvent {
  id: number;
  event: string;
  data: Record<string, unknown> & { type: string };
  /** Which network read delivered the event (0, 1, 2…): events of different reads arrived at different times. */
  read: number;
}

/** POSTs a chat and parses the live stream with a real SSE parser, calling `onEvent` as events arrive. */
export async function postChatStream(
  url: string,
  body: unknown,
  options: { onEvent?: (e: ParsedEvent, abort: () => void) => void; headers?: Record<string, string> } = {},
): Promise<{ response: Response; events: ParsedEvent[]; comments: string[] }> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const events: ParsedEvent[] = [];
  const comments: string[] = [];
  let read = 0;
  const parser = createParser({
    onEvent(message: EventSourceMessage) {
      const parsed = {
        id: Number(message.id),
        event: message.event ?? 'message',
        data: JSON.parse(message.data),
        read,
      };
      events.push(parsed);
      options.onEvent?.(parsed, () => controller.abort());
    },
    onComment(comment) {
      comments.push(comment);
    },
  });
  if (!response.body) throw new Error('no body');
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      read++;
    }
  } catch (error) {
    // Aborting our own request is how a test disconnects; anything else is a failure.
    if (!controller.signal.aborted) throw error;
  }
  return { response, events, comments };
}
