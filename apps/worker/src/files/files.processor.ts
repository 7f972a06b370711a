import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { FILES_STAGING_SWEEP, type FilesQueueEvent, StoredObjects } from '@groundwork/files';
import { type EventJob, RedisService, workerOptions } from '@groundwork/platform';
import { DrainingWorkerHost } from '@groundwork/platform/queue';
import { registerSchedules } from '../schedules/job-schedules.js';

/** The scheduled sweep carries no data; every other job of the queue is an event. */
type FilesJob = EventJob<FilesQueueEvent> | Record<string, never>;

/**
 * Removes stored objects once nothing uses them: after an attachment's deletion or a
 * project's (whose tasks' attachments went with it), the workspace's unused objects; after a
 * workspace's deletion, all its objects; hourly, staged uploads a crash left behind. A store
 * that is away fails the job, which BullMQ retries with backoff; every step is idempotent.
 */
@Processor('files', workerOptions('files'))
export class FilesProcessor extends DrainingWorkerHost<FilesJob> implements OnApplicationBootstrap {
  private readonly logger = new Logger(FilesProcessor.name);

  constructor(
    @InjectQueue('files') private readonly queue: Queue,
    private readonly objects: StoredObjects,
    private readonly redis: RedisService,
  ) {
    super();
  }

  /** Every replica registers it at boot; the schedule exists once (see registerSchedules). */
  async onApplicationBootstrap(): Promise<void> {
    await registerSchedules(this.queue, [FILES_STAGING_SWEEP], this.redis);
  }

  protected async handle(job: Job<FilesJob>): Promise<string> {
    if (job.name === FILES_STAGING_SWEEP.job) {
      const removed = await this.objects.sweepStaging();
      if (removed > 0) this.logger.log({ removed }, 'removed staged uploads left behind');
      return `removed ${removed} staged uploads`;
    }
    const { event } = job.data as EventJob<FilesQueueEvent>;
    const workspaceId = event.workspaceId;
    if (workspaceId === null) return 'skipped: no workspace';
    switch (event.type) {
      case 'attachment.deleted':
      case 'project.deleted':
        return `removed ${await this.objects.collectUnused(workspaceId)} unused objects`;
      case 'workspace.deleted':
        await this.objects.removeWorkspace(workspaceId);
        return 'removed the workspace’s objects';
      default: {
        const unreachable: never = event;
        throw new Error(`unexpected event ${String((unreachable as { type: string }).type)}`);
      }
    }
  }
}
