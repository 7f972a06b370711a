import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../config/app-config.js';
import { NameRegistry } from '../registry/name-registry.js';

/**
 * The mechanism of the queue catalogue. The platform names no queue: each context declares the
 * queues it consumes with `defineQueues` (registered when its library loads) and adds them to
 * `QueueCatalogue` by declaration merging, so producers, processors and the relay share typed
 * names while a new context never edits the platform.
 */

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

/**
 * Every queue of the product, as types: empty here, extended by each context with
 * `declare module '@groundwork/platform' { interface QueueCatalogue extends MyContextQueues {} }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface QueueCatalogue {}

export type QueueName = keyof QueueCatalogue & string;

/** Two declarations of one queue name: a wiring bug, reported when the second loads. */
export class DuplicateQueueError extends Error {
  constructor(name: string) {
    super(`queue ${name} is defined twice`);
    this.name = 'DuplicateQueueError';
  }
}

/** In registration order: the order the contexts' libraries load in, then declaration order. */
const registered = new NameRegistry<QueuePolicy>((name) => new DuplicateQueueError(name));

/** A queue no loaded context declares: the app does not load the context that owns it. */
export class UnknownQueueError extends Error {
  constructor(name: string) {
    super(`queue ${name} is not defined by any loaded context`);
    this.name = 'UnknownQueueError';
  }
}

/**
 * Registers a context's queues (name → concurrency and attempts; backoff and retention come
 * from config) and returns them as given, for its `QueueCatalogue` entries: `typeof MY_QUEUES`.
 */
export function defineQueues<const C extends Record<string, QueuePolicy>>(queues: C): C {
  registered.addAll(queues);
  return queues;
}

export function queuePolicy(queue: QueueName): QueuePolicy {
  const policy = registered.get(queue);
  if (policy === undefined) throw new UnknownQueueError(queue);
  return policy;
}

/** Every registered queue, in registration order. */
export function queueNames(): QueueName[] {
  return registered.names() as QueueName[];
}

export function isQueueName(value: string): value is QueueName {
  return registered.has(value);
}

/** The `@Processor` worker options of a queue, from its policy. */
export function workerOptions(queue: QueueName): {
  concurrency: number;
  lockDuration: number;
  stalledInterval: number;
} {
  const policy = queuePolicy(queue);
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
    attempts: queuePolicy(queue).attempts,
    backoff: { type: 'exponential', delay: config.jobs.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: config.jobs.retainCompletedSeconds },
    removeOnFail: { age: config.jobs.retainFailedSeconds },
  };
}
