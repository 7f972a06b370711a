import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';

/**
 * Every queue of the product, its jobs and their payloads, declared in one place: producers
 * and processors share these names and types, so a job cannot be enqueued with a shape its
 * processor does not expect.
 */
export const QUEUES = {
  maintenance: 'maintenance',
  email: 'email',
  /** One job per public event: finds the endpoints subscribed to it and creates their deliveries. */
  webhooks: 'webhooks',
  /** One job per (event, endpoint) delivery; retried on the WEBHOOK_RETRY_DELAYS schedule. */
  webhookDeliveries: 'webhook-deliveries',
  /** One job per public event: appends it to its workspace's event log and publishes it to the API instances. */
  realtime: 'realtime',
  /** Stored objects no attachment uses any more, and the objects of deleted workspaces, are removed. */
  files: 'files',
  /**
   * One job per task, comment, project or workspace event: brings the Elasticsearch documents
   * it concerns up to date (a no-op with the PostgreSQL engine, whose vectors are written with the rows).
   */
  searchIndex: 'search-index',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export type MaintenanceJobName =
  | 'outbox.purge'
  | 'verification-tokens.purge'
  | 'idempotency-keys.purge'
  | 'daily-digest.send'
  | 'webhook-deliveries.purge';

export interface QueuePolicy {
  concurrency: number;
  attempts: number;
  /**
   * How long a worker's lock on an active job lasts (renewed while it runs); a job of a
   * crashed worker is taken back after about lockDuration + stalledInterval.
   */
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/** Concurrency and attempts per queue; backoff and retention come from config. */
export const QUEUE_POLICIES: Record<QueueName, QueuePolicy> = {
  maintenance: { concurrency: 1, attempts: 3, lockDurationMs: 30_000, stalledIntervalMs: 30_000 },
  // SMTP 4xx answers are retried: ~10 attempts with exponential backoff span several minutes.
  // Short locks: a mail held by a killed worker is retried within ~25 s, not 60–90 s.
  email: { concurrency: 5, attempts: 10, lockDurationMs: 15_000, stalledIntervalMs: 10_000 },
  webhooks: { concurrency: 10, attempts: 10, lockDurationMs: 15_000, stalledIntervalMs: 10_000 },
  // Attempts here are infrastructure retries of one delivery step; the delivery's own schedule
  // (WEBHOOK_RETRY_DELAYS) is kept by the delivery processor.
  'webhook-deliveries': { concurrency: 20, attempts: 5, lockDurationMs: 30_000, stalledIntervalMs: 15_000 },
  // One at a time keeps each workspace's event log in commit order.
  realtime: { concurrency: 1, attempts: 10, lockDurationMs: 15_000, stalledIntervalMs: 10_000 },
  // A store that is away is retried with backoff for several minutes; removals are idempotent.
  files: { concurrency: 2, attempts: 10, lockDurationMs: 60_000, stalledIntervalMs: 30_000 },
  // Order between concurrent jobs is kept by each document's version (external versioning), so
  // jobs may run in parallel; an engine that is away is retried with backoff.
  'search-index': { concurrency: 5, attempts: 10, lockDurationMs: 30_000, stalledIntervalMs: 15_000 },
};

/** The `@Processor` worker options of a queue, from its policy. */
export function workerOptions(queue: QueueName): {
  concurrency: number;
  lockDuration: number;
  stalledInterval: number;
} {
  const policy = QUEUE_POLICIES[queue];
  return {
    concurrency: policy.concurrency,
    lockDuration: policy.lockDurationMs,
    stalledInterval: policy.stalledIntervalMs,
  };
}

export function eventJobId(queue: QueueName, eventId: string): string {
  return `${queue}_${eventId}`;
}

/** Retry with exponential backoff and jitter; keep failures (dead letters) for inspection. */
export function defaultJobOptions(queue: QueueName, config: AppConfig): JobsOptions {
  return {
    attempts: QUEUE_POLICIES[queue].attempts,
    backoff: { type: 'exponential', delay: config.jobs.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: config.jobs.retainCompletedSeconds },
    removeOnFail: { age: config.jobs.retainFailedSeconds },
  };
}
