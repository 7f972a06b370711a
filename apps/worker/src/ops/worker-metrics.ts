import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Gauge } from 'prom-client';
import { MetricsService, PrismaService, queueNames } from '@groundwork/platform';

/** The job states groundwork_queue_jobs reports (BullMQ's `prioritized` counts as waiting). */
const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** A scrape must answer even while Redis or PostgreSQL does not: their gauges then keep their last values. */
const COLLECT_TIMEOUT_MS = 1000;

function withinTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer in time')), COLLECT_TIMEOUT_MS);
    }),
  ]);
}

/**
 * The worker's gauges, read when Prometheus scrapes: jobs per queue and state
 * (`groundwork_queue_jobs`) and the age of the oldest event the relay has not handed on yet
 * (`groundwork_outbox_lag_seconds`, 0 when the outbox is drained).
 */
@Injectable()
export class WorkerMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly metrics: MetricsService,
    private readonly prisma: PrismaService,
    private readonly moduleRef: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    const queues = queueNames().flatMap((name) => {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      return queue ? [queue] : [];
    });
    const prisma = this.prisma;
    new Gauge({
      name: 'groundwork_queue_jobs',
      help: 'Jobs per queue and state (waiting, active, delayed, failed, completed), as BullMQ counts them',
      labelNames: ['queue', 'state'],
      registers: [this.metrics.registry],
      async collect() {
        await Promise.all(
          queues.map(async (queue) => {
            try {
              const counts = await withinTimeout(queue.getJobCounts(...STATES, 'prioritized'));
              for (const state of STATES) {
                const extra = state === 'waiting' ? (counts.prioritized ?? 0) : 0;
                this.set({ queue: queue.name, state }, (counts[state] ?? 0) + extra);
              }
            } catch {
              // Redis away: readiness and the logs say so; the scrape still answers.
            }
          }),
        );
      },
    });
    new Gauge({
      name: 'groundwork_outbox_lag_seconds',
      help: 'Age of the oldest outbox event not yet relayed to the queues (0: none waiting)',
      registers: [this.metrics.registry],
      async collect() {
        try {
          const [oldest] = await withinTimeout(
            prisma.$queryRaw<{ lag: number }[]>`
              SELECT EXTRACT(EPOCH FROM (clock_timestamp() - occurred_at))::float8 AS lag
              FROM outbox_events WHERE relayed_at IS NULL ORDER BY seq LIMIT 1`,
          );
          this.set(Math.max(0, oldest?.lag ?? 0));
        } catch {
          // PostgreSQL away: the gauge keeps its last value.
        }
      },
    });
  }
}
