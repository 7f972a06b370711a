import { defineQueues } from '@groundwork/platform';

/** The email queue: the events the contexts name as mailing someone (each with its EventMailPlanner). */
export const NOTIFICATION_QUEUES = defineQueues({
  // SMTP 4xx answers are retried: ~10 attempts with exponential backoff span several minutes.
  // Short locks: a mail held by a killed worker is retried within ~25 s, not 60–90 s.
  email: { concurrency: 5, attempts: 10, lockDurationMs: 15_000, stalledIntervalMs: 10_000 },
});

type NotificationQueues = typeof NOTIFICATION_QUEUES;

declare module '@groundwork/platform' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface QueueCatalogue extends NotificationQueues {}
}
