import { InjectQueue, Processor } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { AppConfig, currentTraceCarrier, type EventJob, workerOptions } from '@groundwork/platform';
import { DrainingWorkerHost } from '@groundwork/platform/queue';
import { WebhookDeliveriesService, WebhookDeliveryRunner, type WebhookQueueEvent } from '@groundwork/webhooks';
import { deliveryJobOptions, type WebhookDeliveryJob } from './webhook-delivery.job.js';

/**
 * Turns each public event into deliveries — one row and one job per subscribed endpoint — and
 * each redelivery request into a one-attempt job. Job ids derive from the delivery (or the
 * request), so a replayed event enqueues nothing twice.
 */
@Processor('webhooks', workerOptions('webhooks'))
export class WebhookFanOutProcessor extends DrainingWorkerHost<EventJob<WebhookQueueEvent>> {
  constructor(
    private readonly deliveries: WebhookDeliveriesService,
    private readonly runner: WebhookDeliveryRunner,
    private readonly config: AppConfig,
    @InjectQueue('webhook-deliveries') private readonly queue: Queue<WebhookDeliveryJob>,
  ) {
    super();
  }

  protected async handle(job: Job<EventJob<WebhookQueueEvent>>): Promise<{ enqueued: number }> {
    const { event } = job.data;
    // The deliveries keep the request id and continue this job's trace (its CONSUMER span).
    const context = { requestId: job.data.context.requestId, ...currentTraceCarrier() };
    if (event.type === 'webhook.redelivery_requested') {
      const { deliveryId } = event.data;
      await this.queue.add(
        'redeliver',
        { deliveryId, workspaceId: event.workspaceId ?? undefined, mode: 'manual', context },
        deliveryJobOptions(`redelivery_${event.id}`, 1, this.config),
      );
      return { enqueued: 1 };
    }
    const ids = await this.deliveries.createFor(event);
    if (ids.length > 0) {
      await this.queue.addBulk(
        ids.map((deliveryId) => ({
          name: event.type,
          data: { deliveryId, workspaceId: event.workspaceId ?? undefined, mode: 'scheduled' as const, context },
          opts: deliveryJobOptions(`delivery_${deliveryId}`, this.runner.maxAttempts, this.config),
        })),
      );
    }
    return { enqueued: ids.length };
  }
}
