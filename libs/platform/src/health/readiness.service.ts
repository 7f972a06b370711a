import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config.js';
import { migrationsApplied } from '../database/migrations.check.js';
import { PrismaService } from '../database/prisma.service.js';
import { LifecycleState } from '../lifecycle/lifecycle.state.js';
import { MetricsService } from '../observability/metrics.service.js';
import { RedisService } from '../redis/redis.service.js';

export type DependencyStatus = 'up' | 'down';
export type ReadinessStatus = 'ok' | 'degraded' | 'unavailable' | 'draining';

/** A dependency's state only: why it is down goes to the log, never into the probe's body. */
export interface DependencyCheck {
  status: DependencyStatus;
}

export interface ReadinessReport {
  status: ReadinessStatus;
  checks: Record<string, DependencyCheck>;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * A dependency a context brings (object storage, say) that readiness reports on. Such a
 * dependency only ever degrades an instance: the routes and jobs that need it fail on their
 * own (503, retried jobs) while everything else keeps working, so it never takes the
 * instance out of its load balancer.
 */
export interface DependencyProbe {
  /** The key under `checks` in the readiness body. */
  readonly dependency: string;
  /** Resolves when the dependency answers; rejects (with the reason, for the log) when not. */
  check(signal: AbortSignal): Promise<void>;
}

/** Marks a provider implementing `DependencyProbe`: readiness finds it through Nest's discovery. */
export const ReadinessProbe = DiscoveryService.createDecorator<void>();

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]);
}

/**
 * Readiness as docs/architecture.md defines it. api: migrations applied, PostgreSQL answers, not
 * draining; Redis down only degrades it. worker: PostgreSQL and Redis both required. Either
 * way, a context's `@ReadinessProbe()` dependency that is down degrades it.
 */
@Injectable()
export class ReadinessService implements OnModuleInit {
  private readonly logger = new Logger(ReadinessService.name);
  private readonly lastLogged = new Map<string, number>();
  private schemaCurrent = false;
  private probes: DependencyProbe[] = [];

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly lifecycle: LifecycleState,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly discovery: DiscoveryService,
  ) {}

  onModuleInit(): void {
    this.probes = this.discovery
      .getProviders({ metadataKey: ReadinessProbe.KEY })
      .map((wrapper) => wrapper.instance as DependencyProbe);
  }

  async report(): Promise<ReadinessReport> {
    const [database, redis, ...contributed] = await Promise.all([
      this.checkDatabase(),
      this.checkRedis(),
      ...this.probes.map((probe) => this.checkProbe(probe)),
    ]);
    const checks: Record<string, DependencyCheck> = { database, redis };
    this.probes.forEach((probe, i) => (checks[probe.dependency] = contributed[i] ?? { status: 'down' }));
    const redisRequired = this.config.service !== 'api';
    let status: ReadinessStatus;
    if (this.lifecycle.draining) status = 'draining';
    else if (database.status === 'down' || (redisRequired && redis.status === 'down')) status = 'unavailable';
    else status = redis.status === 'down' || contributed.some((c) => c.status === 'down') ? 'degraded' : 'ok';
    const report = { status, checks };
    this.metrics.ready.set(ReadinessService.isReady(report) ? 1 : 0);
    return report;
  }

  static isReady(report: ReadinessReport): boolean {
    return report.status === 'ok' || report.status === 'degraded';
  }

  private async checkDatabase(): Promise<DependencyCheck> {
    const indicator = this.indicators.check('database');
    try {
      await withTimeout(this.prisma.$queryRaw`SELECT 1`, CHECK_TIMEOUT_MS, 'PostgreSQL');
      // Once the schema is current it stays current for this process's code.
      this.schemaCurrent ||= await withTimeout(migrationsApplied(this.prisma), CHECK_TIMEOUT_MS, 'PostgreSQL');
      if (!this.schemaCurrent) {
        this.logDown('database', 'pending migrations');
        return this.toCheck(indicator.down());
      }
      return this.toCheck(indicator.up());
    } catch (error) {
      this.logDown('database', error);
      return this.toCheck(indicator.down());
    }
  }

  private async checkRedis(): Promise<DependencyCheck> {
    const indicator = this.indicators.check('redis');
    const ok = await this.redis.ping(CHECK_TIMEOUT_MS);
    if (!ok) this.logDown('redis', 'no answer to PING');
    return this.toCheck(ok ? indicator.up() : indicator.down());
  }

  private async checkProbe(probe: DependencyProbe): Promise<DependencyCheck> {
    const indicator = this.indicators.check(probe.dependency);
    try {
      await withTimeout(probe.check(AbortSignal.timeout(CHECK_TIMEOUT_MS)), CHECK_TIMEOUT_MS, probe.dependency);
      return this.toCheck(indicator.up());
    } catch (error) {
      this.logDown(probe.dependency, error);
      return this.toCheck(indicator.down());
    }
  }

  /** The reason stays in the log (at most once per dependency every 30 s: probes come often). */
  private logDown(dependency: string, reason: unknown): void {
    const now = Date.now();
    if ((this.lastLogged.get(dependency) ?? 0) > now - 30_000) return;
    this.lastLogged.set(dependency, now);
    if (reason instanceof Error) this.logger.warn({ dependency, err: reason }, 'readiness: dependency down');
    else this.logger.warn({ dependency, reason }, 'readiness: dependency down');
  }

  private toCheck(result: Record<string, { status: string }>): DependencyCheck {
    const [entry] = Object.values(result);
    return { status: entry?.status === 'up' ? 'up' : 'down' };
  }
}
