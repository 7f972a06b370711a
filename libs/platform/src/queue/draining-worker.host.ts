import { WorkerHost } from '@nestjs/bullmq';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { Job } from 'bullmq';
import { RequestContext } from '../context/request-context.js';

/** What a producer puts beside a job's payload so the job's logs join its request's. */
export interface JobContext {
  requestId?: string;
  traceparent?: string;
}

/**
 * Base of every processor. Each job runs inside its own request context (request id of the
 * request that caused it, queue, job id), so every log line of the job carries them. On
 * shutdown the worker stops taking jobs and waits for those in flight, before the database and
 * Redis connections close (DESIGN.md, shutdown order).
 */
export abstract class DrainingWorkerHost<T = unknown> extends WorkerHost implements BeforeApplicationShutdown {
  protected abstract handle(job: Job<T & { context?: JobContext }>): Promise<unknown>;

  async process(job: Job<T & { context?: JobContext }>): Promise<unknown> {
    const context = job.data?.context;
    return RequestContext.run(
      {
        requestId: context?.requestId ?? `job:${job.queueName}:${job.id ?? 'unknown'}`,
        traceparent: context?.traceparent,
        job: { queue: job.queueName, id: job.id ?? 'unknown', name: job.name },
      },
      () => this.handle(job),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
