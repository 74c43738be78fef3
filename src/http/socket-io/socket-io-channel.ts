import type { Socket } from 'socket.io';
import type { Frame } from '../../formats/index.js';
import type { FrameChannel } from '../delivery/frame-channel.js';

/**
 * A Socket.IO socket as a run's channel: each frame an emit of its event with its payload. The engine's
 * transport says when it takes more: `writable` once its last packets were written out, `ready` when it
 * becomes writable again; an upgrade (polling → WebSocket) swaps the transport, so a waiting follower looks
 * at the new one. The socket stays open after a run: its client sends the next message on it.
 */
export function socketIoChannel(socket: Socket, gone: AbortSignal): FrameChannel {
  const conn = socket.conn;
  return {
    gone,
    send(frames: readonly Frame[]) {
      // Emits to a disconnected socket are dropped by Socket.IO; its follower is ending.
      for (const frame of frames) if (frame.event) socket.emit(frame.event, frame.data);
      return conn.transport.writable;
    },
    writable(signal) {
      return new Promise((resolve) => {
        let transport = conn.transport;
        const check = () => {
          if (conn.transport.writable || signal.aborted || gone.aborted) {
            transport.off('ready', check);
            conn.off('upgrade', check);
            signal.removeEventListener('abort', check);
            gone.removeEventListener('abort', check);
            resolve();
          } else if (conn.transport !== transport) {
            transport.off('ready', check);
            transport = conn.transport;
            transport.on('ready', check);
          }
        };
        transport.on('ready', check);
        conn.on('upgrade', check);
        signal.addEventListener('abort', check);
        gone.addEventListener('abort', check);
        check();
      });
    },
    end() {},
    destroy() {
      socket.disconnect(true);
    },
  };
}
