import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';

/**
 * Every queue of the product, its jobs and their payloads, declared in one place: producers
 * and processors share these names and types, so a job cannot be enqueued with a shape its
 * processor does not expect.
 */
export const QUEUES = {
  maintenance: 'maintenance',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface JobPayloads {
  maintenance: {
    'outbox.purge': Record<string, never>;
  };
}

export type JobName<Q extends QueueName> = keyof JobPayloads[Q] & string;

export interface QueuePolicy {
  concurrency: number;
  attempts: number;
}

export const QUEUE_POLICIES: Record<QueueName, QueuePolicy> = {
  maintenance: { concurrency: 1, attempts: 3 },
};

/** Retry with exponential backoff and jitter; keep failures (dead letters) for a week. */
export function defaultJobOptions(queue: QueueName, config: AppConfig): JobsOptions {
  return {
    attempts: QUEUE_POLICIES[queue].attempts,
    backoff: { type: 'exponential', delay: config.jobs.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}
