import type { IncomingMessage, ServerResponse } from 'node:http';
import { isUuid } from '@groundwork/platform';
import {
  compareStreamIds,
  type CredentialEnd,
  type EncodedEvent,
  type LiveConnection,
  type RealtimeHub,
  type Resumption,
  type RevocationReason,
  type WorkspaceSubscriber,
} from '@groundwork/realtime';
import type { Principal } from '../http/auth/principal.js';

export interface SseStreamOptions {
  workspaceId: string;
  principal: Principal;
  /** The `Last-Event-ID` the client resumes after, if any. */
  lastEventId?: string;
  retryMs: number;
  /** Unsent bytes beyond which the client is a slow consumer and is cut (it resumes later). */
  maxBufferedBytes: number;
  /** Gives back the principal's connection slot; called once, when the stream ends. */
  release: () => void;
}

/**
 * One `text/event-stream` response: a workspace's events as SSE messages, heartbeat comments,
 * a `retry:` hint. A resuming client is first sent what it missed from the workspace's log;
 * events published meanwhile are held and sent after the replay, skipping what it already
 * contained (positions in the log order both), so nothing is missed or repeated.
 */
export class SseStream implements WorkspaceSubscriber, LiveConnection {
  readonly workspaceId: string;
  readonly principal: Principal;
  /** Live events held while the replay is read; undefined once live. */
  private pending: EncodedEvent[] | undefined;
  private lastStreamId: string | undefined;
  private closed = false;
  private readonly cleanup: (() => void)[] = [];

  constructor(
    private readonly hub: RealtimeHub,
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    private readonly options: SseStreamOptions,
  ) {
    this.workspaceId = options.workspaceId;
    this.principal = options.principal;
    this.cleanup.push(options.release);
  }

  async open(): Promise<void> {
    const { response } = this;
    response.statusCode = 200;
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    // no-transform: proxies must not compress or buffer the stream.
    response.setHeader('Cache-Control', 'private, no-cache, no-transform');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    this.request.socket.setNoDelay(true);
    this.request.socket.setKeepAlive(true);
    const untrack = this.hub.track(this, 'sse');
    if (!untrack) {
      this.end();
      return;
    }
    this.cleanup.push(untrack);
    response.once('close', () => this.close());
    this.write(`retry: ${this.options.retryMs}\n\n`);

    const resuming = this.options.lastEventId !== undefined;
    if (resuming) this.pending = [];
    // Subscribed before the log is read: whatever is published from now on is either in the
    // replay or held in `pending`.
    this.cleanup.push(this.hub.subscribe(this));
    if (this.options.lastEventId === undefined) return;
    let resumption: Resumption;
    try {
      // Anything but one of our event ids cannot be in the log: that is a resync too.
      resumption = isUuid(this.options.lastEventId)
        ? await this.hub.resume(this.workspaceId, this.options.lastEventId)
        : { kind: 'resync' };
    } catch {
      // The log is unreachable (Redis down): the client cannot know what it missed.
      resumption = { kind: 'resync' };
    }
    if (this.closed) return;
    if (resumption.kind === 'resync') {
      this.write(`event: resync\ndata: {"reason":"last_event_id_unknown"}\n\n`);
    } else {
      this.lastStreamId = resumption.position;
      for (const published of resumption.events) {
        this.lastStreamId = published.streamId;
        this.write(
          `id: ${published.event.id}\nevent: ${published.event.type}\ndata: ${JSON.stringify(published.event)}\n\n`,
        );
      }
    }
    const held = this.pending ?? [];
    this.pending = undefined;
    this.deliver(held);
  }

  deliver(events: readonly EncodedEvent[]): void {
    if (this.closed) return;
    if (this.pending) {
      this.pending.push(...events);
      return;
    }
    if (events.length === 0) return;
    if (this.lastStreamId === undefined) {
      // The common case: the same batch goes to every stream of the workspace as one shared
      // buffer, so each connection costs one write (one chunk), not one per event.
      this.write(sharedSseBatch(events));
      return;
    }
    // Just resumed: skip what the replay already sent.
    this.response.cork();
    for (const event of events) {
      if (this.lastStreamId !== undefined) {
        if (compareStreamIds(event.published.streamId, this.lastStreamId) <= 0) continue;
        this.lastStreamId = undefined;
      }
      this.write(event.sseFrame);
    }
    this.response.uncork();
  }

  revoke(reason: RevocationReason): void {
    if (this.closed) return;
    this.write(`event: revoked\ndata: {"reason":"${reason}"}\n\n`);
    this.end();
  }

  subscribers(): readonly WorkspaceSubscriber[] {
    return this.closed ? [] : [this];
  }

  credentialEnded(reason: CredentialEnd): void {
    this.revoke(reason);
  }

  /** Ended without `revoked`: the client reconnects (after `retry`) and is checked afresh. */
  unverifiable(): void {
    this.end();
  }

  heartbeat(): void {
    this.write(': heartbeat\n\n');
  }

  shutdown(): void {
    this.end();
  }

  private write(chunk: string | Buffer): void {
    if (this.closed) return;
    this.response.write(chunk);
    if (this.response.writableLength > this.options.maxBufferedBytes) {
      // A slow consumer: drop it rather than buffer without bound; it resumes with Last-Event-ID.
      this.close();
      this.response.destroy();
    }
  }

  private end(): void {
    if (this.closed) return;
    this.close();
    this.response.end();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = undefined;
    this.cleanup.splice(0).forEach((fn) => fn());
  }
}

/** The SSE frames of one batch, concatenated once per batch: the hub hands the same array to every stream. */
const batches = new WeakMap<readonly EncodedEvent[], Buffer>();
function sharedSseBatch(events: readonly EncodedEvent[]): Buffer {
  let buffer = batches.get(events);
  if (buffer === undefined) {
    buffer = events.length === 1 ? events[0]!.sseFrame : Buffer.concat(events.map((event) => event.sseFrame));
    batches.set(events, buffer);
  }
  return buffer;
}
