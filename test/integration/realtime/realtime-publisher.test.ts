import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  type PublishedEvent,
  parsePublishedEvent,
  RealtimeEventLog,
  type RealtimeEvent,
  RealtimeKeys,
  RealtimePublisher,
} from '@groundwork/realtime';
import { deleteRedisKeys } from '../../support/test-redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every key of this file lives under the run's prefix, so the run's teardown also finds them. */
const PREFIX = `${process.env.REDIS_KEY_PREFIX ?? 'gwtest_local'}:realtime-${randomBytes(3).toString('hex')}`;

function event(workspaceId: string, n: number): RealtimeEvent {
  return {
    id: randomUUID(),
    type: 'task.created',
    workspaceId,
    occurredAt: new Date().toISOString(),
    data: { taskId: randomUUID(), projectId: randomUUID(), number: n },
  };
}

/** The publishing script and the log reader on a real Redis: what the worker and the api share. */
describe('RealtimePublisher and RealtimeEventLog on Redis', () => {
  const keys = new RealtimeKeys(PREFIX);
  let redis: Redis;
  let subscriber: Redis;
  const received: PublishedEvent[] = [];
  let publisher: RealtimePublisher;
  let log: RealtimeEventLog;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    subscriber = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    subscriber.on('message', (_channel: string, message: string) => {
      const parsed = parsePublishedEvent(message);
      if (parsed) received.push(parsed);
    });
    await subscriber.subscribe(keys.channel);
    publisher = new RealtimePublisher(redis, keys, { maxLength: 10, retentionSeconds: 60 });
    log = new RealtimeEventLog(redis, keys);
  });

  afterAll(async () => {
    await subscriber.quit();
    await redis.quit();
    await deleteRedisKeys(REDIS_URL, `${PREFIX}:*`);
  });

  async function published(count: number): Promise<PublishedEvent[]> {
    // A PING on the subscriber connection answers after every message published before it.
    await subscriber.ping();
    expect(received.length).toBeGreaterThanOrEqual(count);
    return received.splice(0);
  }

  it('publishes an event once, however often its job is retried, with its position in the log', async () => {
    received.splice(0);
    const workspaceId = randomUUID();
    const first = event(workspaceId, 1);
    const outcomes = [await publisher.publish(first), await publisher.publish(first), await publisher.publish(first)];

    expect(outcomes.map((o) => o.published)).toEqual([true, false, false]);
    expect(new Set(outcomes.map((o) => o.streamId)).size).toBe(1);
    expect(await redis.xlen(keys.stream(workspaceId))).toBe(1);
    expect(await published(1)).toEqual([{ streamId: outcomes[0]!.streamId, event: first }]);
  });

  it('keeps publish order and log order the same, and replays what follows a known event', async () => {
    received.splice(0);
    const workspaceId = randomUUID();
    const events = Array.from({ length: 5 }, (_, i) => event(workspaceId, i + 1));
    for (const e of events) await publisher.publish(e);
    const live = await published(5);

    expect(live.map((p) => p.event.id)).toEqual(events.map((e) => e.id));
    expect(await log.since(workspaceId, events[1]!.id)).toEqual({
      kind: 'replay',
      position: live[1]!.streamId,
      events: live.slice(2),
    });
    expect(await log.since(workspaceId, events[4]!.id)).toEqual({
      kind: 'replay',
      position: live[4]!.streamId,
      events: [],
    });
  });

  it('asks for a resync after an event of another workspace, an unknown one, or one trimmed from the log', async () => {
    const workspaceId = randomUUID();
    const other = randomUUID();
    const foreign = event(other, 1);
    await publisher.publish(foreign);
    const oldest = event(workspaceId, 1);
    await publisher.publish(oldest);
    // MAXLEN ~10 trims whole macro nodes (100 entries by default): a few hundred push the oldest out.
    for (let n = 2; n <= 400; n += 1) await publisher.publish(event(workspaceId, n));
    received.splice(0);

    expect(await redis.xlen(keys.stream(workspaceId))).toBeLessThan(400);
    expect(await log.since(workspaceId, oldest.id)).toEqual({ kind: 'resync' });
    expect(await log.since(workspaceId, foreign.id)).toEqual({ kind: 'resync' });
    expect(await log.since(workspaceId, randomUUID())).toEqual({ kind: 'resync' });
  });
});
