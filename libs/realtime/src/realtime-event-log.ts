import type { Redis } from 'ioredis';
import type { RealtimeKeys } from './realtime-keys.js';
import { type PublishedEvent, parsePublishedEvent } from './realtime-event.js';

/** What a resuming client missed since its last event, or that it must reload. */
export type Resumption =
  /** `position` is the log position of the client's last event: anything at or before it, it has. */
  { kind: 'replay'; position: string; events: PublishedEvent[] } | { kind: 'resync' };

/** Reads a workspace's bounded event log: how SSE clients resume after `Last-Event-ID`. */
export class RealtimeEventLog {
  /** `redis` must have no `keyPrefix` of its own: the keys already carry the deployment's prefix. */
  constructor(
    private readonly redis: Redis,
    private readonly keys: RealtimeKeys,
  ) {}

  /**
   * The events published after `lastEventId`, in order. An id this workspace's log does not
   * know (never published here, or trimmed away since) means the client must resync.
   */
  async since(workspaceId: string, lastEventId: string): Promise<Resumption> {
    const streamId = await this.redis.get(this.keys.published(workspaceId, lastEventId));
    if (!streamId) return { kind: 'resync' };
    const log = this.keys.stream(workspaceId);
    // One transaction: the entry still being there and what follows it are read at one instant.
    const results = await this.redis.multi().xrange(log, streamId, streamId).xrange(log, `(${streamId}`, '+').exec();
    if (!results || results.some(([error]) => error)) throw new Error('reading the real-time event log failed');
    const [self, after] = results.map(([, value]) => value as [string, string[]][]);
    if (!self || self.length === 0) return { kind: 'resync' };
    const events: PublishedEvent[] = [];
    for (const [id, fields] of after ?? []) {
      const json = fields[fields.indexOf('event') + 1];
      const parsed = json === undefined ? undefined : parsePublishedEvent(`{"streamId":"${id}","event":${json}}`);
      if (parsed) events.push(parsed);
    }
    return { kind: 'replay', position: streamId, events };
  }
}
