import net from 'node:net';

export interface CuttingProxy {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Connections cut before the server had sent everything. */
  cuts: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 that cuts each HTTP connection after `budget(n)` bytes of the server's response
 * body (n counts connections from 1), in the middle of whatever it was sending; `Infinity` lets a connection through whole.
 * `refuse(n)` closes a connection as soon as it is accepted, as a server that is down would.
 */
export async function startCuttingProxy(
  target: string,
  budget: (connection: number) => number,
  refuse: (connection: number) => boolean = () => false,
): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, cuts: 0 };
  const server = net.createServer((client) => {
    const n = ++state.connections;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (refuse(n)) {
      client.destroy();
      return;
    }
    const limit = budget(n);
    const upstream = net.connect(Number(port), hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    // Counted from the end of the response headers, so every cut falls inside the event stream.
    let head: Buffer | null = Buffer.alloc(0);
    let sent = 0;
    upstream.on('data', (data: Buffer) => {
      let chunk = data;
      if (head) {
        head = Buffer.concat([head, data]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        client.write(head.subarray(0, end + 4));
        chunk = head.subarray(end + 4);
        head = null;
      }
      const room = limit - sent;
      sent += chunk.length;
      if (room <= 0) return;
      client.write(chunk.subarray(0, room));
      if (sent >= limit) {
        state.cuts++;
        client.destroy();
        upstream.destroy();
      }
    });
    upstream.on('end', () => client.end());
    client.on('data', (chunk) => upstream.write(chunk));
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get connections() {
      return state.connections;
    },
    get cuts() {
      return state.cuts;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
