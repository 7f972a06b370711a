import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { AppConfig } from '../config/app-config.js';
import { type CancellableOptions, QueryCanceller, runCancellableQuery } from './cancellable-query.js';
import { type Prisma, PrismaClient } from './generated/client.js';

type PrismaOptions = {
  adapter: PrismaPg;
  log: { emit: 'event'; level: 'query' }[];
  transactionOptions: { maxWait: number; timeout: number };
};

/**
 * The one database client of a process: Prisma's Rust-free client over a pg pool sized and
 * time-boxed from config. A database that is down at boot does not stop the process: readiness
 * reports it, and queries work as soon as it is back.
 */
@Injectable()
export class PrismaService extends PrismaClient<PrismaOptions> implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);
  private readonly canceller: QueryCanceller;
  private readonly statementTimeoutMs: number;

  constructor(config: AppConfig) {
    const { url, poolMax, acquireTimeoutMs, statementTimeoutMs } = config.database;
    const logger = new Logger(PrismaService.name);
    const adapter = new PrismaPg(
      {
        connectionString: url,
        max: poolMax,
        // pg-pool applies this both to opening a connection and to waiting for a free one.
        connectionTimeoutMillis: acquireTimeoutMs,
        idleTimeoutMillis: 30_000,
        statement_timeout: statementTimeoutMs,
        application_name: `groundwork-${config.service}`,
      },
      { onPoolError: (error) => logger.warn({ err: error }, 'idle database connection failed') },
    );
    super({
      adapter,
      log: [{ emit: 'event' as const, level: 'query' as const }],
      // Interactive transactions: wait at most this long for a connection, run at most this long.
      transactionOptions: { maxWait: acquireTimeoutMs, timeout: statementTimeoutMs },
    });
    this.statementTimeoutMs = statementTimeoutMs;
    this.canceller = new QueryCanceller({
      url,
      acquireTimeoutMs,
      applicationName: `groundwork-${config.service}-canceller`,
    });
    const slowMs = config.database.slowQueryMs;
    this.$on('query', (event) => {
      if (event.duration >= slowMs) {
        logger.warn({ durationMs: event.duration, query: event.query.slice(0, 500) }, 'slow query');
      }
    });
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.$connect();
    } catch (error) {
      this.logger.warn({ err: error }, 'database unreachable at boot; readiness stays down until it answers');
    }
  }

  /**
   * Runs a read whose result may stop mattering — a list or a search — so that its database
   * work stops too when the request's signal aborts (client gone, route timed out) instead of
   * running on for nobody: `return this.prisma.cancellable((db) => db.task.findMany(…))`.
   * Costs an interactive transaction (three more round trips); not for writes, which should
   * finish or roll back on their own terms. See `runCancellableQuery`.
   */
  cancellable<T>(fn: (db: Prisma.TransactionClient) => Promise<T>, options?: CancellableOptions): Promise<T> {
    return runCancellableQuery(this, this.canceller, this.statementTimeoutMs, fn, options);
  }

  /** Closed last, after HTTP requests and jobs have drained (docs/architecture.md, shutdown order). */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.$disconnect(), this.canceller.close()]);
  }
}
