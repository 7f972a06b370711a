import { randomUUID } from 'node:crypto';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import { AppConfig, HttpDrainService, MetricsService, RedisService } from '@groundwork/platform';
import { SessionsService } from '@groundwork/identity';
import { ApiKeyAuthenticator, roleAllows, WorkspaceAccess, type WorkspaceRole } from '@groundwork/workspaces';
import { type PublishedEvent, parsePublishedEvent } from '../realtime-event.js';
import { RealtimeEventLog, type Resumption } from '../realtime-event-log.js';
import { RealtimeKeys } from '../realtime-keys.js';
import { ConnectionSlots } from './connection-slots.js';

/**
 * Who receives events: a signed-in user or a workspace API key with its role (both checked
 * again while connected). The api's principals are of this shape.
 */
export type RealtimeViewer =
  | { readonly kind: 'user'; readonly userId: string; readonly sessionId: string }
  | { readonly kind: 'api_key'; readonly apiKeyId: string; readonly workspaceId: string; readonly role: WorkspaceRole };

/** The credential behind a connection stopped being valid. */
export type CredentialEnd = 'session_ended' | 'api_key_ended';

/** Why a subscription ended from the server's side. */
export type RevocationReason = 'membership_ended' | 'workspace_deleted' | CredentialEnd;

/** Consecutive failed re-checks (database unreachable, say) after which a connection is ended. */
export const MAX_FAILED_CHECKS = 3;

/** The key that names a principal in the connection cap (and in rate limits). */
export function viewerKey(viewer: RealtimeViewer): string {
  return viewer.kind === 'user' ? `user:${viewer.userId}` : `key:${viewer.apiKeyId}`;
}

/**
 * One event, encoded once per instance for every connection that receives it: the frames are
 * Buffers, so thousands of sockets write the same bytes without converting a string each.
 */
export class EncodedEvent {
  private json?: string;
  private sse?: Buffer;
  private ws?: Buffer;

  constructor(readonly published: PublishedEvent) {}

  get eventJson(): string {
    return (this.json ??= JSON.stringify(this.published.event));
  }

  /** An SSE message: `id`, `event` and one `data` line (JSON has no raw newlines). */
  get sseFrame(): Buffer {
    const { id, type } = this.published.event;
    return (this.sse ??= Buffer.from(`id: ${id}\nevent: ${type}\ndata: ${this.eventJson}\n\n`));
  }

  get wsMessage(): Buffer {
    return (this.ws ??= Buffer.from(`{"type":"event","event":${this.eventJson}}`));
  }
}

/** Events that change who may see a workspace's events. */
const ACCESS_CHANGES = new Set(['member.removed', 'member.role_changed', 'workspace.deleted']);

/** A local consumer of one workspace's events: an SSE stream, or one WebSocket subscription. */
export interface WorkspaceSubscriber {
  readonly workspaceId: string;
  readonly principal: RealtimeViewer;
  /** Events of this workspace, in publish order (several when they arrived together). */
  deliver(events: readonly EncodedEvent[]): void;
  /** The caller may no longer see the workspace: stop at once. */
  revoke(reason: RevocationReason): void;
}

/** A long-lived connection the hub keeps alive (heartbeats, pings), re-checks, and ends on drain. */
export interface LiveConnection {
  readonly principal: RealtimeViewer;
  /** The workspaces it follows now (re-checked for membership). */
  subscribers(): readonly WorkspaceSubscriber[];
  /**
   * The caller's credential ended (logout, password reset, token reuse; a revoked or expired
   * API key, or one whose creator left): end the connection.
   */
  credentialEnded(reason: CredentialEnd): void;
  /** Its credential could not be checked several times in a row: end it; the client reconnects. */
  unverifiable(): void;
  /** Called every heartbeat interval (SSE comment, WebSocket ping). */
  heartbeat(): void;
  /** The process is shutting down: end with a reconnect hint. */
  shutdown(): void;
}

/**
 * The instance's real-time switchboard. ONE Redis subscriber connection receives every
 * published event of the deployment; the hub hands each to the local subscribers of its
 * workspace, encoded once. Events that arrive while the loop is busy are handed over together
 * (one batch per turn of the event loop), so under load a connection gets one socket write for
 * several events instead of one each. Membership changes carried by the events themselves
 * (`member.removed`, `member.role_changed`, `workspace.deleted`) end the affected
 * subscriptions before anything else is delivered. On drain every connection is ended with a
 * reconnect hint, so open streams do not hold the server open.
 */
