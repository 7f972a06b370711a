import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config.js';
import { migrationsApplied } from '../database/migrations.check.js';
import { PrismaService } from '../database/prisma.service.js';
import { LifecycleState } from '../lifecycle/lifecycle.state.js';
import { RedisService } from '../redis/redis.service.js';

export type DependencyStatus = 'up' | 'down';
export type ReadinessStatus = 'ok' | 'degraded' | 'unavailable' | 'draining';

export interface DependencyCheck {
  status: DependencyStatus;
  message?: string;
}

export interface ReadinessReport {
  status: ReadinessStatus;
  checks: Record<string, DependencyCheck>;
}

const CHECK_TIMEOUT_MS = 2000;

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
 * draining; Redis down only degrades it. worker: PostgreSQL and Redis both required.
 */
@Injectable()
export class ReadinessService {
  private readonly logger = new Logger(ReadinessService.name);
  private schemaCurrent = false;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly lifecycle: LifecycleState,
    private readonly config: AppConfig,
  ) {}

  async report(): Promise<ReadinessReport> {
    const [database, redis] = await Promise.all([this.checkDatabase(), this.checkRedis()]);
    const checks = { database, redis };
    const redisRequired = this.config.service !== 'api';
    let status: ReadinessStatus;
    if (this.lifecycle.draining) status = 'draining';
    else if (database.status === 'down' || (redisRequired && redis.status === 'down')) status = 'unavailable';
    else status = redis.status === 'down' ? 'degraded' : 'ok';
    return { status, checks };
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
      if (!this.schemaCurrent) return this.toCheck(indicator.down({ message: 'pending migrations' }));
      return this.toCheck(indicator.up());
    } catch (error) {
      // The probe is unauthenticated: its body says "unreachable", the reason (hosts, addresses,
      // driver errors) goes to the server's log only.
      this.logger.warn({ err: error }, 'readiness: PostgreSQL check failed');
      return this.toCheck(indicator.down({ message: 'unreachable' }));
    }
  }

  private async checkRedis(): Promise<DependencyCheck> {
    const indicator = this.indicators.check('redis');
    const ok = await this.redis.ping(CHECK_TIMEOUT_MS);
    return this.toCheck(ok ? indicator.up() : indicator.down({ message: 'unreachable' }));
  }

  private toCheck(result: Record<string, { status: string; message?: unknown }>): DependencyCheck {
    const [entry] = Object.values(result);
    const check: DependencyCheck = { status: entry?.status === 'up' ? 'up' : 'down' };
    if (typeof entry?.message === 'string') check.message = entry.message;
    return check;
  }
}
