import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './app-process.js';

/**
 * A TCP forwarder on 127.0.0.1 that a test can cut and restore, to play a dependency (PostgreSQL)
 * going away and coming back. Closed, it refuses new connections and destroys the open ones.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
    private readonly targetHost: string,
  ) {}

  /** A proxy on a free port; `open: false` starts it closed (the dependency is down). */
  static async create(targetPort: number, options: { open?: boolean; targetHost?: string } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), targetPort, options.targetHost ?? '127.0.0.1');
    if (options.open ?? true) await proxy.open();
    return proxy;
  }

  get isOpen(): boolean {
    return this.server !== undefined;
  }

  /** Starts accepting again, on the same port. */
  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** Stops listening (new connections are refused) and destroys every forwarded connection. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  private forward(client: Socket): void {
    const upstream = connect(this.targetPort, this.targetHost);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      // Either side failing ends both: the peer sees the connection drop, as with a real outage.
      socket.once('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
