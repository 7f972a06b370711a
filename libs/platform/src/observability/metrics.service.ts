import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AppConfig } from '../config/app-config.js';
import { droppedSpans, type SpanDropReason } from './tracing.js';

/**
 * The process's Prometheus registry: process metrics (CPU, memory, event-loop lag, GC) plus
 * the product's own. Every series carries the `service` label. Label values come from fixed
 * sets only (route templates, methods, status codes, queue, policy and event names, outcomes):
 * never an id or anything a caller typed, so the number of series stays bounded.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly httpInFlight: Gauge;
  readonly ready: Gauge;
  readonly dbPoolAcquire: Histogram;
  readonly dbQueryDuration: Histogram<'operation'>;
  readonly rateLimitDecisions: Counter<'policy' | 'decision' | 'store'>;
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly webhookEndpointsDisabled: Counter;
  readonly jobDuration: Histogram<'queue' | 'name' | 'outcome'>;
  readonly cacheLookups: Counter<'cache' | 'result'>;
  readonly cacheInvalidations: Counter<'cache' | 'outcome'>;

  constructor(config: AppConfig) {
    this.registry.setDefaultLabels({ service: config.service });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.httpInFlight = new Gauge({
      name: 'groundwork_http_requests_in_flight',
      help: 'HTTP requests received and not yet answered',
      registers: [this.registry],
    });
    this.ready = new Gauge({
      name: 'groundwork_ready',
      help: 'Readiness as the last probe found it: 1 ready (ok or degraded), 0 not ready (unavailable or draining)',
      registers: [this.registry],
    });
    this.dbPoolAcquire = new Histogram({
      name: 'groundwork_db_pool_acquire_seconds',
      help: 'Time spent waiting for a database connection from the pool',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.dbQueryDuration = new Histogram({
      name: 'groundwork_db_query_duration_seconds',
      help: 'Database statement duration by operation (select, insert, update, delete, other)',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.rateLimitDecisions = new Counter({
      name: 'groundwork_rate_limit_decisions_total',
      help: 'Rate-limit counter operations by policy, decision (allowed, limited; checked: a read) and counter store (redis; memory: per-instance, while Redis is unavailable)',
      labelNames: ['policy', 'decision', 'store'],
      registers: [this.registry],
    });
    this.webhookDeliveries = new Counter({
      name: 'groundwork_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (succeeded, retrying, failed, skipped)',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.webhookEndpointsDisabled = new Counter({
      name: 'groundwork_webhook_endpoints_disabled_total',
      help: 'Webhook endpoints disabled after too many consecutive failed deliveries',
      registers: [this.registry],
    });
    this.jobDuration = new Histogram({
      name: 'groundwork_job_duration_seconds',
      help: 'Background job attempts by queue, job name and outcome (completed, failed, deferred), with their duration',
      labelNames: ['queue', 'name', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.cacheLookups = new Counter({
      name: 'cache_lookups_total',
      help: 'Two-level cache reads by cache and result (l1_hit, l2_hit, miss, bypass: Redis unavailable)',
      labelNames: ['cache', 'result'],
      registers: [this.registry],
    });
    this.cacheInvalidations = new Counter({
      name: 'cache_invalidations_total',
      help: 'Cache namespace version bumps by cache and outcome (bumped, deferred: Redis unavailable)',
      labelNames: ['cache', 'outcome'],
      registers: [this.registry],
    });
    const reported: Record<SpanDropReason, number> = { queue_full: 0, export_failed: 0 };
    new Counter({
      name: 'groundwork_tracing_spans_dropped_total',
      help: 'Spans never exported, by reason (queue_full: the bounded export queue was full; export_failed: the collector did not take the batch)',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        // The SDK counts; each scrape adds what it dropped since the last one.
        const now = droppedSpans();
        for (const reason of ['queue_full', 'export_failed'] as const) {
          this.inc({ reason }, now[reason] - reported[reason]);
          reported[reason] = now[reason];
        }
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
