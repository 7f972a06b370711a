import type { Redis } from 'ioredis';
import type { RealtimeKeys } from './realtime-keys.js';
import type { RealtimeEvent } from './realtime-event.js';

/**
 * One script, so a retried job never duplicates an event and log order is publish order:
 * mark the event (SET NX), append it to the workspace's log (XADD, trimmed to about MAXLEN),
 * remember its position under the marker (how a `Last-Event-ID` is resolved) and publish it
 * with that position. A second run finds the marker and does nothing.
 *
 * KEYS: 1 = the log, 2 = the event's marker.
 * ARGV: 1 = channel, 2 = MAXLEN, 3 = marker TTL (s), 4 = log TTL (ms), 5 = the event's JSON.
 */
const PUBLISH_SCRIPT = `
if not redis.call('SET', KEYS[2], '', 'NX', 'EX', ARGV[3]) then
  return {0, redis.call('GET', KEYS[2])}
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'event', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[2], id, 'EX', ARGV[3])
redis.call('PUBLISH', ARGV[1], '{"streamId":"' .. id .. '","event":' .. ARGV[5] .. '}')
return {1, id}
`;

export interface RealtimeLogLimits {
  /** About how many events each workspace's log keeps (XADD MAXLEN ~). */
  maxLength: number;
  /** How long an idle workspace's log (and each event's marker) is kept. */
  retentionSeconds: number;
}

export interface PublishOutcome {
  published: boolean;
  streamId: string;
}

type WithPublishCommand = Redis & {
  realtimePublish(
    log: string,
    marker: string,
    channel: string,
    maxLength: number,
    markerTtlSeconds: number,
    logTtlMs: number,
    event: string,
  ): Promise<[number, string | null]>;
};

/** Appends events to their workspace's log and publishes them to every api instance. */
export class RealtimePublisher {
  private readonly redis: WithPublishCommand;

  /** `redis` must have no `keyPrefix` of its own: the keys already carry the deployment's prefix. */
  constructor(
    redis: Redis,
    private readonly keys: RealtimeKeys,
    private readonly limits: RealtimeLogLimits,
  ) {
    redis.defineCommand('realtimePublish', { numberOfKeys: 2, lua: PUBLISH_SCRIPT });
    this.redis = redis as WithPublishCommand;
  }

  async publish(event: RealtimeEvent): Promise<PublishOutcome> {
    const [published, streamId] = await this.redis.realtimePublish(
      this.keys.stream(event.workspaceId),
      this.keys.published(event.workspaceId, event.id),
      this.keys.channel,
      this.limits.maxLength,
      this.limits.retentionSeconds,
      this.limits.retentionSeconds * 1000,
      JSON.stringify(event),
    );
    return { published: published === 1, streamId: streamId ?? '' };
  }
}
