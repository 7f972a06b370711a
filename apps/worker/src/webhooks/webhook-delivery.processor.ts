import { Processor } from '@nestjs/bullmq';
import { DelayedError, type Job } from 'bullmq';
import { AppConfig, KeyedSlots, workerOptions } from '@groundwork/platform';
import { DrainingWorkerHost } from '@groundwork/platform/queue';
import { type DeliveryOutcome, WebhookDeliveryRunner } from '@groundwork/webhooks';
import { deliveryBackoff, RetryDeliveryError, type WebhookDeliveryJob } from './webhook-delivery.job.js';

/** The `outcome` label of groundwork_webhook_deliveries_total for each attempt's outcome. */
const METRIC_OUTCOME: Record<DeliveryOutcome['kind'], string> = {
  succeeded: 'succeeded',
  retry: 'retrying',
  failed: 'failed',
  skipped: 'skipped',
};

/** How long a job whose workspace has no free slot waits before it tries again (plus jitter). */
const DEFERRAL_MS = 500;

/**
 * Sends deliveries. A failed attempt with attempts left throws RetryDeliveryError, whose delay
 * BullMQ's backoff uses; every other outcome completes the job (its result says which).
 *
 * Fairness: one workspace holds at most WEBHOOK_WORKSPACE_CONCURRENCY of this worker's slots.
 * A job whose workspace has them all is put back (delayed, not counted as an attempt) instead
 * of waiting in a slot, so receivers that hang up to WEBHOOK_TIMEOUT_MS in one workspace leave
 * the other slots to the other workspaces.
 */
@Processor('webhook-deliveries', {
  ...workerOptions('webhook-deliveries'),
  settings: { backoffStrategy: deliveryBackoff },
})
export class WebhookDeliveryProcessor extends DrainingWorkerHost<WebhookDeliveryJob> {
  private readonly slots: KeyedSlots;

  constructor(
    private readonly runner: WebhookDeliveryRunner,
    config: AppConfig,
  ) {
    super();
    this.slots = new KeyedSlots(config.webhooks.workspaceConcurrency);
  }

  protected async handle(job: Job<WebhookDeliveryJob>, token?: string): Promise<DeliveryOutcome> {
    const { workspaceId } = job.data;
    const release = workspaceId === undefined ? () => undefined : this.slots.tryAcquire(workspaceId);
    if (release === undefined) {
      await job.moveToDelayed(Date.now() + DEFERRAL_MS + Math.round(Math.random() * DEFERRAL_MS), token);
      throw new DelayedError();
    }
    try {
      return await this.attempt(job);
    } finally {
      release();
    }
  }

  private async attempt(job: Job<WebhookDeliveryJob>): Promise<DeliveryOutcome> {
    const outcome = await this.runner.attempt(job.data.deliveryId, job.data.mode);
    this.metrics.webhookDeliveries.inc({ outcome: METRIC_OUTCOME[outcome.kind] });
    // One line per attempt, in the job's context: it carries the request id and trace of the write.
    this.jobLogger.log({ deliveryId: job.data.deliveryId, outcome: outcome.kind }, 'webhook delivery attempted');
    if (outcome.kind === 'failed' && outcome.endpointDisabled) this.metrics.webhookEndpointsDisabled.inc();
    if (outcome.kind === 'retry') throw new RetryDeliveryError(outcome.delayMs, outcome.error);
    return outcome;
  }
}
