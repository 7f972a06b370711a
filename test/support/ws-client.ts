import WebSocket from 'ws';
import { ChangeSignal, within } from './wait.js';

export type WsMessage = Record<string, unknown> & { type?: string };

export interface WsConnectOptions {
  protocols?: string[];
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** What the server answered to a refused upgrade (the handshake never completed). */
export interface WsRefusal {
  status: number;
  contentType: string;
  body: string;
}

/**
 * A small WebSocket client for tests: JSON messages kept in order, awaitable; the close code
 * and reason awaitable; refused upgrades reported with their HTTP status.
 */
export class WsClient {
  readonly messages: WsMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly changes = new ChangeSignal();
  private isClosed = false;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      try {
        this.messages.push(JSON.parse(data.toString()) as WsMessage);
      } catch {
        this.messages.push({ type: '(unparseable)', raw: isBinary ? '<binary>' : data.toString() });
      }
      this.changes.notify();
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        this.isClosed = true;
        this.changes.notify();
        resolve({ code, reason: reason.toString() });
      }),
    );
    socket.on('error', () => undefined);
  }

  /** Opens a connection; fails (with the refusal) if the upgrade is refused. */
  static async connect(url: string, options: WsConnectOptions = {}): Promise<WsClient> {
    const outcome = await WsClient.attempt(url, options);
    if ('status' in outcome) throw new Error(`the upgrade was refused with ${outcome.status}: ${outcome.body}`);
    return outcome;
  }

  /** Attempts an upgrade that should be refused: resolves with the HTTP answer (fails if it opened). */
  static async refusal(url: string, options: WsConnectOptions = {}): Promise<WsRefusal> {
    const outcome = await WsClient.attempt(url, options);
    if (!('status' in outcome)) {
      outcome.socket.terminate();
      throw new Error('the upgrade was accepted');
    }
    return outcome;
  }

  private static attempt(url: string, options: WsConnectOptions): Promise<WsClient | WsRefusal> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options.protocols ?? [], {
        headers: options.headers,
        handshakeTimeout: options.timeoutMs ?? 10_000,
      });
      const client = new WsClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            body,
          }),
        );
      });
      socket.once('error', reject);
    });
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  get isOpen(): boolean {
    return !this.isClosed && this.socket.readyState === WebSocket.OPEN;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with the first message, from index `from` on, that matches; fails after `timeoutMs`. */
  async waitFor(match: (message: WsMessage) => boolean, timeoutMs = 5_000, from = 0): Promise<WsMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      if (this.isClosed)
        throw new Error(`the socket closed before the expected message; got ${JSON.stringify(this.messages)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await this.changes.next(left);
    }
  }

  /** Sends a message and resolves with the next message of `type` the server answers. */
  async request(message: unknown, type: string, timeoutMs = 5_000): Promise<WsMessage> {
    const from = this.messages.length;
    this.send(message);
    return this.waitFor((m) => m.type === type || m.type === 'error', timeoutMs, from);
  }

  /** Waits for the server to close; fails after `timeoutMs`. */
  async waitForClose(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return within(this.closed, timeoutMs, `the socket did not close within ${timeoutMs} ms`);
  }

  close(): void {
    this.socket.terminate();
  }
}
