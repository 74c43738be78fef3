import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The server's connections on which the client has sent nothing yet. Node's `server.close()` waits for them
 * (they are neither serving a request nor idle after one), so one opened by a client's connection pool and
 * never used would hold a closing server open until its headers timeout. `destroy()`, called as the server
 * stops listening, ends them: nothing was received on them, so nothing is lost.
 */
export function trackSilentConnections(server: Server): { destroy(): void } {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('data', () => open.delete(socket));
    socket.once('close', () => open.delete(socket));
  });
  return {
    destroy() {
      for (const socket of open) if (socket.bytesRead === 0) socket.destroy();
      open.clear();
    },
  };
}