@Injectable()
export class RealtimeHub implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeHub.name);
  private readonly keys: RealtimeKeys;
  private readonly subscribers = new Map<string, Set<WorkspaceSubscriber>>();
  private readonly connections = new Map<LiveConnection, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private subscriber?: Redis;
  private reader?: Redis;
  private log?: RealtimeEventLog;
  private readonly slots: ConnectionSlots;
  /** Connections whose last re-checks failed, and how many in a row. */
  private readonly failedChecks = new Map<LiveConnection, number>();
  private draining = false;
  private checking = false;
  /** Events received in this turn of the event loop, delivered together on the next. */
  private batch: PublishedEvent[] = [];
  private flushScheduled = false;

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly access: WorkspaceAccess,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeyAuthenticator,
    drain: HttpDrainService,
    metrics?: MetricsService,
  ) {
    this.keys = new RealtimeKeys(config.redis.keyPrefix);
    const { maxConnectionsPerPrincipal, sessionCheckMs } = config.realtime;
    // A lease outlives several renewals, so a slow check never frees a live connection's slot.
    const leaseMs = Math.max(30_000, sessionCheckMs * 6);
    this.slots = new ConnectionSlots(() => this.reader, this.keys, maxConnectionsPerPrincipal, leaseMs);
    drain.onDrain(() => this.shutdownConnections());
    if (metrics) this.registerConnectionGauge(metrics);
  }

  /** groundwork_realtime_connections{transport}: counted when scraped, from the live set. */
  private registerConnectionGauge(metrics: MetricsService): void {
    const connections = this.connections;
    new Gauge({
      name: 'groundwork_realtime_connections',
      help: 'Open real-time connections on this instance by transport (sse, websocket)',
      labelNames: ['transport'],
      registers: [metrics.registry],
      collect() {
        let sse = 0;
        for (const kind of connections.values()) if (kind === 0) sse += 1;
        this.set({ transport: 'sse' }, sse);
        this.set({ transport: 'websocket' }, connections.size - sse);
      },
    });
  }

  onApplicationBootstrap(): void {
    // Both without the client-side key prefix: the real-time keys carry the prefix themselves.
    this.subscriber = this.redis.duplicate({ connectionName: `groundwork-${this.config.service}-realtime-sub` });
    this.reader = this.redis.duplicate({
      connectionName: `groundwork-${this.config.service}-realtime`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    this.log = new RealtimeEventLog(this.reader, this.keys);
    for (const connection of [this.subscriber, this.reader]) {
      connection.on('error', (error: Error) => this.logger.debug({ err: error }, 'real-time redis connection error'));
    }
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message));
    // Events published while the feed was down never arrive here (pub/sub keeps nothing). They
    // are in the workspaces' logs: once the feed is back, every connection is ended with a
    // reconnect hint, and the clients resume from the log after their last event.
    let feedLost = false;
    this.subscriber.on('close', () => (feedLost = !this.draining));
    this.subscriber.on('ready', () => {
      if (!feedLost) return;
      feedLost = false;
      this.endConnections('the real-time feed reconnected: clients resume from the event log');
    });
    // Not awaited: a Redis outage must not keep the api from starting (ioredis resubscribes).
    this.subscriber.subscribe(this.keys.channel).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not subscribe to the real-time channel yet');
    });
    const { heartbeatMs, wsPingMs, sessionCheckMs } = this.config.realtime;
    this.timers.push(setInterval(() => this.beat('sse'), heartbeatMs).unref());
    this.timers.push(setInterval(() => this.beat('ws'), wsPingMs).unref());
    this.timers.push(setInterval(() => void this.checkConnections(), sessionCheckMs).unref());
    // On its own timer: a check round held up by an unreachable database must not let leases lapse.
    this.timers.push(setInterval(() => void this.slots.renew(), sessionCheckMs).unref());
  }

  /** Registers a local subscriber; returns how to remove it. */
  subscribe(subscriber: WorkspaceSubscriber): () => void {
    let set = this.subscribers.get(subscriber.workspaceId);
    if (!set) this.subscribers.set(subscriber.workspaceId, (set = new Set()));
    set.add(subscriber);
    return () => {
      const current = this.subscribers.get(subscriber.workspaceId);
      if (!current?.delete(subscriber)) return;
      if (current.size === 0) this.subscribers.delete(subscriber.workspaceId);
    };
  }

  /**
   * Tracks a long-lived connection for heartbeats and drain; returns how to forget it.
   * Refused (false) once the instance is draining: the caller ends the connection instead.
   */
  track(connection: LiveConnection, kind: 'sse' | 'ws'): (() => void) | false {
    if (this.draining) return false;
    this.connections.set(connection, kind === 'sse' ? 0 : 1);
    return () => {
      this.connections.delete(connection);
      this.failedChecks.delete(connection);
    };
  }

  /**
   * Takes one of the principal's connection slots (`REALTIME_MAX_CONNECTIONS_PER_PRINCIPAL`,
   * SSE and WebSocket together, across the deployment): how to give it back, or undefined when
   * the principal holds them all.
   */
  async reserveConnection(principal: RealtimeViewer): Promise<(() => void) | undefined> {
    const slotId = randomUUID();
    if ((await this.slots.acquire(viewerKey(principal), slotId)) === 'full') return undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.slots.release(slotId);
    };
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** What a client resuming after `lastEventId` missed (SSE `Last-Event-ID`). */
  async resume(workspaceId: string, lastEventId: string): Promise<Resumption> {
    if (!this.log) throw new Error('the real-time hub has not started');
    return this.log.since(workspaceId, lastEventId);
  }

  /** Whether the principal may (still) receive the workspace's events. */
  async maySee(principal: RealtimeViewer, workspaceId: string): Promise<boolean> {
    const role =
      principal.kind === 'user'
        ? await this.access.roleOf(workspaceId, principal.userId)
        : principal.workspaceId === workspaceId
          ? principal.role
          : undefined;
    return role !== undefined && roleAllows(role, 'events:read');
  }

  /** Counts for logs, tests and the benchmark: local connections, subscriptions, connections whose last check failed. */
  stats(): { connections: number; subscriptions: number; failingConnections: number } {
    let subscriptions = 0;
    for (const set of this.subscribers.values()) subscriptions += set.size;
    return { connections: this.connections.size, subscriptions, failingConnections: this.failedChecks.size };
  }

  /** A message of the real-time channel: queued for delivery at the end of the flush window. */
  receive(message: string): void {
    const published = parsePublishedEvent(message);
    if (!published) {
      this.logger.warn('ignored a malformed real-time message');
      return;
    }
    if (!this.subscribers.has(published.event.workspaceId)) return;
    this.batch.push(published);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // A short window turns N events into one write per connection: under a burst the
      // syscalls, not the events, are what a fan-out to thousands of connections pays for.
      const { flushIntervalMs } = this.config.realtime;
      if (flushIntervalMs === 0) setImmediate(() => this.flush());
      else setTimeout(() => this.flush(), flushIntervalMs);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.batch;
    this.batch = [];
    const byWorkspace = new Map<string, PublishedEvent[]>();
    for (const published of batch) {
      const list = byWorkspace.get(published.event.workspaceId);
      if (list) list.push(published);
      else byWorkspace.set(published.event.workspaceId, [published]);
    }
    for (const [workspaceId, events] of byWorkspace) {
      let segment: EncodedEvent[] = [];
      for (const published of events) {
        if (ACCESS_CHANGES.has(published.event.type)) {
          // What came before the change still reaches everyone; what follows, only those left.
          this.deliver(workspaceId, segment);
          segment = [];
          const local = this.subscribers.get(workspaceId);
          if (local) this.applyAccessChange(published, local);
        }
        segment.push(new EncodedEvent(published));
      }
      this.deliver(workspaceId, segment);
    }
  }

  private deliver(workspaceId: string, events: EncodedEvent[]): void {
    const local = this.subscribers.get(workspaceId);
    if (!local || events.length === 0) return;
    for (const subscriber of [...local]) {
      try {
        subscriber.deliver(events);
      } catch (error) {
        this.logger.warn({ err: error }, 'a real-time subscriber failed to take an event');
      }
    }
  }

  /** Ends the subscriptions an access change takes away, before the event itself is delivered. */
  private applyAccessChange({ event }: PublishedEvent, local: Set<WorkspaceSubscriber>): void {
    const userId = typeof event.data.userId === 'string' ? event.data.userId : undefined;
    switch (event.type) {
      case 'workspace.deleted':
        for (const subscriber of [...local]) subscriber.revoke('workspace_deleted');
        return;
      case 'member.removed':
        for (const subscriber of [...local]) {
          if (subscriber.principal.kind === 'user' && subscriber.principal.userId === userId) {
            subscriber.revoke('membership_ended');
          }
        }
        return;
      case 'member.role_changed':
        // Every role may read events today; asking again keeps this right if that changes.
        for (const subscriber of [...local]) {
          if (subscriber.principal.kind !== 'user' || subscriber.principal.userId !== userId) continue;
          void this.maySee(subscriber.principal, event.workspaceId).then(
            (allowed) => allowed || subscriber.revoke('membership_ended'),
            () => undefined,
          );
        }
        return;
      default:
        return;
    }
  }

  private beat(kind: 'sse' | 'ws'): void {
    const wanted = kind === 'sse' ? 0 : 1;
    for (const [connection, type] of this.connections) {
      if (type !== wanted) continue;
      try {
        connection.heartbeat();
      } catch (error) {
        this.logger.debug({ err: error }, 'heartbeat failed');
      }
    }
  }

  /**
   * A request's credential is checked on every request; a stream's only at its start, and the
   * events that announce a lost membership can be lost themselves. So every
   * `REALTIME_SESSION_CHECK_MS` each open connection is checked again — its session or API key
   * (revoked, expired, creator gone), and its membership of every workspace it follows — and
   * what no longer holds is ended. Each distinct session, key and membership is looked up once
   * per round. A lookup that fails is not an answer: after `MAX_FAILED_CHECKS` failed rounds
   * in a row the connection is ended (the client reconnects and is checked afresh), so one
   * blip drops nothing but an outage does not leave streams running unchecked.
   */
  private async checkConnections(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const lookups = new Map<string, Promise<unknown>>();
      const once = <T>(key: string, lookup: () => Promise<T>): Promise<T> => {
        let pending = lookups.get(key) as Promise<T> | undefined;
        if (!pending) lookups.set(key, (pending = lookup()));
        return pending;
      };
      let ended = 0;
      let lastError: unknown;
      await Promise.all(
        [...this.connections.keys()].map(async (connection) => {
          try {
            await this.check(connection, once);
            this.failedChecks.delete(connection);
          } catch (error) {
            const failures = (this.failedChecks.get(connection) ?? 0) + 1;
            if (failures < MAX_FAILED_CHECKS) {
              this.failedChecks.set(connection, failures);
              return;
            }
            this.failedChecks.delete(connection);
            ended += 1;
            lastError = error;
            connection.unverifiable();
          }
        }),
      );
      // One line per round, not one per connection: an outage would otherwise log thousands.
      if (ended > 0) {
        this.logger.warn(
          { err: lastError, connections: ended },
          `ended real-time connections whose access failed ${MAX_FAILED_CHECKS} checks in a row`,
        );
      }
    } finally {
      this.checking = false;
    }
  }

  private async check(
    connection: LiveConnection,
    once: <T>(key: string, lookup: () => Promise<T>) => Promise<T>,
  ): Promise<void> {
    const { principal } = connection;
    if (principal.kind === 'api_key') {
      const role = await once(`key ${principal.apiKeyId}`, () => this.apiKeys.currentRole(principal.apiKeyId));
      if (role === undefined) return connection.credentialEnded('api_key_ended');
      if (!roleAllows(role, 'events:read'))
        for (const subscriber of connection.subscribers()) subscriber.revoke('membership_ended');
      return;
    }
    const { sessionId, userId } = principal;
    if (!(await once(`session ${sessionId} ${userId}`, () => this.sessions.isActiveFor(sessionId, userId)))) {
      return connection.credentialEnded('session_ended');
    }
    for (const subscriber of connection.subscribers()) {
      const { workspaceId } = subscriber;
      const allowed = await once(`member ${workspaceId} ${userId}`, () => this.maySee(principal, workspaceId));
      if (!allowed) subscriber.revoke('membership_ended');
    }
  }

  private shutdownConnections(): void {
    this.draining = true;
    this.endConnections('ended real-time connections for shutdown');
  }

  /** Ends every connection with a reconnect hint (SSE: end of stream; WebSocket: 1012). */
  private endConnections(reason: string): void {
    const count = this.connections.size;
    for (const connection of [...this.connections.keys()]) {
      try {
        connection.shutdown();
      } catch (error) {
        this.logger.debug({ err: error }, 'ending a real-time connection failed');
      }
    }
    this.connections.clear();
    this.failedChecks.clear();
    if (count > 0) this.logger.log({ connections: count }, reason);
  }

  onModuleDestroy(): void {
    this.timers.splice(0).forEach(clearInterval);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      [this.subscriber, this.reader].map((connection) => connection?.quit().catch(() => connection.disconnect())),
    );
  }
}
