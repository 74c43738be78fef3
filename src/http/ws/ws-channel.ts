import type { WebSocket } from 'ws';
import type { Frame } from '../../formats/index.js';
import type { FrameChannel } from '../delivery/frame-channel.js';

/** Above this many bytes queued for a socket, its runs wait before reading more of their logs. */
export const WS_HIGH_WATER_BYTES = 1 << 20;

/**
 * One run's channel on a WebSocket that carries several: each frame a text message. `ws` has no `drain`
 * event, so a message's send callback (called once it was written out) tells when the queue behind it is
 * gone: a full channel waits for the callback of its last message. Ending a run's stream leaves the socket
 * open for the client's other runs.
 */
export function wsChannel(socket: WebSocket, gone: AbortSignal): FrameChannel {
  let sent = 0;
  let flushed = 0;
  let wake: (() => void) | undefined;
  return {
    gone,
    send(frames: readonly Frame[]) {
      // Messages for a socket that is closing are dropped on purpose: its followers are ending.
      if (socket.readyState !== socket.OPEN || frames.length === 0) return true;
      for (let i = 0; i < frames.length - 1; i++) socket.send(textOf(frames[i] as Frame));
      const n = ++sent;
      socket.send(textOf(frames.at(-1) as Frame), () => {
        flushed = n;
        if (flushed === sent) wake?.();
      });
      return socket.bufferedAmount <= WS_HIGH_WATER_BYTES;
    },
    writable(signal) {
      if (flushed === sent || socket.bufferedAmount <= WS_HIGH_WATER_BYTES) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          wake = undefined;
          signal.removeEventListener('abort', done);
          gone.removeEventListener('abort', done);
          resolve();
        };
        wake = done;
        signal.addEventListener('abort', done, { once: true });
        gone.addEventListener('abort', done, { once: true });
        if (signal.aborted || gone.aborted) done();
      });
    },
    end() {},
    destroy() {
      socket.terminate();
    },
  };
}

function textOf(frame: Frame): string {
  return typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data);
}
