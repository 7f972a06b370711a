import type { Duplex } from 'node:stream';
import type { Logger } from '@nestjs/common';
import { type RawData, WebSocket } from 'ws';
import { isUuid } from '@groundwork/platform';
import {
  compareStreamIds,
  type CredentialEnd,
  type EncodedEvent,
  type LiveConnection,
  type PublishedEvent,
  type RealtimeHub,
  type Resumption,
  type RevocationReason,
  type WorkspaceSubscriber,
} from '@groundwork/realtime';
import type { Principal } from '../http/auth/principal.js';

/** Close codes (RFC 6455 §7.4.1). */
export const CLOSE = {
  policyViolation: 1008,
  serviceRestart: 1012,
  tryAgainLater: 1013,
} as const;

export interface SocketLimits {
  /** Unsent bytes beyond which the client is a slow consumer and is dropped. */
  maxBufferedBytes: number;
  /** Workspaces one connection may follow at once. */
  maxSubscriptions: number;
  /** Invalid messages per minute at which the connection is closed (1008); the last one closes it. */
  maxInvalidPerMinute: number;
  /** Messages a client may send per second, sustained… */
  messagesPerSecond: number;
  /** …and at once. A message beyond them is refused (`rate_limited`) and counts as invalid. */
  messageBurst: number;
}

type ClientMessage = {
  type: 'subscribe' | 'unsubscribe';
  workspaceId: string;
  projectId?: string;
  /** subscribe only: the id of the last event this client got; what it missed is replayed first. */
  lastEventId?: string;
};

