import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, as it arrived. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * How the receiver answers one request: a status, a huge body, an answer that never comes, or
 * a body that trickles forever.
 */
export type ReceiverReply =
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'huge'; status: number; bytes: number }
  | { kind: 'hang' }
  | { kind: 'trickle' };

/**
 * A webhook receiver on 127.0.0.1 for tests: answers each request with the next scripted reply
 * (then with the fallback), records every request, and lets a test await the n-th one.
 */
export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  private readonly script: ReceiverReply[] = [];
  private fallback: ReceiverReply = { kind: 'status', status: 204 };
  private readonly waiters = new Set<{ count: number; resolve: () => void }>();
  private readonly open = new Set<ServerResponse>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver.requests.push({
          path: request.url ?? '/',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        receiver.reply(response, receiver.script.shift() ?? receiver.fallback);
        for (const waiter of receiver.waiters) {
          if (receiver.requests.length >= waiter.count) {
            receiver.waiters.delete(waiter);
            waiter.resolve();
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The next requests get these replies, in order. */
  willReply(...replies: ReceiverReply[]): this {
    this.script.push(...replies);
    return this;
  }

  /** Requests beyond the script get this reply. */
  otherwise(reply: ReceiverReply): this {
    this.fallback = reply;
    return this;
  }

  /** Resolves once `count` requests have arrived in all; rejects after `timeoutMs`. */
  async waitForRequests(count: number, timeoutMs = 15_000): Promise<ReceivedWebhook[]> {
    if (this.requests.length < count) {
      await new Promise<void>((resolve, reject) => {
        const waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new Error(
              `webhook receiver: ${count} request(s) not received within ${timeoutMs} ms (got ${this.requests.length})`,
            ),
          );
        }, timeoutMs);
        this.waiters.add(waiter);
      });
    }
    return this.requests.slice(0, count);
  }

  async close(): Promise<void> {
    for (const response of this.open) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private reply(response: ServerResponse, reply: ReceiverReply): void {
    switch (reply.kind) {
      case 'status':
        response.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body ?? '');
        return;
      case 'huge': {
        response.writeHead(reply.status, { 'content-type': 'text/plain', 'content-length': reply.bytes });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let left = reply.bytes;
        const pump = (): void => {
          while (left > 0) {
            const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
            left -= part.length;
            if (!response.write(part)) {
              response.once('drain', pump);
              return;
            }
          }
          response.end();
        };
        response.on('error', () => undefined);
        pump();
        return;
      }
      case 'hang':
        this.open.add(response);
        return;
      case 'trickle': {
        this.open.add(response);
        response.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => response.write('.'), 50);
        response.on('close', () => clearInterval(timer));
        return;
      }
      default: {
        const unknown: never = reply;
        throw new Error(`unknown reply ${JSON.stringify(unknown)}`);
      }
    }
  }
}
