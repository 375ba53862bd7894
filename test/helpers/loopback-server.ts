import net from 'node:net';

/** A test server on 127.0.0.1 and the way to end it. */
export interface LoopbackServer {
  readonly port: number;
  /** Stops listening and cuts every connection it accepted (a closed listener alone would leave them). */
  close(): Promise<void>;
}

/**
 * Listens on a free loopback port and hands each accepted socket to `onSocket`; a socket error is the
 * test's business only through what `onSocket` listens to, so it never crashes the run.
 */
export async function loopbackServer(onSocket: (socket: net.Socket) => void): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
