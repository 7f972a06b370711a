import http from 'node:http';
import { ChangeSignal, within } from './wait.js';

/** One Server-Sent Events message as an EventSource would dispatch it. */
export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

export interface SseOpenOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** A refused stream: the status and body the server answered instead. */
export class SseRefused extends Error {
  constructor(
    readonly status: number,
    readonly contentType: string,
    readonly body: string,
  ) {
    super(`the event stream was refused with ${status}: ${body.slice(0, 200)}`);
  }
}

/**
 * A small `text/event-stream` client for tests: parses messages, comments and `retry:` as the
 * WHATWG EventSource parser does, keeps them all, and lets a test await the next one.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  retry?: number;
  readonly ended: Promise<void>;
  private buffer = '';
  private pending: Partial<SseMessage> & { dataLines: string[] } = { dataLines: [] };
  private readonly changes = new ChangeSignal();
  private isEnded = false;

  private constructor(
    private readonly request: http.ClientRequest,
    readonly response: http.IncomingMessage,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.feed(chunk));
    this.ended = new Promise((resolve) => {
      const done = () => {
        this.isEnded = true;
        this.changes.notify();
        resolve();
      };
      response.once('end', done);
      response.once('close', done);
      response.once('error', done);
    });
  }

  static open(url: string, options: SseOpenOptions = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = http.get(url, { headers: { accept: 'text/event-stream', ...options.headers } }, (response) => {
        if (response.statusCode !== 200) {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () =>
            reject(new SseRefused(response.statusCode ?? 0, String(response.headers['content-type'] ?? ''), body)),
          );
          return;
        }
        resolve(new SseClient(request, response));
      });
      request.setTimeout(options.timeoutMs ?? 10_000, () =>
        request.destroy(new Error('no answer to the stream request')),
      );
      request.on('error', reject);
    });
  }

  get closed(): boolean {
    return this.isEnded;
  }

  /** Messages of the given `event` type (default: all but none). */
  ofType(type: string): SseMessage[] {
    return this.messages.filter((message) => message.event === type);
  }

  /** Resolves with the first message, from index `from` on, that matches; fails after `timeoutMs`. */
  async waitFor(match: (message: SseMessage) => boolean, timeoutMs = 5_000, from = 0): Promise<SseMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      if (this.isEnded) throw new Error('the event stream ended before the expected message arrived');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching SSE message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await this.changes.next(left);
    }
  }

  /** Resolves once `count` messages have arrived. */
  async waitForCount(count: number, timeoutMs = 5_000): Promise<SseMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (this.isEnded) throw new Error(`the stream ended after ${this.messages.length} of ${count} messages`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.messages.length} of ${count} SSE messages within ${timeoutMs} ms`);
      await this.changes.next(left);
    }
    return this.messages.slice(0, count);
  }

  /** Resolves when the next heartbeat comment arrives. */
  async nextComment(timeoutMs = 5_000): Promise<string> {
    const before = this.comments.length;
    const deadline = Date.now() + timeoutMs;
    while (this.comments.length === before) {
      const left = deadline - Date.now();
      if (left <= 0 || this.isEnded) throw new Error('no comment arrived');
      await this.changes.next(left);
    }
    return this.comments[before]!;
  }

  /** Waits for the server to end the stream; fails after `timeoutMs`. */
  async waitForEnd(timeoutMs = 5_000): Promise<void> {
    await within(this.ended, timeoutMs, `the stream did not end within ${timeoutMs} ms`);
  }

  close(): void {
    this.request.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) !== -1) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + (this.buffer.startsWith('\r\n', newline) ? 2 : 1));
      this.line(line);
    }
    this.changes.notify();
  }

  private line(line: string): void {
    if (line === '') {
      const { dataLines, id, event } = this.pending;
      if (dataLines.length > 0) this.messages.push({ id, event: event ?? 'message', data: dataLines.join('\n') });
      this.pending = { dataLines: [] };
      return;
    }
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.pending.dataLines.push(value);
    else if (field === 'event') this.pending.event = value;
    else if (field === 'id') this.pending.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }
}
