import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { AppConfig } from '../config/app-config.js';

/**
 * The process's Prometheus registry: process metrics (CPU, memory, event-loop lag, GC) plus
 * the product's own. Every series carries the `service` label.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly jobsProcessed: Counter<'queue' | 'name' | 'outcome'>;
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
    this.jobsProcessed = new Counter({
      name: 'jobs_processed_total',
      help: 'Background jobs processed, by queue, job name and outcome',
      labelNames: ['queue', 'name', 'outcome'],
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
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
