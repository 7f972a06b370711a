import { defineQueues } from '@groundwork/platform';

/** The worker's own queue: the scheduled jobs (registered when this file loads). */
export const MAINTENANCE_QUEUES = defineQueues({
  maintenance: { concurrency: 1, attempts: 3, lockDurationMs: 30_000, stalledIntervalMs: 30_000 },
});

export type MaintenanceJobName =
  | 'outbox.purge'
  | 'verification-tokens.purge'
  | 'idempotency-keys.purge'
  | 'daily-digest.send'
  | 'webhook-deliveries.purge';

type MaintenanceQueues = typeof MAINTENANCE_QUEUES;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface QueueCatalogue extends MaintenanceQueues {}
}
