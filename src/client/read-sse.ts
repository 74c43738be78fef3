import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';

/** The Server-Sent Events of a response body, parsed by eventsource-parser, as they arrive. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const reader = body
    // DOM's lib types TextDecoderStream's input as BufferSource, Node's as Uint8Array; bytes are both.
    .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Ends the connection when the consumer stops early (a terminal event, close()).
    await reader.cancel().catch(() => {});
  }
}
