import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { workerOptions } from '@groundwork/platform';
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

/**
 * Sends deliveries. A failed attempt with attempts left throws RetryDeliveryError, whose delay
 * BullMQ's backoff uses; every other outcome completes the job (its result says which).
 */
@Processor('webhook-deliveries', {
  ...workerOptions('webhook-deliveries'),
  settings: { backoffStrategy: deliveryBackoff },
})
export class WebhookDeliveryProcessor extends DrainingWorkerHost<WebhookDeliveryJob> {
  constructor(private readonly runner: WebhookDeliveryRunner) {
    super();
  }

  protected async handle(job: Job<WebhookDeliveryJob>): Promise<DeliveryOutcome> {
    const outcome = await this.runner.attempt(job.data.deliveryId, job.data.mode);
    this.metrics.webhookDeliveries.inc({ outcome: METRIC_OUTCOME[outcome.kind] });
    // One line per attempt, in the job's context: it carries the request id and trace of the write.
    this.jobLogger.log({ deliveryId: job.data.deliveryId, outcome: outcome.kind }, 'webhook delivery attempted');
    if (outcome.kind === 'failed' && outcome.endpointDisabled) this.metrics.webhookEndpointsDisabled.inc();
    if (outcome.kind === 'retry') throw new RetryDeliveryError(outcome.delayMs, outcome.error);
    return outcome;
  }
}
