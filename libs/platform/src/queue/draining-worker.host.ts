import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Inject, Logger } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { RequestContext, type RequestContextData } from '../context/request-context.js';
import { MetricsService } from '../observability/metrics.service.js';
import { contextFromCarrier, inSpan, SpanKind } from '../observability/trace-context.js';

/**
 * What a producer puts beside a job's payload so the job's logs join its request's and its
 * span continues the producer's trace (W3C `traceparent`/`tracestate`).
 */
export interface JobContext {
  requestId?: string | null;
  traceparent?: string | null;
  tracestate?: string | null;
}

type JobWithContext<T> = Job<T & { context?: JobContext }>;

/**
 * Base of every processor. Each job runs inside its own request context (request id of the
 * request that caused it, queue, job id), so every log line of the job carries them, and in a
 * CONSUMER span whose parent is the producer's (the trace context in the job's data). Final
 * failures (dead letters) are logged as errors. On shutdown the worker stops taking jobs and
 * waits for those in flight, before the database and Redis connections close (docs/architecture.md, shutdown order).
 */
export abstract class DrainingWorkerHost<T = unknown> extends WorkerHost implements BeforeApplicationShutdown {
  protected readonly jobLogger = new Logger(this.constructor.name);
  // A property, not a constructor parameter: every processor's constructor stays its own.
  @Inject(MetricsService) protected readonly metrics!: MetricsService;

  /** `token`: the worker's lock on the job, for a handler that moves its job itself (`moveToDelayed`). */
  protected abstract handle(job: JobWithContext<T>, token?: string): Promise<unknown>;

  async process(job: JobWithContext<T>, token?: string): Promise<unknown> {
    const stopTimer = this.metrics.jobDuration.startTimer({ queue: job.queueName, name: job.name });
    const attributes = {
      'messaging.system': 'bullmq',
      'messaging.destination.name': job.queueName,
      'messaging.operation.type': 'process',
      'messaging.message.id': job.id ?? '',
      'messaging.bullmq.job.name': job.name,
      'messaging.bullmq.job.attempts': job.attemptsMade + 1,
    };
    try {
      const result = await inSpan(
        `process ${job.queueName}`,
        { kind: SpanKind.CONSUMER, attributes },
        contextFromCarrier(job.data?.context),
        () => RequestContext.run(this.contextOf(job), () => this.handle(job, token)),
      );
      stopTimer({ outcome: 'completed' });
      return result;
    } catch (error) {
      // A job the handler put back for later (DelayedError) neither completed nor failed.
      stopTimer({ outcome: error instanceof DelayedError ? 'deferred' : 'failed' });
      throw error;
    }
  }

  @OnWorkerEvent('failed')
  onFailed(job: JobWithContext<T> | undefined, error: Error): void {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    const final = job.attemptsMade >= attempts || error.name === 'UnrecoverableError';
    const fields = { queue: job.queueName, jobId: job.id, name: job.name, attempt: job.attemptsMade, err: error };
    // Logged inside the job's context too, so the failure joins the request's log lines.
    RequestContext.run(this.contextOf(job), () => {
      if (final) this.jobLogger.error(fields, 'job failed for good; kept as a dead letter');
      else this.jobLogger.warn(fields, 'job failed; will retry');
    });
  }

  private contextOf(job: JobWithContext<T>): RequestContextData {
    const context = job.data?.context;
    return {
      requestId: context?.requestId ?? `job:${job.queueName}:${job.id ?? 'unknown'}`,
      traceparent: context?.traceparent ?? undefined,
      tracestate: context?.tracestate ?? undefined,
      job: { queue: job.queueName, id: job.id ?? 'unknown', name: job.name },
    };
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close();
  }
}
