import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { QUEUES, workerOptions } from '@groundwork/platform';
import { DrainingWorkerHost } from '@groundwork/platform/queue';
import { type DeliveryOutcome, WebhookDeliveryRunner } from '@groundwork/webhooks';
import { deliveryBackoff, RetryDeliveryError, type WebhookDeliveryJob } from './webhook-delivery.job.js';

/**
 * Sends deliveries. A failed attempt with attempts left throws RetryDeliveryError, whose delay
 * BullMQ's backoff uses; every other outcome completes the job (its result says which).
 */
@Processor(QUEUES.webhookDeliveries, {
  ...workerOptions(QUEUES.webhookDeliveries),
  settings: { backoffStrategy: deliveryBackoff },
})
export class WebhookDeliveryProcessor extends DrainingWorkerHost<WebhookDeliveryJob> {
  constructor(private readonly runner: WebhookDeliveryRunner) {
    super();
  }

  protected async handle(job: Job<WebhookDeliveryJob>): Promise<DeliveryOutcome> {
    const outcome = await this.runner.attempt(job.data.deliveryId, job.data.mode);
    if (outcome.kind === 'retry') throw new RetryDeliveryError(outcome.delayMs, outcome.error);
    return outcome;
  }
}
