import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ErrorCode, type Job, type Queue } from 'bullmq';
import { EmailVerificationService, PasswordResetService } from '@groundwork/identity';
import {
  AppConfig,
  DistributedLock,
  IdempotencyStore,
  RedisService,
  OutboxPurgeService,
  workerOptions,
} from '@groundwork/platform';
import { DrainingWorkerHost } from '@groundwork/platform/queue';
import { WebhookDeliveriesService } from '@groundwork/webhooks';
import { DailyDigestService } from './daily-digest.service.js';
import type { MaintenanceJobName } from './maintenance.queue.js';
import './maintenance.queue.js'; // registers the queue before @Processor reads its policy

/** How long one replica may hold the schedule registration; a crashed holder blocks no longer. */
const SCHEDULES_LOCK_MS = 10_000;

/**
 * Makes one job scheduler exist with the given pattern and job. A scheduler that already
 * matches is left alone: upserting it again while one of its iterations runs on another
 * replica can enqueue that iteration a second time. Two replicas booting in the same instant
 * can both try to create the scheduler's next iteration; BullMQ then refuses the later one
 * (the iteration's job id or time slot is taken). The scheduler exists either way, so that
 * refusal is success, not a crash.
 */
export async function upsertSchedule(
  queue: Pick<Queue, 'upsertJobScheduler' | 'getJobScheduler'>,
  schedule: { id: string; pattern: string; job: string },
): Promise<void> {
  const current = await queue.getJobScheduler(schedule.id);
  if (current?.pattern === schedule.pattern && current.name === schedule.job) return;
  try {
    await queue.upsertJobScheduler(schedule.id, { pattern: schedule.pattern }, { name: schedule.job, data: {} });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const iterationTaken = code === ErrorCode.SchedulerJobIdCollision || code === ErrorCode.SchedulerJobSlotsBusy;
    if (!iterationTaken || !(await queue.getJobScheduler(schedule.id))) throw error;
  }
}

/**
 * Scheduled housekeeping. BullMQ job schedulers fire each schedule once per tick, however many
 * worker replicas run (the scheduler's next job has a deterministic id).
 */
@Processor('maintenance', workerOptions('maintenance'))
export class MaintenanceProcessor extends DrainingWorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    @InjectQueue('maintenance') private readonly queue: Queue,
    private readonly outboxPurge: OutboxPurgeService,
    private readonly verification: EmailVerificationService,
    private readonly passwordReset: PasswordResetService,
    private readonly idempotency: IdempotencyStore,
    private readonly digest: DailyDigestService,
    private readonly webhookDeliveries: WebhookDeliveriesService,
    private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {
    super();
  }

  /** Upserting by id is idempotent: every replica may do it, each schedule exists once. */
  async onApplicationBootstrap(): Promise<void> {
    const schedules: { id: string; pattern: string; job: MaintenanceJobName }[] = [
      { id: 'outbox-purge', pattern: this.config.schedules.outboxPurge, job: 'outbox.purge' },
      { id: 'verification-tokens-purge', pattern: this.config.schedules.tokenPurge, job: 'verification-tokens.purge' },
      { id: 'idempotency-keys-purge', pattern: this.config.schedules.idempotencyPurge, job: 'idempotency-keys.purge' },
      { id: 'daily-digest', pattern: this.config.schedules.dailyDigest, job: 'daily-digest.send' },
      {
        id: 'webhook-deliveries-purge',
        pattern: this.config.schedules.webhookDeliveryPurge,
        job: 'webhook-deliveries.purge',
      },
    ];
    // Replicas register one at a time, each seeing what the one before it wrote; processing
    // starts only after boot, so no iteration of this replica runs while it registers.
    await this.redis.whenReady();
    const registered = await new DistributedLock(this.redis.client).withLock(
      'maintenance-schedules',
      SCHEDULES_LOCK_MS,
      async () => {
        for (const schedule of schedules) await upsertSchedule(this.queue, schedule);
        return true;
      },
      { waitMs: 2 * SCHEDULES_LOCK_MS },
    );
    if (!registered) throw new Error('maintenance schedules not registered: their lock stayed held');
  }

  protected async handle(job: Job): Promise<unknown> {
    const name = job.name as MaintenanceJobName;
    switch (name) {
      case 'outbox.purge': {
        const deleted = await this.outboxPurge.purge();
        this.logger.log({ deleted }, 'purged relayed outbox events');
        return { deleted };
      }
      case 'verification-tokens.purge': {
        // Verification and password-reset tokens share one schedule: both are mailed, hashed, short-lived.
        const deleted = await this.verification.purgeStale();
        const resetTokens = await this.passwordReset.purgeStale();
        this.logger.log({ deleted, resetTokens }, 'purged stale verification and password-reset tokens');
        return { deleted, resetTokens };
      }
      case 'idempotency-keys.purge': {
        const deleted = await this.idempotency.purgeExpired();
        this.logger.log({ deleted }, 'purged expired idempotency keys');
        return { deleted };
      }
      case 'daily-digest.send': {
        const outcome = await this.digest.send();
        this.logger.log(outcome, 'sent the daily digest');
        return outcome;
      }
      case 'webhook-deliveries.purge': {
        const retentionMs = this.config.webhooks.deliveryRetentionDays * 24 * 60 * 60 * 1000;
        const deleted = await this.webhookDeliveries.purgeFinishedBefore(new Date(Date.now() - retentionMs));
        this.logger.log({ deleted }, 'purged old webhook deliveries');
        return { deleted };
      }
      default: {
        const unknown: never = name;
        throw new Error(`unknown maintenance job: ${String(unknown)}`);
      }
    }
  }
}
