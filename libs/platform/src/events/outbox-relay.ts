import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { JobsOptions, Queue } from 'bullmq';
import pg from 'pg';
import { Counter, Histogram } from 'prom-client';
import { AppConfig } from '../config/app-config.js';
import { PrismaService } from '../database/prisma.service.js';
import { MetricsService } from '../observability/metrics.service.js';
import { contextFromCarrier, startProducerSpan } from '../observability/trace-context.js';
import { eventJobId, type QueueName } from '../queue/queue.catalogue.js';
import { activeEventConsumerQueues, consumesEvent, type EventJob } from './event-consumers.js';
import type { EventEnvelope, EventType } from './event-registry.js';

interface OutboxRow {
  id: string;
  type: string;
  version: number;
  visibility: 'public' | 'internal';
  workspace_id: string | null;
  actor_id: string | null;
  occurred_at: Date;
  data: unknown;
  request_id: string | null;
  traceparent: string | null;
  tracestate: string | null;
}

const CHANNEL = 'outbox_events';

function toEnvelope(row: OutboxRow): EventEnvelope {
  return {
    id: row.id,
    type: row.type as EventType,
    version: row.version,
    visibility: row.visibility,
    workspaceId: row.workspace_id,
    actorId: row.actor_id,
    occurredAt: row.occurred_at.toISOString(),
    data: row.data as EventEnvelope['data'],
    requestId: row.request_id,
    traceparent: row.traceparent,
    tracestate: row.tracestate,
  };
}

/**
 * The outbox relay (docs/architecture.md, the data flow of a write): claims committed, unrelayed events in order with
 * `FOR UPDATE SKIP LOCKED`, hands each to its subscribed consumer queues as BullMQ jobs whose
 * id derives from (queue, event) — so a replayed event never enqueues twice — and marks them
 * relayed in the same transaction. Woken at once by LISTEN/NOTIFY; polls only as a fallback.
 * Any number of workers may run it: each event is claimed by one of them.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly queues = new Map<QueueName, Queue>();
  private listener: pg.Client | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private wokenMeanwhile = false;
  private consecutiveFailures = 0;
  private readonly relayed: Counter<'type'>;
  private readonly commitToEnqueue: Histogram;

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
    metrics: MetricsService,
  ) {
    this.relayed = new Counter({
      name: 'outbox_events_relayed_total',
      help: 'Outbox events handed to their consumer queues',
      labelNames: ['type'],
      registers: [metrics.registry],
    });
    this.commitToEnqueue = new Histogram({
      name: 'outbox_relay_delay_seconds',
      help: 'Delay from an event being written to its jobs being enqueued',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300],
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    // Only the queues with a subscription that holds under this configuration get jobs.
    for (const name of activeEventConsumerQueues(this.config)) {
      this.queues.set(name, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    }
    void this.listen();
    this.loop = this.run();
  }

  /** Stops claiming before the queues and the database close; an unfinished batch rolls back. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  /** One claim-enqueue-mark transaction; returns how many events it relayed. */
  async relayBatch(): Promise<number> {
    const batchSize = this.config.outbox.batchSize;
    const relayed = await this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<OutboxRow[]>`
          SELECT id, type, version, visibility::text AS visibility, workspace_id, actor_id, occurred_at, data,
                 request_id, traceparent, tracestate
          FROM outbox_events
          WHERE relayed_at IS NULL
          ORDER BY seq
          LIMIT ${batchSize}
          FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return [];
        const envelopes = rows.map(toEnvelope);
        await Promise.all([...this.queues].map(([name, queue]) => this.enqueue(name, queue, envelopes)));
        await tx.$executeRaw`UPDATE outbox_events SET relayed_at = now() WHERE id = ANY(${rows.map((r) => r.id)}::uuid[])`;
        return envelopes;
      },
      { timeout: 60_000 },
    );
    // Counted after COMMIT: a batch that rolls back is counted when it is relayed for real.
    const now = Date.now();
    for (const envelope of relayed) {
      this.relayed.inc({ type: envelope.type });
      this.commitToEnqueue.observe((now - Date.parse(envelope.occurredAt)) / 1000);
    }
    return relayed.length;
  }

  /**
   * Each job continues its event's trace: a PRODUCER span, child of the span that wrote the
   * event, whose context the job carries to its consumer.
   */
  private async enqueue(name: QueueName, queue: Queue, envelopes: EventEnvelope[]): Promise<void> {
    const produced = envelopes
      .filter((event) => consumesEvent(name, event.type, this.config))
      .map((event) => ({ event, ...startProducerSpan(name, contextFromCarrier(event)) }));
    if (produced.length === 0) return;
    const jobs = produced.map(({ event, carrier }) => ({
      name: event.type,
      data: { event, context: { requestId: event.requestId, ...carrier } } as EventJob,
      opts: { jobId: eventJobId(name, event.id) } satisfies JobsOptions,
    }));
    try {
      await queue.addBulk(jobs);
    } finally {
      for (const { span } of produced) span.end();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let relayed = 0;
      try {
        relayed = await this.relayBatch();
        if (this.consecutiveFailures > 0) this.logger.log('outbox relay recovered');
        this.consecutiveFailures = 0;
      } catch (error) {
        this.consecutiveFailures += 1;
        // Redis or PostgreSQL away: the events wait in the outbox; retry with capped backoff.
        if (this.consecutiveFailures === 1 || this.consecutiveFailures % 20 === 0) {
          this.logger.warn({ err: error, failures: this.consecutiveFailures }, 'outbox relay failed; retrying');
        }
        await this.sleep(Math.min(100 * 2 ** this.consecutiveFailures, 5000));
        continue;
      }
      if (relayed < this.config.outbox.batchSize) await this.sleep(this.config.outbox.pollIntervalMs);
    }
  }

  /** Waits for a NOTIFY, the timeout or shutdown — whichever comes first. */
  private sleep(ms: number): Promise<void> {
    if (this.wokenMeanwhile || this.stopping) {
      this.wokenMeanwhile = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.wokenMeanwhile = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wokenMeanwhile = true;
  }

  /** A dedicated connection LISTENs for commits that wrote events; reconnects when it drops. */
  private async listen(attempt = 0): Promise<void> {
    if (this.stopping) return;
    const client = new pg.Client({ connectionString: this.config.database.url, application_name: 'groundwork-relay' });
    client.on('notification', () => this.wake());
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listener = client;
      client.once('end', () => {
        this.listener = undefined;
        if (!this.stopping) setTimeout(() => void this.listen(1), 1000);
      });
      // Anything committed while we were not listening is picked up at once.
      this.wake();
    } catch (error) {
      await client.end().catch(() => undefined);
      if (attempt === 0) this.logger.warn({ err: error }, 'cannot LISTEN for outbox events; polling until it can');
      if (!this.stopping) setTimeout(() => void this.listen(attempt + 1), Math.min(1000 * 2 ** attempt, 10_000));
    }
  }
}
