import WebSocket from 'ws';

/** A message from `GET /v1/ws`, parsed. */
export type WsMessage = Record<string, unknown> & { type: string };

/**
 * A real `ws` client of `GET /v1/ws` that keeps every message it receives, in order, and lets a test wait
 * for the ones it expects.
 */
export class WsTestClient {
  readonly messages: WsMessage[] = [];
  /** Each frame as received, for byte-level checks. */
  readonly frames: string[] = [];
  readonly closed: Promise<{ code: number }>;
  #waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = data.toString();
      this.frames.push(frame);
      this.messages.push(JSON.parse(frame) as WsMessage);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code) => {
        resolve({ code });
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
  }

  static async open(
    baseUrl: string,
    options: WebSocket.ClientOptions = {},
    token?: string,
  ): Promise<WsTestClient> {
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws${query}`, options);
    const client = new WsTestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: object | string): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (received so far or later) that matches; rejects if the socket closes first. */
  async waitFor(match: (m: WsMessage) => boolean): Promise<WsMessage> {
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (this.socket.readyState >= WebSocket.CLOSING) throw new Error('socket closed while waiting');
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Every event of a run received, once its terminal event (`done` or `error`) has arrived. */
  async runEvents(runId: string): Promise<WsMessage[]> {
    await this.waitFor((m) => m.run_id === runId && (m.type === 'done' || m.type === 'error'));
    return this.messages.filter((m) => m.run_id === runId);
  }

  /** The run id a `chat` with this request id started (from its first event, which echoes the id). */
  async runIdOf(requestId: string): Promise<string> {
    const first = await this.waitFor((m) => m.request_id === requestId);
    if (first.type === 'error') throw new Error(`chat refused: ${String(first.code)}`);
    return String(first.run_id);
  }

  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.closed;
  }
}
