import { Processor } from '@nestjs/bullmq';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppConfig, type EventJob, RedisService, workerOptions } from '@groundwork/platform';
import { DrainingWorkerHost } from '@groundwork/platform/queue';
import { RealtimeKeys, RealtimePublisher, type RealtimeQueueEvent, toRealtimeEvent } from '@groundwork/realtime';

/**
 * Hands each public event to the api instances: appends it to its workspace's bounded log and
 * publishes it on the real-time channel, in one idempotent script (a retried job publishes
 * nothing twice). The api instances fan it out to their SSE and WebSocket clients.
 */
@Processor('realtime', workerOptions('realtime'))
export class RealtimeProcessor
  extends DrainingWorkerHost<EventJob<RealtimeQueueEvent>>
  implements OnApplicationShutdown
{
  private readonly connection: Redis;
  private readonly publisher: RealtimePublisher;

  constructor(redis: RedisService, config: AppConfig) {
    super();
    // Its own connection without the client-side key prefix: the keys carry the prefix themselves.
    this.connection = redis.duplicate({ connectionName: `groundwork-${config.service}-realtime` });
    this.publisher = new RealtimePublisher(this.connection, new RealtimeKeys(config.redis.keyPrefix), {
      maxLength: config.realtime.logMaxLength,
      retentionSeconds: config.realtime.logRetentionSeconds,
    });
  }

  protected async handle(job: Job<EventJob<RealtimeQueueEvent>>): Promise<unknown> {
    const event = toRealtimeEvent(job.data.event);
    if (!event) return 'skipped: not a workspace event';
    const outcome = await this.publisher.publish(event);
    return outcome.published ? `published ${outcome.streamId}` : `already published ${outcome.streamId}`;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
