import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { DrainingWorkerHost, type JobName, MetricsService, QUEUE_POLICIES, QUEUES } from '@groundwork/platform';
import { OutboxPurgeService } from './outbox-purge.service.js';

type MaintenanceJob = JobName<typeof QUEUES.maintenance>;

/** Cron-style schedules of the maintenance queue (BullMQ job schedulers: one job per tick). */
const SCHEDULES: { id: string; pattern: string; job: MaintenanceJob }[] = [
  { id: 'outbox-purge', pattern: '17 * * * *', job: 'outbox.purge' },
];

@Processor(QUEUES.maintenance, { concurrency: QUEUE_POLICIES.maintenance.concurrency })
export class MaintenanceProcessor extends DrainingWorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue,
    private readonly outboxPurge: OutboxPurgeService,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  /** Upserting by id is idempotent: every replica may do it, the schedule exists once. */
  async onApplicationBootstrap(): Promise<void> {
    for (const schedule of SCHEDULES) {
      await this.queue.upsertJobScheduler(schedule.id, { pattern: schedule.pattern }, { name: schedule.job, data: {} });
    }
  }

  protected async handle(job: Job): Promise<unknown> {
    const name = job.name as MaintenanceJob;
    try {
      const result = await this.run(name);
      this.metrics.jobsProcessed.inc({ queue: job.queueName, name, outcome: 'completed' });
      return result;
    } catch (error) {
      this.metrics.jobsProcessed.inc({ queue: job.queueName, name, outcome: 'failed' });
      throw error;
    }
  }

  private async run(name: MaintenanceJob): Promise<unknown> {
    switch (name) {
      case 'outbox.purge': {
        const deleted = await this.outboxPurge.purge();
        this.logger.log({ deleted }, 'purged relayed outbox rows');
        return { deleted };
      }
      default: {
        const unknown: never = name;
        throw new Error(`unknown maintenance job: ${String(unknown)}`);
      }
    }
  }
}
