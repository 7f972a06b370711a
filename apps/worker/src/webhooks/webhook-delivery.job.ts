import type { JobsOptions } from 'bullmq';
import { type AppConfig, defaultJobOptions } from '@groundwork/platform';
import type { JobContext } from '@groundwork/platform/queue';
import type { DeliveryMode } from '@groundwork/webhooks';

/** One delivery step: the delivery to attempt, and whether it follows the retry schedule. */
export interface WebhookDeliveryJob {
  deliveryId: string;
  /** Whose delivery slots it takes (WEBHOOK_WORKSPACE_CONCURRENCY); absent on jobs of older releases. */
  workspaceId?: string;
  mode: DeliveryMode;
  context: JobContext;
}

/** The delivery asks for its next attempt after `delayMs`; BullMQ's backoff reads it from here. */
export class RetryDeliveryError extends Error {
  constructor(
    readonly delayMs: number,
    reason: string,
  ) {
    super(`delivery attempt failed (${reason}); next attempt in ${delayMs} ms`);
    this.name = 'RetryDeliveryError';
  }
}

/** Retries that are not the receiver's fault (database or Redis away) back off on their own. */
const INFRASTRUCTURE_BACKOFF_CAP_MS = 60_000;

/**
 * The backoff of the delivery queue: the delay the delivery's schedule chose (with its jitter),
 * or capped exponential for an infrastructure failure.
 */
export function deliveryBackoff(attemptsMade: number, _type?: string, error?: Error): number {
  if (error instanceof RetryDeliveryError) return error.delayMs;
  return Math.min(500 * 2 ** attemptsMade, INFRASTRUCTURE_BACKOFF_CAP_MS);
}

/**
 * Job options of a delivery: one job carries all of its scheduled attempts (BullMQ moves it to
 * `delayed` between them, atomically — a crash never loses a retry), with spare attempts for
 * infrastructure failures. The schedule itself is counted in the database.
 */
export function deliveryJobOptions(jobId: string, maxAttempts: number, config: AppConfig): JobsOptions {
  return {
    ...defaultJobOptions('webhook-deliveries', config),
    jobId,
    attempts: maxAttempts + 5,
    backoff: { type: 'delivery' },
  };
}
