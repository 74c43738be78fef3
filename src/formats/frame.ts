/**
 * One thing a client receives, before any transport's framing: an SSE event, a WebSocket message, a Socket.IO
 * emit. Wire formats make frames from run events; one framer per transport turns them into bytes.
 */
export interface Frame {
  /** The SSE `event:` field; the Socket.IO event name. */
  event?: string;
  /**
   * The payload: wire text as it is (a format that writes its own JSON, such as Python's `json.dumps` style),
   * or a value the transport serialises (JSON on SSE and WebSocket, Socket.IO's own encoding).
   */
  data?: string | object;
  /** The SSE `id:` field: the event's position in its run. */
  id?: number;
  /** An SSE comment line, which parsers skip. */
  comment?: string;
  /** The SSE `retry:` field: how soon an EventSource reconnects. */
  retry?: number;
}

/** `: ping`: keeps an idle event stream open through proxies; every SSE parser skips it. */
export const PING_FRAME: Frame = { comment: 'ping' };

/** `data: [DONE]`: the last line of an OpenAI chunk stream and of an AI SDK UI message stream. */
export const DONE_FRAME: Frame = { data: '[DONE]' };
