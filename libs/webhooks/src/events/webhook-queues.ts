import { defineQueues } from '@groundwork/platform';

/** The webhooks context's queues (registered when the library loads). */
export const WEBHOOK_QUEUES = defineQueues({
  /** One job per public event: finds the endpoints subscribed to it and creates their deliveries. */
  webhooks: { concurrency: 10, attempts: 10, lockDurationMs: 15_000, stalledIntervalMs: 10_000 },
  /**
   * One job per (event, endpoint) delivery; retried on the WEBHOOK_RETRY_DELAYS schedule. Attempts
   * here are infrastructure retries of one delivery step; the delivery's own schedule is kept by
   * the delivery processor.
   */
  'webhook-deliveries': { concurrency: 20, attempts: 5, lockDurationMs: 30_000, stalledIntervalMs: 15_000 },
});

type WebhookQueues = typeof WEBHOOK_QUEUES;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface QueueCatalogue extends WebhookQueues {}
}