const ALLOWED_FIELDS = new Set(['type', 'workspaceId', 'projectId', 'lastEventId']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One subscription of a socket to a workspace: all of it, or some of its projects. A client that
 * resumes (a reconnect after a restart, say) is first sent what it missed from the workspace's
 * log; live events published meanwhile are held and sent after the replay, skipping what the
 * replay already contained — as SSE streams do with `Last-Event-ID`.
 */
class SocketSubscription implements WorkspaceSubscriber {
  whole = false;
  readonly projects = new Set<string>();
  remove: () => void = () => undefined;
  /** Live events held while the replay is read; undefined once live. */
  private pending: EncodedEvent[] | undefined;
  /** The log position of the last replayed event: live events up to it were sent already. */
  private lastStreamId: string | undefined;

  constructor(
    private readonly session: SocketSession,
    readonly workspaceId: string,
    readonly principal: Principal,
    private readonly hub: RealtimeHub,
  ) {}

  /** Before subscribing to the hub: hold live events until `replay` has sent the missed ones. */
  holdForReplay(): void {
    this.pending = [];
  }

  async replay(lastEventId: string): Promise<void> {
    let resumption: Resumption;
    try {
      // Anything but one of our event ids cannot be in the log: that is a resync too.
      resumption = isUuid(lastEventId) ? await this.hub.resume(this.workspaceId, lastEventId) : { kind: 'resync' };
    } catch {
      // The log is unreachable (Redis down): the client cannot know what it missed.
      resumption = { kind: 'resync' };
    }
    if (resumption.kind === 'resync') {
      this.session.send(
        JSON.stringify({ type: 'resync', workspaceId: this.workspaceId, reason: 'last_event_id_unknown' }),
      );
    } else {
      this.lastStreamId = resumption.position;
      const missed = resumption.events.filter((published) => this.wants(published));
      this.session.sendAll(
        missed.map((published) => Buffer.from(JSON.stringify({ type: 'event', event: published.event }))),
      );
      this.lastStreamId = resumption.events.at(-1)?.streamId ?? resumption.position;
    }
    const held = this.pending ?? [];
    this.pending = undefined;
    this.deliver(held);
  }

  deliver(events: readonly EncodedEvent[]): void {
    if (this.pending) {
      this.pending.push(...events);
      return;
    }
    let wanted = events.filter((event) => this.wants(event.published));
    if (this.lastStreamId !== undefined) {
      const after = this.lastStreamId;
      wanted = wanted.filter((event) => compareStreamIds(event.published.streamId, after) > 0);
      if (events.some((event) => compareStreamIds(event.published.streamId, after) > 0)) this.lastStreamId = undefined;
    }
    this.session.sendAll(wanted.map((event) => event.wsMessage));
  }

  private wants(published: PublishedEvent): boolean {
    if (this.whole) return true;
    // Only events that name a project can match a project filter (task.created, project.*).
    const projectId = published.event.data.projectId;
    return typeof projectId === 'string' && this.projects.has(projectId);
  }

  revoke(reason: RevocationReason): void {
    this.session.revoked(this, reason);
  }
}

/**
 * One WebSocket client: its JSON protocol (subscribe / unsubscribe; subscribed, unsubscribed,
 * event, error), its subscriptions, liveness (ping, terminate on a missing pong), and the
 * limits that keep one client from hurting the process: bounded send buffer, bounded message rate, bounded
 * subscriptions, and a disconnect for a client that keeps sending invalid messages.
 */
export class SocketSession implements LiveConnection {
  private readonly subscriptions = new Map<string, SocketSubscription>();
  private readonly invalidAt: number[] = [];
  /** Token bucket of the message rate: tokens left, and when they were last topped up. */
  private tokens: number;
  private toppedUpAt = Date.now();
  private alive = true;
  private closed = false;
  private untrack: () => void = () => undefined;

  constructor(
    private readonly socket: WebSocket,
    /** The TCP socket under `socket`: corked around a batch, so several messages leave in one write. */
    private readonly transport: Duplex,
    readonly principal: Principal,
    private readonly hub: RealtimeHub,
    private readonly limits: SocketLimits,
    private readonly logger: Logger,
    /** Gives back the principal's connection slot; called once, when the socket closes. */
    private readonly release: () => void,
  ) {
    this.tokens = limits.messageBurst;
  }

  start(): void {
    const untrack = this.hub.track(this, 'ws');
    if (!untrack) {
      this.closeNow(CLOSE.serviceRestart, 'server restarting');
      return;
    }
    this.untrack = untrack;
    this.socket.on('message', (data: RawData, isBinary: boolean) => {
      this.onMessage(data, isBinary).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'a WebSocket message failed');
        this.error('internal_error', 'The message could not be handled; try again.');
      });
    });
    this.socket.on('pong', () => (this.alive = true));
    // Oversized frames (maxPayload), bad UTF-8, protocol errors: ws closes the socket itself.
    this.socket.on('error', (error: Error) => this.logger.debug({ err: error }, 'WebSocket error'));
    this.socket.on('close', () => this.close());
  }

  /** Sends a text message (a Buffer holds its UTF-8 bytes, shared between connections). */
  send(text: string | Buffer): void {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.closeNow(CLOSE.tryAgainLater, 'slow consumer');
      return;
    }
    this.socket.send(text, { binary: false });
  }

  /** Sends several text messages with one socket write. */
  sendAll(messages: readonly Buffer[]): void {
    if (messages.length === 0) return;
    this.transport.cork();
    try {
      for (const message of messages) this.send(message);
    } finally {
      this.transport.uncork();
    }
  }

  revoked(subscription: SocketSubscription, reason: RevocationReason): void {
    if (this.subscriptions.get(subscription.workspaceId) !== subscription) return;
    this.subscriptions.delete(subscription.workspaceId);
    subscription.remove();
    this.send(JSON.stringify({ type: 'unsubscribed', workspaceId: subscription.workspaceId, reason }));
  }

  subscribers(): readonly SocketSubscription[] {
    return [...this.subscriptions.values()];
  }

  credentialEnded(reason: CredentialEnd): void {
    this.closeNow(CLOSE.policyViolation, reason === 'session_ended' ? 'session ended' : 'api key revoked or expired');
  }

  /** 1013: the client reconnects later and is checked afresh. */
  unverifiable(): void {
    this.closeNow(CLOSE.tryAgainLater, 'access could not be checked');
  }

  heartbeat(): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  shutdown(): void {
    this.closeNow(CLOSE.serviceRestart, 'server restarting');
  }

  private async onMessage(data: RawData, isBinary: boolean): Promise<void> {
    if (this.closed) return;
    if (!this.takeToken()) {
      return this.invalid('rate_limited', `At most ${this.limits.messagesPerSecond} messages a second.`);
    }
    if (isBinary) return this.invalid('invalid_message', 'Messages are JSON text frames.');
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return this.invalid('invalid_json', 'The message is not valid JSON.');
    }
    const parsed = this.parse(message);
    if (typeof parsed === 'string')
      return this.invalid(
        parsed === 'unknown' ? 'unknown_type' : 'invalid_message',
        parsed === 'unknown' ? 'Known message types: subscribe, unsubscribe.' : parsed,
      );
    if (parsed.type === 'subscribe') await this.subscribe(parsed.workspaceId, parsed.projectId, parsed.lastEventId);
    else this.unsubscribe(parsed.workspaceId, parsed.projectId);
  }

  /** The message, or what is wrong with it ('unknown' for a type we do not know). */
  private parse(message: unknown): ClientMessage | string {
    if (!isRecord(message) || typeof message.type !== 'string') {
      return 'A message is a JSON object with a "type".';
    }
    if (message.type !== 'subscribe' && message.type !== 'unsubscribe') return 'unknown';
    const unknownField = Object.keys(message).find((key) => !ALLOWED_FIELDS.has(key));
    if (unknownField !== undefined) return `Unknown field "${unknownField.slice(0, 64)}".`;
    if (typeof message.workspaceId !== 'string' || !isUuid(message.workspaceId)) {
      return '"workspaceId" must be a UUID.';
    }
    if (message.projectId !== undefined && (typeof message.projectId !== 'string' || !isUuid(message.projectId))) {
      return '"projectId" must be a UUID when given.';
    }
    if (
      message.lastEventId !== undefined &&
      (message.type !== 'subscribe' || typeof message.lastEventId !== 'string' || message.lastEventId.length > 64)
    ) {
      return '"lastEventId" is a string of at most 64 characters, on subscribe only.';
    }
    return {
      type: message.type,
      workspaceId: message.workspaceId,
      ...(message.projectId === undefined ? {} : { projectId: message.projectId }),
      ...(message.lastEventId === undefined ? {} : { lastEventId: message.lastEventId }),
    };
  }

  private async subscribe(
    workspaceId: string,
    projectId: string | undefined,
    lastEventId: string | undefined,
  ): Promise<void> {
    if (!this.subscriptions.has(workspaceId) && this.subscriptions.size >= this.limits.maxSubscriptions) {
      return this.error('too_many_subscriptions', `At most ${this.limits.maxSubscriptions} workspaces per connection.`);
    }
    if (!(await this.hub.maySee(this.principal, workspaceId))) {
      // Counted like any invalid message: probing for workspaces ends the connection.
      return this.invalid('not_found', 'The workspace does not exist or you are not a member of it.', { workspaceId });
    }
    if (this.closed) return;
    let subscription = this.subscriptions.get(workspaceId);
    // Only a new subscription resumes: an existing one has missed nothing.
    const resume = subscription === undefined && lastEventId !== undefined;
    if (!subscription) {
      subscription = new SocketSubscription(this, workspaceId, this.principal, this.hub);
      this.subscriptions.set(workspaceId, subscription);
      // Held from before the hub subscription: whatever is published from now on is either in
      // the replay or held.
      if (resume) subscription.holdForReplay();
      subscription.remove = this.hub.subscribe(subscription);
    }
    if (projectId === undefined) subscription.whole = true;
    else subscription.projects.add(projectId);
    this.send(JSON.stringify({ type: 'subscribed', workspaceId, ...(projectId === undefined ? {} : { projectId }) }));
    if (resume && lastEventId !== undefined) await subscription.replay(lastEventId);
  }

  private unsubscribe(workspaceId: string, projectId: string | undefined): void {
    const subscription = this.subscriptions.get(workspaceId);
    if (subscription && projectId !== undefined) subscription.projects.delete(projectId);
    if (subscription && (projectId === undefined || (!subscription.whole && subscription.projects.size === 0))) {
      this.subscriptions.delete(workspaceId);
      subscription.remove();
    }
    this.send(JSON.stringify({ type: 'unsubscribed', workspaceId, ...(projectId === undefined ? {} : { projectId }) }));
  }

  /** One message of the client's rate: false when there is none left (the bucket refills continuously). */
  private takeToken(): boolean {
    const now = Date.now();
    const { messagesPerSecond, messageBurst } = this.limits;
    this.tokens = Math.min(messageBurst, this.tokens + ((now - this.toppedUpAt) / 1000) * messagesPerSecond);
    this.toppedUpAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private invalid(code: string, message: string, extra: Record<string, unknown> = {}): void {
    if (this.closed) return;
    const now = Date.now();
    while (this.invalidAt.length > 0 && (this.invalidAt[0] ?? 0) <= now - 60_000) this.invalidAt.shift();
    this.invalidAt.push(now);
    this.error(code, message, extra);
    if (this.invalidAt.length >= this.limits.maxInvalidPerMinute) {
      this.closeNow(CLOSE.policyViolation, 'too many invalid messages');
    }
  }

  private error(code: string, message: string, extra: Record<string, unknown> = {}): void {
    this.send(JSON.stringify({ type: 'error', code, message, ...extra }));
  }

  /** Sends a close frame, and cuts the connection if the client does not finish the handshake soon. */
  private closeNow(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
    this.close();
    setTimeout(() => this.socket.terminate(), 1000).unref();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.untrack();
    this.release();
    for (const subscription of this.subscriptions.values()) subscription.remove();
    this.subscriptions.clear();
  }
}
