import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { EmailVerificationService, PasswordResetService } from '@groundwork/identity';
import { AppConfig, IdempotencyStore, RedisService, OutboxPurgeService, workerOptions } from '@groundwork/platform';
import { DrainingWorkerHost } from '@groundwork/platform/queue';
import { WebhookDeliveriesService } from '@groundwork/webhooks';
import { registerSchedules } from '../schedules/job-schedules.js';
import { DailyDigestService } from './daily-digest.service.js';
import type { MaintenanceJobName } from './maintenance.queue.js';
import './maintenance.queue.js'; // registers the queue before @Processor reads its policy

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

  /** Every replica registers them at boot; each schedule exists once (see registerSchedules). */
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
    await registerSchedules(this.queue, schedules, this.redis);
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
